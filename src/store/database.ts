import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type PostgresPool } from 'kysely';
import pg from 'pg';
import { createCommitProbe } from './commit-outcome.js';
import type { StoreConfig } from './config.js';
import { createHostPool, isConnectionLoss, type HostPool } from './failover.js';
import { parsePostgresTargets } from './hosts.js';
import type { Store } from './model.js';
import type { Database } from './schema.js';
import { migrate } from './migrate.js';
import { postgresExec, preparedNameOf, sqliteExec } from './statements.js';

export type { Dialect, Store } from './model.js';

export interface OpenOptions {
  /** Run migrations on open (default true). */
  readonly migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  readonly poolSizeMax?: number;
  /**
   * PostgreSQL: how long a connect waits for a host that qualifies (the primary, after a failover)
   * and how long the writer asks whether a lost COMMIT committed (default 30 s).
   */
  readonly reconnectTimeoutMs?: number;
  /** Told when the PostgreSQL host changes. */
  readonly log?: (message: string) => void;
}

export async function openStore(config: StoreConfig, options: OpenOptions = {}): Promise<Store> {
  const store = config.dialect === 'sqlite' ? openSqlite(config.path) : openPostgres(config.url, options);
  if (options.migrate ?? true) await migrate(store);
  return store;
}

/** better-sqlite3 recompiles a statement on every prepare(); Kysely prepares per query, so cache them. */
function statementCache(connection: SqliteDatabase.Database): (source: string) => SqliteDatabase.Statement {
  const statementsMax = 1000;
  const cache = new Map<string, SqliteDatabase.Statement>();
  return (source) => {
    let statement = cache.get(source);
    if (statement === undefined) {
      statement = connection.prepare(source);
      if (cache.size >= statementsMax) cache.clear();
      cache.set(source, statement);
    }
    return statement;
  };
}

function cachingConnection(connection: SqliteDatabase.Database, prepare = statementCache(connection)): SqliteDatabase.Database {
  return new Proxy(connection, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function openSqliteConnection(path: string, readonly: boolean): SqliteDatabase.Database {
  const connection = new SqliteDatabase(path, { readonly: readonly && path !== ':memory:' });
  connection.defaultSafeIntegers(true);
  connection.pragma('busy_timeout = 5000');
  if (!readonly) {
    // WAL + synchronous=FULL: every commit is fsynced before we answer (DESIGN.md §4).
    connection.pragma('journal_mode = WAL');
    connection.pragma('synchronous = FULL');
    connection.pragma('foreign_keys = ON');
  }
  return connection;
}

function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const writeConnection = openSqliteConnection(path, false);
  const prepare = statementCache(writeConnection);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingConnection(writeConnection, prepare) }) });
  // An in-memory database is private to its connection, so it cannot have a separate reader.
  const reader =
    path === ':memory:'
      ? db
      : new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingConnection(openSqliteConnection(path, true)) }) });
  return {
    dialect: 'sqlite',
    db,
    reader,
    exec: sqliteExec(prepare),
    async close() {
      if (reader !== db) await reader.destroy();
      await db.destroy();
    },
  };
}

const int8Oid = 20;
const numericOid = 1700;

function parseBigint(text: string): bigint {
  // sum() of bigint is numeric in PostgreSQL; our sums are always integral.
  if (!/^-?\d+$/.test(text)) throw new Error(`expected an integer from PostgreSQL, got ${text}`);
  return BigInt(text);
}

function openPostgres(url: string, options: OpenOptions): Store {
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === int8Oid || oid === numericOid) return parseBigint;
      return pg.types.getTypeParser(oid, format);
    },
  } as pg.CustomTypesConfig;
  const reconnectTimeoutMs = options.reconnectTimeoutMs ?? 30_000;
  const hosts = createHostPool({
    targets: parsePostgresTargets(url),
    poolSizeMax: options.poolSizeMax ?? 10,
    reconnectTimeoutMs,
    types,
    log: options.log,
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPool(hosts) as unknown as PostgresPool }) });
  return {
    dialect: 'postgres',
    db,
    reader: db,
    exec: postgresExec,
    commitProbe: createCommitProbe(db, reconnectTimeoutMs),
    primary: () => ({ host: hosts.current(), switches: hosts.switches }),
    async close() {
      await db.destroy();
    },
  };
}

/**
 * Kysely sees a pool whose clients send the hot statements as named (prepared) statements, and
 * that tells the host pool when a query found its connection lost (so the next connect looks for
 * the primary again, and the broken client is destroyed rather than reused). A plain SELECT outside
 * a transaction that lost its connection is sent once more on a new one (on the new primary after
 * a failover): it changed nothing, so that is safe. Nothing else is re-sent here (the writer
 * decides for its transactions).
 */
function namingPool(hosts: HostPool) {
  const send = (client: pg.PoolClient, text: string, values: unknown[]) => {
    const name = preparedNameOf(text);
    return name === undefined ? client.query(text, values) : client.query({ name, text, values });
  };
  return {
    async connect() {
      const client = await hosts.connect();
      let broken: Error | undefined;
      let inTransaction = false;
      return {
        async query(text: string, values: unknown[]) {
          if (/^\s*(begin|start transaction)\b/i.test(text)) inTransaction = true;
          else if (/^\s*(commit|rollback|end)\s*;?\s*$/i.test(text)) inTransaction = false;
          try {
            return await send(client, text, values);
          } catch (error) {
            if (!isConnectionLoss(error)) throw error;
            broken = error instanceof Error ? error : new Error(String(error));
            hosts.failed(client, error);
            if (inTransaction || !/^\s*select\b/i.test(text)) throw error;
            const fresh = await hosts.connect();
            try {
              return await send(fresh, text, values);
            } finally {
              fresh.release();
            }
          }
        },
        release: () => client.release(broken),
      };
    },
    end: () => hosts.end(),
  };
}

/** Cheap liveness probe for /healthz. */
export async function ping(store: Store): Promise<void> {
  await sql`select 1`.execute(store.reader);
}
