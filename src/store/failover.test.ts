import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplicaSet, pgServerMissing, type ReplicaSet } from '../../test/support/pg-cluster.js';
import { createCommitProbe } from './commit-outcome.js';
import { openStore } from './database.js';
import { isConnectionLoss } from './failover.js';
import { parsePostgresTargets } from './hosts.js';
import type { Store } from './model.js';
import type { Database } from './schema.js';
import { createWriter } from './writer.js';

describe('multi-host PostgreSQL URLs', () => {
  it('splits the hosts, keeps the other parameters on each, and takes target_session_attrs out', () => {
    const targets = parsePostgresTargets(
      'postgres://u:p%40ss@db1:5433,db2,[::1]:6000/hutong?target_session_attrs=read-write&sslmode=disable',
    );
    expect(targets.sessionAttrs).toBe('read-write');
    expect(targets.hosts.map((h) => h.label)).toEqual(['db1:5433', 'db2:5432', '[::1]:6000']);
    expect(targets.hosts.map((h) => h.url)).toEqual([
      'postgres://u:p%40ss@db1:5433/hutong?sslmode=disable',
      'postgres://u:p%40ss@db2:5432/hutong?sslmode=disable',
      'postgres://u:p%40ss@[::1]:6000/hutong?sslmode=disable',
    ]);
    expect(parsePostgresTargets('postgresql://localhost/x').sessionAttrs).toBe('any');
  });

  it('refuses session attributes it cannot honour and hosts it cannot read, without printing the password', () => {
    expect(() => parsePostgresTargets('postgres://a:secret@h1,h2/db?target_session_attrs=standby')).toThrow(
      /target_session_attrs must be one of/,
    );
    expect(() => parsePostgresTargets('postgres://a:secret@h1:99999/db')).toThrow(/bad port/);
    expect(() => parsePostgresTargets('postgres://a:secret@h1:x:y/db')).toThrow(/\*\*\*/);
    expect(() => parsePostgresTargets('postgres://a:secret@h1:x:y/db')).not.toThrow(/secret/);
  });

  it('knows a lost connection from a business error', () => {
    expect(isConnectionLoss(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionLoss(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(isConnectionLoss(Object.assign(new Error('x'), { code: '25006' }))).toBe(true);
    expect(isConnectionLoss(new Error('wrapped', { cause: Object.assign(new Error('r'), { code: 'ECONNRESET' }) }))).toBe(true);
    expect(isConnectionLoss(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isConnectionLoss(Object.assign(new Error('deadlock'), { code: '40P01' }))).toBe(false);
  });
});

const missing = pgServerMissing();
if (missing !== undefined) {
  if (process.env.CI) throw new Error(`PostgreSQL server binaries: ${missing}; CI must run the failover tests`);
  console.warn(`\n*** SKIPPING the PostgreSQL failover store tests: ${missing} (set HUTONG_PG_BIN). ***\n`);
}

/** A real primary and standby on spare ports: connecting, lost COMMITs, and a promotion. */
describe.skipIf(missing !== undefined)('a store on a primary and a standby', () => {
  let set: ReplicaSet;
  let store: Store;
  const admin = (text: string) => set.query(set.primary, text);

  beforeAll(async () => {
    set = await createReplicaSet({ standbys: 1 });
    await set.query(set.primary, 'create database hutong');
    const [primary, standby] = set.nodes;
    // The standby comes first in the URL: the store must skip it.
    store = await openStore(
      { dialect: 'postgres', url: set.multiHostUrl('hutong', [standby!, primary!]) },
      { migrate: false, reconnectTimeoutMs: 20_000, poolSizeMax: 4 },
    );
    await sql`create table f_rows (id bigint primary key, note text not null)`.execute(store.db);
  }, 120_000);

  afterAll(async () => {
    await store?.close().catch(() => undefined);
    await set?.destroy();
  });

  const db = () => store.db as unknown as Kysely<Database>;
  const count = async (id: number) =>
    Number((await sql<{ n: bigint }>`select count(*) as n from f_rows where id = ${id}`.execute(db())).rows[0]?.n ?? -1n);

  it('connects to the read-write host, not to the standby listed first', async () => {
    expect(store.primary?.().host).toBe(set.primary.hostPort);
    const rows = await sql<{ recovery: boolean }>`select pg_is_in_recovery() as recovery`.execute(db());
    expect(rows.rows[0]?.recovery).toBe(false);
  });

  it('tells a committed transaction from a rolled-back one by its id on the same server', async () => {
    const probe = createCommitProbe(db(), 5_000);
    const committed = await db().startTransaction().execute();
    await sql`insert into f_rows values (1, 'committed')`.execute(committed);
    const markCommitted = await probe.mark(committed);
    await committed.commit().execute();
    const aborted = await db().startTransaction().execute();
    await sql`insert into f_rows values (2, 'aborted')`.execute(aborted);
    const markAborted = await probe.mark(aborted);
    await aborted.rollback().execute();
    expect(await probe.outcome(markCommitted)).toBe('committed');
    expect(await probe.outcome(markAborted)).toBe('aborted');
    // An id the server never handed out: not committed.
    expect(await probe.outcome({ xid: String(BigInt(markAborted.xid) + 1_000_000n), incarnation: markAborted.incarnation })).toBe(
      'aborted',
    );
  });

  it('settles a unit whose COMMIT lost its connection after committing, once, without running it again', async () => {
    const writer = createWriter(store.db, store.exec, { commitProbe: store.commitProbe, flushesMax: 2 });
    // No such standby: every COMMIT commits locally, then waits for synchronous replication.
    await admin("alter system set synchronous_standby_names = 'nobody'");
    await admin('select pg_reload_conf()');
    let runs = 0;
    try {
      const pending = writer.run(async (trx) => {
        runs++;
        await sql`insert into f_rows values (10, 'lost commit')`.execute(trx);
        return 'done';
      });
      // Its backend waits in SyncRep: cut it off, as a dying primary would.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const [row] = await admin("select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where wait_event = 'SyncRep'");
        if ((row as { n: number }).n > 0) break;
        if (Date.now() > deadline) throw new Error('no COMMIT waited for synchronous replication');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await admin("alter system set synchronous_standby_names = ''");
      await admin('select pg_reload_conf()');
      await expect(pending).resolves.toBe('done');
    } finally {
      await admin("alter system set synchronous_standby_names = ''").catch(() => undefined);
      await admin('select pg_reload_conf()').catch(() => undefined);
    }
    expect(runs).toBe(1);
    expect(writer.stats.commitsLost).toEqual({ committed: 1, aborted: 0, unknown: 0 });
    expect(await count(10)).toBe(1);
    await writer.close();
  }, 60_000);

  it('runs a unit again when its connection was lost before COMMIT (nothing of it was durable)', async () => {
    const writer = createWriter(store.db, store.exec, { commitProbe: store.commitProbe });
    let runs = 0;
    const value = await writer.run(async (trx) => {
      runs++;
      await sql`insert into f_rows values (20, ${`run ${runs}`})`.execute(trx);
      if (runs === 1) await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx);
      return runs;
    });
    expect(value).toBe(2);
    expect(await count(20)).toBe(1);
    const note = await sql<{ note: string }>`select note from f_rows where id = 20`.execute(db());
    expect(note.rows[0]?.note).toBe('run 2');
    await writer.close();
  }, 60_000);

  it('sends a SELECT outside a transaction again when its connection was cut, and nothing else', async () => {
    const cut = async () => {
      for (let i = 0; i < 200; i++) {
        const [row] = await admin(
          "select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where query like '%pg_sleep(0.5)%' and pid <> pg_backend_pid()",
        );
        if ((row as { n: number }).n > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('the statement to cut never ran');
    };
    const [read] = await Promise.all([sql<{ one: number }>`select 1 as one, pg_sleep(0.5)`.execute(db()), cut()]);
    expect(read.rows[0]?.one).toBe(1);
    const write = sql`insert into f_rows select 40, 'cut' from pg_sleep(0.5)`.execute(db());
    await Promise.all([expect(write).rejects.toThrow(), cut()]);
  }, 60_000);

  it('after the primary dies and the standby is promoted, goes on by itself on the new primary', async () => {
    const [primary, standby] = set.nodes as [typeof set.primary, typeof set.primary];
    const probe = createCommitProbe(db(), 5_000);
    const trx = await db().startTransaction().execute();
    await sql`insert into f_rows values (30, 'before the failover')`.execute(trx);
    const mark = await probe.mark(trx);
    await trx.commit().execute();
    // Wait until the standby replayed it (the set is asynchronous).
    const [lsn] = await set.query<{ lsn: string }>(primary, 'select pg_current_wal_lsn()::text as lsn');
    for (let i = 0; i < 200; i++) {
      const [replayed] = await set.query<{ ok: boolean }>(standby, `select pg_last_wal_replay_lsn() >= '${lsn!.lsn}'::pg_lsn as ok`);
      if (replayed?.ok === true) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const switchesBefore = store.primary?.().switches ?? 0;
    await set.stopImmediate(primary);
    const writer = createWriter(store.db, store.exec, { commitProbe: store.commitProbe });
    const after = writer.run(async (t) => {
      await sql`insert into f_rows values (31, 'after the failover')`.execute(t);
      return 'ok';
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await set.promote(standby);
    await expect(after).resolves.toBe('ok');
    expect(store.primary?.()).toEqual({ host: standby.hostPort, switches: switchesBefore + 1 });
    expect(await count(30)).toBe(1);
    expect(await count(31)).toBe(1);
    // Asked on the promoted standby, an id from the old primary cannot be told from a new one.
    expect(await probe.outcome(mark)).toBe('unknown');
    await writer.close();
  }, 90_000);
});
