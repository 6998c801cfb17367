import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';

/**
 * Records every SQL statement the process sends, on either store, without touching src/: the
 * PostgreSQL client's `query` and better-sqlite3's statement methods are wrapped while a recording
 * is on. Used to profile the card path (statements and round trips per payment) and to check that
 * every statement it sends would route to one shard in a distributed deployment (docs/scaling.md).
 */
export interface Recorded {
  readonly text: string;
  readonly values: readonly unknown[];
  /** Which connection sent it (statements of one transaction share one). */
  readonly connection: number;
}

let recording: Recorded[] | undefined;

const connections = new WeakMap<object, number>();
let connectionsSeen = 0;

function connectionOf(owner: object): number {
  let n = connections.get(owner);
  if (n === undefined) {
    n = ++connectionsSeen;
    connections.set(owner, n);
  }
  return n;
}

function push(owner: object, text: string, values: unknown): void {
  recording?.push({ text, values: Array.isArray(values) ? values : [], connection: connectionOf(owner) });
}

let installed = false;

export function installRecorder(): void {
  if (installed) return;
  installed = true;
  const clientQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first, second] = args;
    if (typeof first === 'string') push(this, first, second);
    else if (first !== null && typeof first === 'object' && 'text' in first) {
      const config = first as { text: string; values?: unknown };
      push(this, config.text, config.values ?? second);
    }
    return clientQuery.apply(this, args);
  } as typeof pg.Client.prototype.query;

  const probe = new SqliteDatabase(':memory:');
  const statementPrototype = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = statementPrototype[method] as (...args: unknown[]) => unknown;
    statementPrototype[method] = function (this: SqliteDatabase.Statement, ...args: unknown[]) {
      push(this.database, this.source, args.length === 1 && Array.isArray(args[0]) ? args[0] : args);
      return original.apply(this, args);
    };
  }
}

/** Runs `work` and returns the statements sent meanwhile (by anything in this process). */
export async function record(work: () => Promise<void>): Promise<Recorded[]> {
  const statements: Recorded[] = [];
  recording = statements;
  try {
    await work();
  } finally {
    recording = undefined;
  }
  return statements;
}
