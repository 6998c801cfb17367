import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { StoreConfig } from '../store/index.js';
import type { Dialect } from '../store/index.js';

/**
 * Where one store's benchmark runs: a fresh SQLite file under the OS temp directory, or a fresh
 * PostgreSQL database `hutong_bench_<pid>` created through the admin URL. Both are removed at the end.
 */
export interface BenchDatabase {
  readonly dialect: Dialect;
  readonly store: StoreConfig;
  /** SQLite: a directory for the raw baseline's own file. */
  readonly scratchDir?: string;
  /** PostgreSQL: the bench database's URL, for pgbench and the raw `pg` baseline. */
  readonly postgresUrl?: string;
  /** Flushes dirty pages before a measurement, so one phase's checkpoint does not land in the next. */
  checkpoint(): Promise<void>;
  /** PostgreSQL's deadlock counter for the bench database: concurrent batches can deadlock. */
  deadlocksCount?(): Promise<number>;
  drop(): Promise<void>;
}

export const defaultAdminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
const connectTimeoutMs = 3_000;

export function adminUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.HUTONG_BENCH_PG ?? defaultAdminUrl;
}

export function openSqliteDatabase(): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'hutong-bench-'));
  return {
    dialect: 'sqlite',
    store: { dialect: 'sqlite', path: join(dir, 'hutong.db') },
    scratchDir: dir,
    checkpoint: async () => undefined,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The PostgreSQL target, or why it cannot be had (server unreachable, no right to create a database). */
export async function openPostgresDatabase(admin: string): Promise<BenchDatabase | { unavailable: string }> {
  const name = `hutong_bench_${process.pid}`;
  try {
    await adminQuery(admin, `drop database if exists ${name} with (force)`);
    await adminQuery(admin, `create database ${name}`);
  } catch (error) {
    return { unavailable: `PostgreSQL at ${redacted(admin)}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    dialect: 'postgres',
    store: { dialect: 'postgres', url: url.toString() },
    postgresUrl: url.toString(),
    // CHECKPOINT needs superuser or pg_checkpoint; without it the figures are only noisier.
    checkpoint: () => adminQuery(admin, 'checkpoint').catch(() => undefined),
    drop: () => dropDatabase(admin, name),
    deadlocksCount: async () => {
      const rows = await adminRows<{ deadlocks: string }>(
        admin,
        'select deadlocks::text as deadlocks from pg_stat_database where datname = $1',
        [name],
      );
      return Number(rows[0]?.deadlocks ?? 0);
    },
  };
}

/**
 * A plain DROP first: PostgreSQL waits (up to 5 s) for sessions that are still closing. Forcing at
 * once would kill the Hutong pool's connections while they close, and pg reports that as an
 * unhandled 'error' event that crashes the process.
 */
async function dropDatabase(admin: string, name: string): Promise<void> {
  try {
    await adminQuery(admin, `drop database if exists ${name}`);
  } catch {
    await adminQuery(admin, `drop database if exists ${name} with (force)`);
  }
}

async function adminQuery(url: string, text: string): Promise<void> {
  await adminRows(url, text, []);
}

async function adminRows<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  try {
    await client.connect();
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL without its password, for messages. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
