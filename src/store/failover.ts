import pg from 'pg';
import type { PostgresHost, PostgresTargets, SessionAttrs } from './hosts.js';

/**
 * PostgreSQL with several hosts (a primary and its standbys): the store keeps one pool, on the host
 * that answers as `target_session_attrs` asks (read-write: `transaction_read_only` is off; primary:
 * `pg_is_in_recovery()` is false). When a connection to it is lost (the server stopped, the host
 * became a standby) that pool is dropped and the next connect looks for the host again, trying every
 * host in turn until one qualifies or `reconnectTimeoutMs` passes. Callers meanwhile wait in
 * `connect()`: during a failover requests queue instead of failing.
 */
export interface HostPool {
  connect(): Promise<pg.PoolClient>;
  /** A client whose query failed with `error`: drop the pool if the error says its host is gone. */
  failed(client: pg.PoolClient, error: unknown): void;
  end(): Promise<void>;
  /** The host in use (`host:port`), undefined while looking for one. */
  current(): string | undefined;
  /** How many times a host was chosen (1 after the first connect; more after each failover). */
  readonly switches: number;
}

export interface HostPoolOptions {
  readonly targets: PostgresTargets;
  readonly poolSizeMax: number;
  readonly reconnectTimeoutMs: number;
  readonly types: pg.CustomTypesConfig;
  /** Told when a host is chosen or dropped. */
  readonly log?: (message: string) => void;
}

// SQLSTATEs that mean "this connection or this host is gone": admin_shutdown, crash_shutdown,
// cannot_connect_now, the connection_exception class, and read_only_sql_transaction (the host is
// a standby now).
const lostCodes = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '25006']);
const lostSocketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND']);
const lostMessages =
  /Connection terminated|Client has encountered a connection error|connection timeout|Client was closed|terminating connection/i;

/** True when `error` says the connection (or its host) went away, so the outcome of an in-flight COMMIT is unknown. */
export function isConnectionLoss(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (lostCodes.has(code) || lostSocketCodes.has(code))) return true;
    if (e instanceof Error && lostMessages.test(e.message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

const probeTimeoutMs = 2_000;
const backoffMsMin = 25;
const backoffMsMax = 250;

/** Does `host` answer, and as the session attributes ask? */
async function qualifies(host: PostgresHost, attrs: SessionAttrs, types: pg.CustomTypesConfig): Promise<boolean> {
  const client = new pg.Client({
    connectionString: host.url,
    connectionTimeoutMillis: probeTimeoutMs,
    query_timeout: probeTimeoutMs,
    types,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    if (attrs === 'any') return true;
    const { rows } = await client.query<{ recovery: boolean; read_only: string }>(
      "select pg_is_in_recovery() as recovery, current_setting('transaction_read_only') as read_only",
    );
    const row = rows[0];
    if (row === undefined) return false;
    return attrs === 'primary' ? !row.recovery : row.read_only === 'off';
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface Chosen {
  readonly host: PostgresHost;
  readonly pool: pg.Pool;
}

export function createHostPool(options: HostPoolOptions): HostPool {
  const { targets, types } = options;
  const log = options.log ?? (() => undefined);
  let chosen: Chosen | undefined;
  let looking: Promise<Chosen> | undefined;
  let ended = false;
  let switches = 0;
  /** Where the next search starts: the host that qualified last. */
  let firstIndex = 0;
  const owners = new WeakMap<pg.PoolClient, Chosen>();

  function open(host: PostgresHost): Chosen {
    const pool = new pg.Pool({ connectionString: host.url, max: options.poolSizeMax, types });
    const entry: Chosen = { host, pool };
    // An idle client whose server went away emits 'error' on the pool; unhandled, that would crash
    // the process. It also tells us the host may be gone.
    pool.on('error', (error) => {
      process.emitWarning(`PostgreSQL idle client error (${host.label}): ${error.message}`);
      if (isConnectionLoss(error)) drop(entry, error);
    });
    return entry;
  }

  function drop(entry: Chosen, error: unknown): void {
    if (chosen !== entry) return;
    chosen = undefined;
    log(`PostgreSQL ${entry.host.label} lost (${error instanceof Error ? error.message : String(error)}); looking for a read-write host`);
    // Clients in use are destroyed as they are released (pg-pool drops a client that errored).
    void entry.pool.end().catch(() => undefined);
  }

  async function search(): Promise<Chosen> {
    const deadline = Date.now() + options.reconnectTimeoutMs;
    let backoffMs = backoffMsMin;
    const count = targets.hosts.length;
    for (;;) {
      for (let i = 0; i < count; i++) {
        const index = (firstIndex + i) % count;
        const host = targets.hosts[index] as PostgresHost;
        if (ended) throw new Error('the PostgreSQL pool is closed');
        if (await qualifies(host, targets.sessionAttrs, types)) {
          firstIndex = index;
          switches++;
          if (switches > 1 || count > 1) log(`PostgreSQL: using ${host.label} (${targets.sessionAttrs})`);
          return open(host);
        }
      }
      if (Date.now() >= deadline) {
        throw Object.assign(
          new Error(
            `no PostgreSQL host answered as ${targets.sessionAttrs} within ${options.reconnectTimeoutMs} ms (${targets.hosts.map((h) => h.label).join(', ')})`,
          ),
          { code: '08001' },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      backoffMs = Math.min(backoffMs * 2, backoffMsMax);
    }
  }

  async function target(): Promise<Chosen> {
    if (chosen !== undefined) return chosen;
    looking ??= search()
      .then((found) => {
        chosen = found;
        return found;
      })
      .finally(() => {
        looking = undefined;
      });
    return looking;
  }

  return {
    get switches() {
      return switches;
    },
    current: () => chosen?.host.label,
    async connect() {
      const deadline = Date.now() + options.reconnectTimeoutMs;
      for (;;) {
        const entry = await target();
        try {
          const client = await entry.pool.connect();
          if (!owners.has(client)) {
            // A client in use whose server goes away between queries emits 'error' (pg-pool listens
            // only while the client is idle); unhandled, that would crash the process.
            client.on('error', (error) => {
              if (isConnectionLoss(error)) drop(owners.get(client) ?? entry, error);
            });
          }
          owners.set(client, entry);
          return client;
        } catch (error) {
          // The host went away between the search and now: look again, within the deadline.
          if (ended || !isConnectionLoss(error) || Date.now() >= deadline) throw error;
          drop(entry, error);
        }
      }
    },
    failed(client, error) {
      const entry = owners.get(client);
      if (entry !== undefined && isConnectionLoss(error)) drop(entry, error);
    },
    async end() {
      ended = true;
      await looking?.catch(() => undefined);
      const last = chosen;
      chosen = undefined;
      await last?.pool.end();
    },
  };
}
