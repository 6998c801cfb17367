import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { useLedger } from '../../test/support/ledger.js';
import { describeEachStore } from '../../test/support/stores.js';
import { fail, isFailure } from '../core/failure.js';
import { afterCommit, createWriter, WriterOverloadedError } from './writer.js';

describeEachStore('group-commit writer', (dialect) => {
  const f = useLedger(dialect);

  async function table(name: string): Promise<void> {
    await sql.raw(`create table ${name}_parent (id bigint primary key)`).execute(f.store.db);
    await sql
      .raw(`create table ${name} (id bigint primary key, parent_id bigint references ${name}_parent(id) deferrable initially deferred)`)
      .execute(f.store.db);
  }

  async function ids(name: string): Promise<number[]> {
    const rows = await sql<{ id: bigint }>`select id from ${sql.table(name)} order by id`.execute(f.store.reader);
    return rows.rows.map((r) => Number(r.id));
  }

  it('coalesces concurrent work into fewer transactions, each caller seeing its own result after commit', async () => {
    await table('w_many');
    const before = { ...f.writer.stats };
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        f.writer.run(async (trx) => {
          await sql`insert into w_many (id) values (${i})`.execute(trx);
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const batches = f.writer.stats.batches - before.batches;
    expect(batches).toBeLessThan(200);
    expect(f.writer.stats.largestBatch).toBeGreaterThan(1);
    // Read through the other connection: resolved means committed.
    expect(await ids('w_many')).toHaveLength(200);
  });

  it('runs after-commit callbacks only for units that committed, after their commit', async () => {
    await table('w_after');
    const seen: string[] = [];
    const committedWhenCalled: number[] = [];
    const unit = (id: number, end: 'ok' | 'throw' | 'failure') =>
      f.writer.run(async (trx) => {
        await sql`insert into w_after (id) values (${id})`.execute(trx);
        afterCommit(trx, () => {
          seen.push(`${id}`);
          committedWhenCalled.push(id);
        });
        if (end === 'throw') throw new Error('boom');
        return end === 'failure' ? fail('nope', 'refused') : id;
      });
    const outcomes = await Promise.allSettled([unit(1, 'ok'), unit(2, 'throw'), unit(3, 'failure'), unit(4, 'ok')]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(seen.sort()).toEqual(['1', '4']);
    // What the callbacks saw as done is durable: visible through the other connection.
    expect(await ids('w_after')).toEqual(committedWhenCalled.sort());
  });

  it('rolls back only the unit that throws or returns a failure; its batch-mates commit', async () => {
    await table('w_iso');
    const outcomes = await Promise.allSettled([
      f.writer.run(async (trx) => sql`insert into w_iso (id) values (1)`.execute(trx)),
      f.writer.run(async (trx) => {
        await sql`insert into w_iso (id) values (2)`.execute(trx);
        throw new Error('boom');
      }),
      f.writer.run(async (trx) => {
        await sql`insert into w_iso (id) values (3)`.execute(trx);
        return fail('insufficient_funds', 'no');
      }),
      f.writer.run(async (trx) => sql`insert into w_iso (id) values (1)`.execute(trx)), // duplicate key
      f.writer.run(async (trx) => sql`insert into w_iso (id) values (4)`.execute(trx)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(isFailure((outcomes[2] as PromiseFulfilledResult<unknown>).value)).toBe(true);
    expect(await ids('w_iso')).toEqual([1, 4]);
  });

  it('when COMMIT fails, retries each unit alone so one poisoned unit cannot fail the others', async () => {
    await table('w_commit');
    await sql`insert into w_commit_parent (id) values (1)`.execute(f.store.db);
    const before = f.writer.stats.retriedAlone;
    const outcomes = await Promise.allSettled([
      f.writer.run((trx) => sql`insert into w_commit (id, parent_id) values (1, 1)`.execute(trx)),
      // The deferred foreign key only fails at COMMIT, after the unit itself succeeded.
      f.writer.run((trx) => sql`insert into w_commit (id, parent_id) values (2, 999)`.execute(trx)),
      f.writer.run((trx) => sql`insert into w_commit (id, parent_id) values (3, 1)`.execute(trx)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(f.writer.stats.retriedAlone).toBeGreaterThan(before);
    expect(await ids('w_commit')).toEqual([1, 3]);
  });

  it('bounds its batch size and its queue', async () => {
    await table('w_bound');
    const small = createWriter(f.store.db, f.store.exec, { batchSizeMax: 4, queueDepthMax: 8 });
    const runs = Array.from({ length: 8 }, (_, i) => small.run((trx) => sql`insert into w_bound (id) values (${i})`.execute(trx)));
    await expect(small.run(async () => 'one too many')).rejects.toBeInstanceOf(WriterOverloadedError);
    await Promise.all(runs);
    expect(small.stats.largestBatch).toBeLessThanOrEqual(4);
    await small.close();
    await expect(small.run(async () => 1)).rejects.toThrow(/closed/);
    expect(await ids('w_bound')).toHaveLength(8);
  });
});
