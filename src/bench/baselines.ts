import assert from 'node:assert/strict';
import type { BaselineFigures } from './model.js';
import { benchPgbench, pgbenchAvailable, pgbenchInit } from './pgbench.js';
import { benchRawPostgres } from './raw-postgres.js';
import { benchRawSqlite } from './raw-sqlite.js';
import type { BenchSettings } from './settings.js';
import type { BenchDatabase } from './databases.js';

/**
 * The raw baseline each store's ledger figure is compared with, in the same run on the same machine.
 * PostgreSQL uses pgbench when it is on PATH (HUTONG_BENCH_PGBENCH=0 forces the raw `pg` loop).
 */
export interface Baseline {
  readonly name: string;
  /** Set-up that must not be timed (pgbench -i loads a million rows). */
  prepare(): Promise<void>;
  measure(): Promise<BaselineFigures>;
}

export async function baselineFor(
  database: BenchDatabase,
  settings: BenchSettings,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Baseline> {
  if (database.dialect === 'sqlite') {
    const dir = database.scratchDir;
    assert.ok(dir !== undefined, 'a SQLite bench database has a scratch directory');
    return { name: 'raw better-sqlite3', prepare: async () => undefined, measure: async () => benchRawSqlite(dir, settings) };
  }
  const url = database.postgresUrl;
  assert.ok(url !== undefined, 'a PostgreSQL bench database has a URL');
  if (env.HUTONG_BENCH_PGBENCH !== '0' && (await pgbenchAvailable())) {
    return { name: 'pgbench TPC-B', prepare: () => pgbenchInit(url, settings), measure: () => benchPgbench(url, settings) };
  }
  return { name: 'raw pg (pgbench not on PATH)', prepare: async () => undefined, measure: () => benchRawPostgres(url, settings) };
}
