import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHutong, type Hutong } from '../src/app.js';
import { ManualClock } from '../src/core/clock.js';
import { verifyLedger } from '../src/ledger/index.js';
import { useTestApp } from './support/app.js';
import { describeEachStore, dialects, freshStore, testConfig } from './support/stores.js';

const dayMs = 24 * 60 * 60 * 1000;

/** An effect that counts its runs per job, in the job's own unit: a second run would show as 2. */
function registerCounter(hutong: Hutong, kind: string) {
  hutong.timers.register(kind, {
    async inUnit(trx, job) {
      const key = `timer-test:${job.key}`;
      const found = await trx.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
      const value = String(Number(found?.value ?? '0') + 1);
      await trx
        .insertInto('settings')
        .values({ key, value, updated_at: job.dueAt })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
      return undefined;
    },
  });
}

async function counts(hutong: Hutong, prefix: string): Promise<Map<string, number>> {
  const rows = await hutong.services.store.reader
    .selectFrom('settings')
    .select(['key', 'value'])
    .where('key', 'like', `timer-test:${prefix}%`)
    .execute();
  return new Map(rows.map((r) => [r.key, Number(r.value)]));
}

describeEachStore('durable timers', (dialect) => {
  const t = useTestApp(dialect);

  it('runs a due job once, not before it is due, and not again', async () => {
    registerCounter(t.hutong, 'test.once');
    const { writer } = t.hutong.services;
    await writer.run((trx) =>
      t.hutong.timers.schedule(trx, { kind: 'test.once', key: 'once:1', dueAt: new Date(t.clock.now().getTime() + 60_000) }),
    );
    expect(await t.hutong.timers.runDue()).toBe(0);
    t.clock.advance(60_000);
    expect(await t.hutong.timers.runDue()).toBe(1);
    expect(await t.hutong.timers.runDue()).toBe(0);
    expect((await counts(t.hutong, 'once:')).get('timer-test:once:1')).toBe(1);
    expect(await t.hutong.timers.get('once:1')).toBeUndefined();
  });

  it('a job claimed by a worker that died runs again after its lease, exactly once', async () => {
    registerCounter(t.hutong, 'test.lease');
    const { writer } = t.hutong.services;
    await writer.run((trx) => t.hutong.timers.schedule(trx, { kind: 'test.lease', key: 'lease:1', dueAt: t.clock.now() }));
    // What a worker leaves behind when it dies between its claim and its unit's commit.
    const leaseUntil = new Date(t.clock.now().getTime() + 60_000).toISOString();
    await writer.run((trx) =>
      trx
        .updateTable('timers')
        .set({ claimed_by: 'dead-worker', locked_until: leaseUntil, attempts: 1n })
        .where('key', '=', 'lease:1')
        .execute(),
    );
    expect(await t.hutong.timers.runDue()).toBe(0);
    t.clock.advance(60_001);
    expect(await t.hutong.timers.runDue()).toBe(1);
    expect(await t.hutong.timers.runDue()).toBe(0);
    expect((await counts(t.hutong, 'lease:')).get('timer-test:lease:1')).toBe(1);
  });

  it('retries a failing job with backoff, then marks it failed', async () => {
    let runs = 0;
    t.hutong.timers.register('test.fails', {
      async outside() {
        runs++;
        throw new Error('the counterparty is down');
      },
    });
    await t.hutong.services.writer.run((trx) =>
      t.hutong.timers.schedule(trx, { kind: 'test.fails', key: 'fails:1', dueAt: t.clock.now() }),
    );
    for (let i = 0; i < 12; i++) {
      await t.hutong.timers.runDue();
      t.clock.advance(2 * 60 * 60 * 1000);
    }
    expect(runs).toBe(10);
    expect(await t.hutong.timers.get('fails:1')).toMatchObject({ status: 'failed', last_error: 'Error: the counterparty is down' });
  });
});

/**
 * Two Hutong processes' worth of services (two createHutong instances, each with its own pool and
 * writer) on one PostgreSQL database, racing on the same due timers.
 */
describe.runIf(dialects.includes('postgres'))('two workers racing on the same due timers [postgres]', () => {
  const clock = new ManualClock(new Date('2026-03-01T08:00:00Z'));
  const vaultKey = randomBytes(32);
  let a: Hutong;
  let b: Hutong;
  let drop: () => Promise<void>;
  let operatorKey: string;

  const request = async (h: Hutong, method: string, url: string, key: string | undefined, body?: unknown) => {
    const res = await h.server.inject({
      method: method as 'GET',
      url,
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.body === '' ? undefined : JSON.parse(res.body) };
  };

  beforeAll(async () => {
    const fresh = await freshStore('postgres');
    drop = fresh.drop;
    a = await createHutong(testConfig(fresh.store), { clock, logger: false, vaultKey });
    b = await createHutong(testConfig(fresh.store), { clock, logger: false, vaultKey });
    await a.server.ready();
    await b.server.ready();
    operatorKey = (await a.services.parties.ensureOperatorKey(undefined)).generated as string;
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it("each job's effect happens exactly once", async () => {
    registerCounter(a, 'test.race');
    registerCounter(b, 'test.race');
    const jobsCount = 200;
    await a.services.writer.run(async (trx) => {
      for (let i = 0; i < jobsCount; i++) await a.timers.schedule(trx, { kind: 'test.race', key: `race:${i}`, dueAt: clock.now() });
    });
    const ran = await Promise.all([a.timers.runDue(), b.timers.runDue(), a.timers.runDue(), b.timers.runDue()]);
    expect(ran.reduce((x, y) => x + y, 0)).toBe(jobsCount);
    // Both processes took a share (SKIP LOCKED hands each claim different rows).
    expect((ran[0] ?? 0) + (ran[2] ?? 0)).toBeGreaterThan(0);
    expect((ran[1] ?? 0) + (ran[3] ?? 0)).toBeGreaterThan(0);
    const seen = await counts(a, 'race:');
    expect(seen.size).toBe(jobsCount);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it('auto-confirms every shipped trade once when both processes run the timers', async () => {
    const merchant = await request(a, 'POST', '/v1/merchants', operatorKey, {
      name: 'Race shop',
      country: 'CN',
      settlement_currency: 'CNY',
    });
    const key = merchant.body.api_key.secret_key as string;
    const customer = (await request(a, 'POST', '/v1/customers', key, { name: 'buyer' })).body.id as string;
    await request(a, 'POST', `/v1/customers/${customer}/top_ups`, key, { amount: 1_000_000, currency: 'CNY' });
    const tradesCount = 24;
    const ids: string[] = [];
    for (let i = 0; i < tradesCount; i++) {
      // Half the trades are made through each process.
      const h = i % 2 === 0 ? a : b;
      const e = await request(h, 'POST', '/v1/escrows', key, {
        amount: 1_000 + i,
        currency: 'CNY',
        merchant_order_id: `race-${i}`,
        goods_type: 'virtual',
      });
      expect(e.status, JSON.stringify(e.body)).toBe(201);
      expect(
        (await request(h, 'POST', `/v1/payments/${e.body.payment}/confirm`, key, { payment_method: { type: 'wallet', customer } })).status,
      ).toBe(200);
      expect((await request(h, 'POST', `/v1/escrows/${e.body.id}/ship`, key, { carrier: 'email', waybill_number: `k-${i}` })).status).toBe(
        200,
      );
      ids.push(e.body.id as string);
    }
    clock.advance(3 * dayMs + 1);
    const ran = await Promise.all([a.timers.runDue(), b.timers.runDue(), b.timers.runDue(), a.timers.runDue()]);
    expect(ran.reduce((x, y) => x + y, 0)).toBe(tradesCount);
    const reader = a.services.store.reader;
    const trades = await reader.selectFrom('escrows').select(['id', 'status', 'amount_released']).where('id', 'in', ids).execute();
    expect(trades.every((e) => e.status === 'completed')).toBe(true);
    const releases = await reader
      .selectFrom('ledger_entries')
      .select('link_id')
      .where('reason', '=', 'escrow.release')
      .where('link_id', 'in', ids)
      .execute();
    expect(releases).toHaveLength(tradesCount);
    const completedEvents = await reader
      .selectFrom('events')
      .select('object_id')
      .where('type', '=', 'escrow.completed')
      .where('object_id', 'in', ids)
      .execute();
    expect(completedEvents).toHaveLength(tradesCount);
    expect((await verifyLedger(reader)).ok).toBe(true);
  });
});
