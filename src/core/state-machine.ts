import assert from 'node:assert/strict';

/**
 * A state machine as one table (DESIGN.md §8): every status, the statuses it may move to, and the
 * one check every status change goes through. Payments, refunds, escrow trades and payouts each
 * declare theirs (their `state.ts`); a move that is not in the table is a bug in the flow that
 * asked for it, so `assertMove` throws (TigerBeetle style: crash on programmer errors) rather than
 * writing a status the machine does not know. Flows that refuse a request for a reason the caller
 * can fix use `canMove` first and answer with their module's failure value.
 */
export interface StateMachine<S extends string> {
  readonly name: string;
  readonly statuses: readonly S[];
  readonly initial: S;
  readonly table: Readonly<Record<S, readonly S[]>>;
  canMove(from: S, to: S): boolean;
  /** Throws IllegalTransition for a move not in the table. */
  assertMove(from: S, to: S): void;
  /** Statuses with no way out. */
  readonly terminal: readonly S[];
}

export class IllegalTransition extends Error {
  constructor(machine: string, from: string, to: string) {
    super(`illegal ${machine} transition: ${from} → ${to} is not in its state table`);
    this.name = 'IllegalTransition';
  }
}

export function defineStateMachine<S extends string>(name: string, initial: S, table: Readonly<Record<S, readonly S[]>>): StateMachine<S> {
  const statuses = Object.keys(table) as S[];
  for (const [from, targets] of Object.entries(table) as [S, readonly S[]][]) {
    for (const to of targets) assert.ok(to in table, `${name}: ${from} → ${to} names an unknown status`);
  }
  assert.ok(initial in table, `${name}: unknown initial status ${initial}`);
  const canMove = (from: S, to: S): boolean => (table[from] ?? []).includes(to);
  return {
    name,
    statuses,
    initial,
    table,
    canMove,
    assertMove(from, to) {
      if (!canMove(from, to)) throw new IllegalTransition(name, from, to);
    },
    terminal: statuses.filter((s) => table[s].length === 0),
  };
}
