import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './process.js';

/**
 * Throw-away PostgreSQL replica sets for the failover tests: a primary and standbys made with
 * initdb and `pg_basebackup -R` under one temp dir, on spare ports, run as the `postgres` user
 * (these tests run as root, and PostgreSQL refuses to). Every server started here is stopped
 * (immediate) and its directory removed by `destroy()`, and also when the test process exits,
 * whatever happened.
 */
const run = promisify(execFile);

export const pgBin = process.env.HUTONG_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Why the server binaries cannot be used here, or undefined when they can. */
export function pgServerMissing(): string | undefined {
  for (const tool of ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres']) {
    if (!existsSync(join(pgBin, tool))) return `${join(pgBin, tool)} is missing`;
  }
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root and there is no postgres user to run the server as';
    }
  }
  return undefined;
}

const live = new Set<string>();
let exitHook = false;

/** Stops every server still running (synchronously: this also runs from the process 'exit' hook). */
function stopAllNow(): void {
  for (const dir of live) {
    try {
      execFileSync(...asPostgres(join(pgBin, 'pg_ctl'), ['stop', '-D', dir, '-m', 'immediate', '-w', '-t', '20']), { stdio: 'ignore' });
    } catch {
      // Not running.
    }
    live.delete(dir);
  }
}

function asPostgres(command: string, args: readonly string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, [...args]];
}

async function pgTool(tool: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const [command, argv] = asPostgres(join(pgBin, tool), args);
  try {
    const { stdout } = await run(command, argv, { timeout: timeoutMs, maxBuffer: 4 << 20 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

export interface PgNode {
  readonly name: string;
  readonly dir: string;
  readonly port: number;
  /** `host:port` as it appears in a multi-host URL. */
  readonly hostPort: string;
  url(database?: string): string;
  /** The server's log so far (for failure messages). */
  log(): string;
}

export interface ReplicaSet {
  readonly root: string;
  readonly nodes: readonly PgNode[];
  primary: PgNode;
  /** The multi-host URL over every node, in the given order (default: as created). */
  multiHostUrl(database: string, order?: readonly PgNode[]): string;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(node: PgNode, text: string, values?: unknown[]): Promise<R[]>;
  /** `pg_ctl stop -m immediate`: the server dies as in a crash (no shutdown checkpoint, connections cut). */
  stopImmediate(node: PgNode): Promise<void>;
  start(node: PgNode): Promise<void>;
  /** `pg_ctl promote`, waiting until it accepts writes. */
  promote(node: PgNode): Promise<void>;
  /** Points a standby at another primary (primary_conninfo, reloaded). */
  repoint(node: PgNode, primary: PgNode): Promise<void>;
  /** The WAL position a standby has received and flushed (pg_last_wal_receive_lsn), as a number. */
  receivedLsn(node: PgNode): Promise<bigint>;
  /** Stops every node (immediate) and removes the directory. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface ReplicaSetOptions {
  readonly standbys: number;
  /** synchronous_standby_names on every node, e.g. `ANY 1 (s1, s2)`; standbys are named s1, s2, … */
  readonly synchronousStandbyNames?: string;
  /** Extra postgresql.conf lines for every node. */
  readonly settings?: readonly string[];
}

function ownByPostgres(path: string): void {
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(path, uid, gid);
}

function lsnToBigint(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

function conninfo(primary: PgNode, applicationName: string): string {
  return `host=127.0.0.1 port=${primary.port} user=postgres application_name=${applicationName}`;
}

export async function createReplicaSet(options: ReplicaSetOptions): Promise<ReplicaSet> {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', stopAllNow);
  }
  const root = mkdtempSync(join(tmpdir(), 'hutong-pg-'));
  // The postgres user makes its data directories (and sockets, logs) under the temp dir.
  chmodSync(root, 0o755);
  ownByPostgres(root);
  const nodes: PgNode[] = [];
  const makeNode = async (name: string): Promise<PgNode> => {
    const dir = join(root, name);
    const port = await freePort();
    const logFile = join(root, `${name}.log`);
    return {
      name,
      dir,
      port,
      hostPort: `127.0.0.1:${port}`,
      url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
      log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-8_000) : '(no log)'),
    };
  };
  const start = async (node: PgNode) => {
    live.add(node.dir);
    await pgTool('pg_ctl', ['start', '-D', node.dir, '-l', join(root, `${node.name}.log`), '-w', '-t', '60']);
  };
  const set: ReplicaSet = {
    root,
    nodes,
    primary: undefined as unknown as PgNode,
    multiHostUrl(database, order = nodes) {
      return `postgres://postgres@${order.map((n) => n.hostPort).join(',')}/${database}?target_session_attrs=read-write`;
    },
    async query(node, text, values) {
      const client = new pg.Client({ connectionString: node.url(), connectionTimeoutMillis: 5_000 });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async stopImmediate(node) {
      await pgTool('pg_ctl', ['stop', '-D', node.dir, '-m', 'immediate', '-w', '-t', '30']);
      live.delete(node.dir);
    },
    start,
    async promote(node) {
      await pgTool('pg_ctl', ['promote', '-D', node.dir, '-w', '-t', '60']);
      set.primary = node;
    },
    async repoint(node, primary) {
      appendFileSync(join(node.dir, 'postgresql.auto.conf'), `primary_conninfo = '${conninfo(primary, node.name)}'\n`);
      await pgTool('pg_ctl', ['reload', '-D', node.dir]);
    },
    async receivedLsn(node) {
      const rows = await set.query<{ lsn: string | null }>(node, 'select pg_last_wal_receive_lsn()::text as lsn');
      return rows[0]?.lsn === null || rows[0] === undefined ? -1n : lsnToBigint(rows[0].lsn);
    },
    async destroy() {
      stopAllNow();
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    const primary = await makeNode('primary');
    await pgTool('initdb', ['-D', primary.dir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
    const settings = [
      `port = ${primary.port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${root}'`,
      'wal_level = replica',
      'max_wal_senders = 10',
      'hot_standby = on',
      'max_connections = 60',
      'shared_buffers = 32MB',
      'wal_keep_size = 256MB',
      'wal_retrieve_retry_interval = 100ms',
      'wal_receiver_status_interval = 1s',
      ...(options.synchronousStandbyNames === undefined ? [] : [`synchronous_standby_names = '${options.synchronousStandbyNames}'`]),
      ...(options.settings ?? []),
    ];
    appendFileSync(join(primary.dir, 'postgresql.conf'), `\n${settings.join('\n')}\n`);
    nodes.push(primary);
    set.primary = primary;
    await start(primary);
    // The standbys are copied and started side by side (each pg_basebackup takes its own checkpoint).
    const standbys = await Promise.all(Array.from({ length: options.standbys }, (_, i) => makeNode(`s${i + 1}`)));
    nodes.push(...standbys);
    await Promise.all(
      standbys.map(async (standby) => {
        await pgTool('pg_basebackup', [
          '-h',
          '127.0.0.1',
          '-p',
          String(primary.port),
          '-U',
          'postgres',
          '-D',
          standby.dir,
          '-R',
          '-X',
          'stream',
          '-c',
          'fast',
        ]);
        appendFileSync(
          join(standby.dir, 'postgresql.auto.conf'),
          `port = ${standby.port}\nprimary_conninfo = '${conninfo(primary, standby.name)}'\n`,
        );
        if (!statSync(standby.dir).isDirectory()) throw new Error(`pg_basebackup made no ${standby.dir}`);
        await start(standby);
      }),
    );
    // Every standby streams before the set is handed out (else the first commits would wait for them).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const rows = await set.query<{ n: string }>(primary, "select count(*)::text as n from pg_stat_replication where state = 'streaming'");
      if (Number(rows[0]?.n) >= options.standbys) break;
      if (Date.now() > deadline) throw new Error(`standbys did not stream within 60 s\n${nodes.map((n) => n.log()).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return set;
  } catch (error) {
    await set.destroy();
    throw error;
  }
}
