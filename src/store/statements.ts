import { CompiledQuery, type Transaction } from 'kysely';
import type SqliteDatabase from 'better-sqlite3';
import type { Database } from './schema.js';

/**
 * Hot-path statements, written once in SQL both dialects accept, with `?` placeholders (turned into
 * `$1…$n` for PostgreSQL once, at definition). They skip Kysely's query building, which the
 * benchmark profile showed costing a fifth of the CPU of a transfer; on SQLite they also skip the
 * async driver and run on the writer's own connection, inside the transaction Kysely opened.
 * Everything else keeps using Kysely's typed builder.
 */
export interface Statement {
  readonly sqlite: string;
  readonly postgres: string;
  /** Parameterless steps SQLite runs one by one where PostgreSQL takes them as one round trip. */
  readonly sqliteSteps?: readonly string[];
}

/**
 * PostgreSQL names for the hot statements: the driver prepares each once per connection and the
 * server keeps its parse and plan (an unnamed statement is parsed and planned on every call, which
 * cost more than the round trip for the ledger's one-trip statement).
 */
const preparedNames = new Map<string, string>();

export function preparedNameOf(postgresText: string): string | undefined {
  return preparedNames.get(postgresText);
}

export function statement(text: string): Statement {
  let n = 0;
  const postgres = text.replace(/\?/g, () => `$${++n}`);
  if (!preparedNames.has(postgres)) preparedNames.set(postgres, `hutong_${preparedNames.size + 1}`);
  return { sqlite: text, postgres };
}

/**
 * Several parameterless statements sent to PostgreSQL as one simple query (one round trip); on
 * SQLite, where a round trip costs nothing, they run one after the other.
 */
export function steps(texts: readonly string[]): Statement {
  return { sqlite: texts.join('; '), postgres: texts.join('; '), sqliteSteps: texts };
}

export interface ExecResult {
  readonly rows: Record<string, unknown>[];
  readonly changes: bigint;
}

/** Runs a statement inside a writer transaction (`trx` is the transaction it belongs to). */
export type Exec = (trx: Transaction<Database>, statement: Statement, params: readonly unknown[]) => Promise<ExecResult>;

export function sqliteExec(prepare: (sql: string) => SqliteDatabase.Statement): Exec {
  return async (_trx, st, params) => {
    if (st.sqliteSteps !== undefined) {
      for (const text of st.sqliteSteps) prepare(text).run();
      return { rows: [], changes: 0n };
    }
    const prepared = prepare(st.sqlite);
    if (prepared.reader) return { rows: prepared.all(...params) as Record<string, unknown>[], changes: 0n };
    return { rows: [], changes: BigInt(prepared.run(...params).changes) };
  };
}

export const postgresExec: Exec = async (trx, st, params) => {
  const result = await trx.executeQuery<Record<string, unknown>>(CompiledQuery.raw(st.postgres, [...params]));
  return { rows: result.rows, changes: result.numAffectedRows ?? BigInt(result.rows.length) };
};
