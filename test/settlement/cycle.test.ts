import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandboxBank, type SandboxBank } from '../../sandbox/bank/bank.js';
import { createHutong, type Hutong } from '../../src/app.js';
import { createBankClient } from '../../src/channels/bank/client.js';
import { ManualClock } from '../../src/core/clock.js';
import { isFailure } from '../../src/core/failure.js';
import { newId } from '../../src/core/ids.js';
import { accountIdFor, verifyLedger } from '../../src/ledger/index.js';
import { createPaymentLedger } from '../../src/payments/postings.js';
import { nextCutoff } from '../../src/settlement/cycle.js';
import { describeEachStore, freshStore, testConfig, type Dialect } from '../support/stores.js';

/** A PostgreSQL-only case is not registered on SQLite at all, so no suite reports it as skipped. */
const notOnThisStore = (_name: string, _body: () => Promise<void>, _timeout?: number): void => undefined;

/**
 * The daily settlement cycle on the durable timers (docs/settlement.md, "The daily cycle"): one run
 * per cohort and day, payouts after it, the reserve check daily — across crashes, restarts and two
 * workers on one database.
 */
const hour = 3_600_000;

it('finds the next cut-off in the merchant time zone', () => {
  expect(nextCutoff(new Date('2026-03-01T08:00:00Z'), 0, 'UTC').toISOString()).toBe('2026-03-02T00:00:00.000Z');
  expect(nextCutoff(new Date('2026-03-02T00:00:00Z'), 0, 'UTC').toISOString()).toBe('2026-03-03T00:00:00.000Z');
  // 18:00 in Shanghai is 10:00Z; at 09:59Z it is still today, at 10:00Z tomorrow.
  expect(nextCutoff(new Date('2026-03-01T09:59:00Z'), 18, 'Asia/Shanghai').toISOString()).toBe('2026-03-01T10:00:00.000Z');
  expect(nextCutoff(new Date('2026-03-01T10:00:00Z'), 18, 'Asia/Shanghai').toISOString()).toBe('2026-03-02T10:00:00.000Z');
  // Across the DST change in Berlin (2026-03-29): midnight is 23:00Z before, 22:00Z after.
  expect(nextCutoff(new Date('2026-03-28T12:00:00Z'), 0, 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
  expect(nextCutoff(new Date('2026-03-29T12:00:00Z'), 0, 'Europe/Berlin').toISOString()).toBe('2026-03-29T22:00:00.000Z');
});

describeEachStore('the daily settlement cycle', (dialect: Dialect) => {
  let bank: SandboxBank;
  const clock = new ManualClock(new Date('2026-03-01T08:00:00Z'));
  const drops: (() => Promise<void>)[] = [];
  const open: Hutong[] = [];

  beforeAll(async () => {
    bank = await startSandboxBank({ clock: { now: () => clock.now() } });
  });
  afterAll(async () => {
    for (const h of open) await h.close().catch(() => undefined);
    await bank?.close();
    for (const d of drops) await d();
  });

  async function world() {
    const fresh = await freshStore(dialect);
    drops.push(fresh.drop);
    return fresh.store;
  }

  async function app(store: Awaited<ReturnType<typeof world>>): Promise<Hutong> {
    const h = await createHutong(testConfig(store), {
      clock,
      logger: false,
      vaultKey: randomBytes(32),
      bank: createBankClient(bank.baseUrl),
    });
    await h.server.ready();
    open.push(h);
    return h;
  }

  async function merchant(h: Hutong, name: string): Promise<string> {
    const made = await h.services.parties.createMerchant({ name, country: 'CN', settlementCurrency: 'CNY' });
    if (isFailure(made)) throw new Error(made.detail);
    const id = made.merchant.id;
    const account = await h.services.settlement.addBankAccount(id, {
      currency: 'CNY',
      holderName: name,
      accountNumber: '6222020200112233',
      bankCode: '102100099996',
    });
    if (isFailure(account)) throw new Error(account.detail);
    return id;
  }

  async function capture(h: Hutong, merchantId: string, grossMinor: bigint): Promise<void> {
    const { writer, ledger } = h.services;
    const posted = await writer.run((trx) =>
      createPaymentLedger(ledger, accountIdFor).captureNow(trx, {
        entryId: newId('ent'),
        paymentId: newId('pay'),
        merchantId,
        source: { kind: 'channel', channel: 'sandbox_acquirer' },
        currency: 'CNY',
        grossMinor,
        feeMinor: grossMinor / 100n,
      }),
    );
    if (isFailure(posted)) throw new Error(posted.detail);
  }

  /** Moves the clock hour by hour to `until`, running due timers at every step (as the loop would). */
  async function tick(workers: Hutong[], until: Date): Promise<void> {
    while (clock.now().getTime() < until.getTime()) {
      clock.advance(Math.min(hour, until.getTime() - clock.now().getTime()));
      await Promise.all(workers.map((w) => w.timers.runDue()));
    }
  }

  async function runs(h: Hutong, kind: string) {
    return h.services.store.reader.selectFrom('scheduled_runs').selectAll().where('kind', '=', kind).orderBy('occurrence').execute();
  }

  async function statements(h: Hutong, merchantId: string) {
    return h.services.store.reader
      .selectFrom('settlement_statements')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .orderBy('window_end')
      .execute();
  }

  async function ledgerOk(h: Hutong): Promise<void> {
    const report = await verifyLedger(h.services.store.reader);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  }

  it('advancing over two days runs exactly two settlement runs per cohort, payouts after each, and two reserve checks', async () => {
    clock.set(new Date('2026-03-01T08:00:00Z'));
    const h = await app(await world());
    const tea = await merchant(h, 'Tea House');
    await h.services.cycle.start();
    await h.services.cycle.start(); // idempotent
    // A merchant moving to 18:00 Shanghai gets that cohort's timer at once.
    const silk = await merchant(h, 'Silk Road');
    expect(isFailure(await h.services.settlement.setSchedule(silk, { cutoffHour: 18, timeZone: 'Asia/Shanghai' }))).toBe(false);
    const upcoming = await h.services.cycle.upcoming();
    expect(upcoming.map((t) => [t.key, t.dueAt])).toEqual([
      ['settlement.daily/18/Asia/Shanghai', '2026-03-01T10:05:00.000Z'],
      ['settlement.daily/0/UTC', '2026-03-02T00:05:00.000Z'],
      ['reserve.daily_check', '2026-03-02T06:00:00.000Z'],
    ]);

    await capture(h, tea, 10_000n);
    await capture(h, silk, 20_000n);
    await tick([h], new Date('2026-03-02T09:00:00Z'));
    await capture(h, tea, 30_000n);
    await capture(h, silk, 40_000n);
    await tick([h], new Date('2026-03-03T08:00:00Z'));

    const settled = await runs(h, 'settlement');
    expect(settled.map((r) => [r.occurrence, r.status])).toEqual([
      ['2026-03-01T10:00:00.000Z', 'done'],
      ['2026-03-02T00:00:00.000Z', 'done'],
      ['2026-03-02T10:00:00.000Z', 'done'],
      ['2026-03-03T00:00:00.000Z', 'done'],
    ]);
    expect(settled.every((r) => r.attempts === 1n)).toBe(true);
    // Tea (T+1, midnight UTC): day 1 settles at the 2nd's midnight, day 2 at the 3rd's.
    expect((await statements(h, tea)).map((s) => [s.window_end, s.payout])).toEqual([
      ['2026-03-02T00:00:00.000Z', 9_900n],
      ['2026-03-03T00:00:00.000Z', 29_700n],
    ]);
    const teaStatements = await statements(h, tea);
    const sums = await h.services.settlement.summaries(teaStatements.map((x) => x.id));
    expect(sums.get(teaStatements[1]?.id ?? '')).toEqual({
      grossMinor: 30_000n,
      feesMinor: 300n,
      refundsMinor: 0n,
      chargebacksMinor: 0n,
      otherMinor: 0n,
      payoutStatus: 'paid',
    });
    // Silk (T+1, 18:00 Shanghai): the first run at 03-01 18:00 settles business day 02-28 (nothing);
    // business day 03-01 (captured 16:00 Shanghai) is settled at 03-02 18:00. The second capture
    // (03-02 17:00 Shanghai) belongs to business day 03-02, due on 03-03 18:00.
    expect((await statements(h, silk)).map((s) => [s.window_end, s.payout])).toEqual([['2026-03-01T10:00:00.000Z', 19_800n]]);
    const payouts = await h.services.store.reader
      .selectFrom('payouts')
      .select(['merchant_id', 'status', 'amount'])
      .orderBy('created_at')
      .execute();
    expect(payouts.map((p) => p.status)).toEqual(['paid', 'paid', 'paid']);
    const checks = await runs(h, 'reserve_check');
    expect(checks.map((r) => r.occurrence)).toEqual(['2026-03-02T06:00:00.000Z', '2026-03-03T06:00:00.000Z']);
    expect(JSON.parse(checks[0]?.result ?? '{}')).toMatchObject({ currencies: [{ currency: 'CNY' }] });

    // Nothing more runs until the next cut-off; the jobs wait for it.
    await tick([h], new Date('2026-03-03T09:00:00Z'));
    expect((await runs(h, 'settlement')).length).toBe(4);
    expect((await h.services.cycle.upcoming()).map((t) => t.dueAt)).toEqual([
      '2026-03-03T10:05:00.000Z',
      '2026-03-04T00:05:00.000Z',
      '2026-03-04T06:00:00.000Z',
    ]);
    await ledgerOk(h);
  });

  it('a run that fails before its completion runs again for the same day; a restart neither doubles nor skips a day', async () => {
    clock.set(new Date('2026-04-01T08:00:00Z'));
    const store = await world();
    const first = await app(store);
    const tea = await merchant(first, 'Tea House');
    await first.services.cycle.start();
    await capture(first, tea, 10_000n);
    // The payout step dies after the statements committed (as a process killed mid-run would).
    first.services.payouts.send = async () => {
      throw new Error('killed');
    };
    await tick([first], new Date('2026-04-02T01:00:00Z'));
    expect((await runs(first, 'settlement')).map((r) => [r.status, r.attempts])).toEqual([['failed', 1n]]);
    expect((await statements(first, tea)).length).toBe(1);
    await first.close();
    open.splice(open.indexOf(first), 1);

    // A new process on the same database: it retries the same occurrence (statement found, not
    // made again), pays out, and moves on to the next day.
    const second = await app(store);
    await second.services.cycle.start();
    await tick([second], new Date('2026-04-02T08:00:00Z'));
    const after = await runs(second, 'settlement');
    expect(after.map((r) => [r.occurrence, r.status, r.attempts])).toEqual([['2026-04-02T00:00:00.000Z', 'done', 2n]]);
    expect(JSON.parse(after[0]?.result ?? '{}')).toMatchObject({ statements: 0, replayed: 1, payouts: { paid: 1 } });
    expect((await statements(second, tea)).length).toBe(1);

    // A worker that claimed the next day and died holds it until its lease ends, then it runs once.
    await capture(second, tea, 5_000n);
    clock.set(new Date('2026-04-03T00:05:00Z'));
    await second.services.writer.run((trx) =>
      trx
        .updateTable('timers')
        .set({ claimed_by: 'dead-worker', locked_until: new Date(clock.now().getTime() + 30 * 60_000).toISOString() })
        .where('key', '=', 'settlement.daily/0/UTC')
        .execute(),
    );
    expect(await second.timers.runDue()).toBe(0);
    await tick([second], new Date('2026-04-03T02:00:00Z'));
    expect((await runs(second, 'settlement')).map((r) => [r.occurrence, r.status, r.attempts])).toEqual([
      ['2026-04-02T00:00:00.000Z', 'done', 2n],
      ['2026-04-03T00:00:00.000Z', 'done', 1n],
    ]);
    expect((await statements(second, tea)).map((s) => s.payout)).toEqual([9_900n, 4_950n]);

    // Down for three days: on restart the cycle catches up one day at a time.
    await capture(second, tea, 1_000n);
    clock.set(new Date('2026-04-06T12:00:00Z'));
    for (let i = 0; i < 5; i++) await second.timers.runDue();
    expect((await runs(second, 'settlement')).map((r) => r.occurrence)).toEqual([
      '2026-04-02T00:00:00.000Z',
      '2026-04-03T00:00:00.000Z',
      '2026-04-04T00:00:00.000Z',
      '2026-04-05T00:00:00.000Z',
      '2026-04-06T00:00:00.000Z',
    ]);
    expect((await statements(second, tea)).map((s) => [s.window_end, s.payout])).toEqual([
      ['2026-04-02T00:00:00.000Z', 9_900n],
      ['2026-04-03T00:00:00.000Z', 4_950n],
      ['2026-04-04T00:00:00.000Z', 990n],
    ]);
    await ledgerOk(second);
  });

  it('releases rolling reserves after their hold days as part of the daily run', async () => {
    clock.set(new Date('2026-07-01T08:00:00Z'));
    const h = await app(await world());
    const tea = await merchant(h, 'Tea House');
    expect(isFailure(await h.services.settlement.setSchedule(tea, { reserveBps: 1_000, reserveHoldDays: 1 }))).toBe(false);
    await h.services.cycle.start();
    await capture(h, tea, 10_000n);
    await tick([h], new Date('2026-07-04T02:00:00Z'));
    // 07-02: 9,900 net → 10 % reserve (990) held a day; 07-03: the hold ends, the release is a
    // posting of that day, settled on 07-04 like any other line (and 10 % of it held again).
    const made = await statements(h, tea);
    expect(made.map((x) => [x.window_end, x.reserve, x.payout])).toEqual([
      ['2026-07-02T00:00:00.000Z', 990n, 8_910n],
      ['2026-07-04T00:00:00.000Z', 99n, 891n],
    ]);
    const released = await h.services.store.reader
      .selectFrom('settlement_lines')
      .select(['reason', 'amount'])
      .where('statement_id', '=', made[1]?.id ?? '')
      .execute();
    expect(released).toEqual([{ reason: 'settlement.reserve_release', amount: 990n }]);
    expect(JSON.parse((await runs(h, 'settlement'))[1]?.result ?? '{}')).toMatchObject({ reserves_released: 1 });
    await ledgerOk(h);
  });

  it('shows the cycle to the operator only (GET /v1/operator/scheduled_runs, /v1/operator/netting_windows)', async () => {
    clock.set(new Date('2026-06-01T08:00:00Z'));
    const h = await app(await world());
    const made = await h.services.parties.createMerchant({ name: 'Peeker', country: 'CN', settlementCurrency: 'CNY' });
    if (isFailure(made)) throw new Error(made.detail);
    const { generated } = await h.services.parties.ensureOperatorKey(undefined);
    await h.services.cycle.start();
    const get = (url: string, key: string) => h.server.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
    for (const url of ['/v1/operator/scheduled_runs', '/v1/operator/netting_windows']) {
      expect((await get(url, made.secretKey as string)).statusCode, url).toBe(403);
      expect((await get(url, generated as string)).statusCode, url).toBe(200);
    }
    expect((await get('/v1/operator/scheduled_runs?kind=nope', generated as string)).statusCode).toBe(400);
    const body = JSON.parse((await get('/v1/operator/scheduled_runs', generated as string)).body);
    expect(body).toMatchObject({
      object: 'list',
      data: [],
      upcoming: [
        { key: 'settlement.daily/0/UTC', due_at: '2026-06-02T00:05:00.000Z' },
        { key: 'reserve.daily_check', due_at: '2026-06-02T06:00:00.000Z' },
      ],
    });
  });

  (dialect === 'postgres' ? it : notOnThisStore)('two timer workers on one PostgreSQL database run each day once', async () => {
    clock.set(new Date('2026-05-01T08:00:00Z'));
    const store = await world();
    const a = await app(store);
    const b = await app(store);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await merchant(a, `Shop ${i}`));
    await Promise.all([a.services.cycle.start(), b.services.cycle.start()]);
    for (const id of ids) await capture(a, id, 10_000n);
    await tick([a, b], new Date('2026-05-03T01:00:00Z'));
    for (const id of ids) await capture(b, id, 20_000n);
    await tick([a, b], new Date('2026-05-03T02:00:00Z'));
    const settled = await runs(a, 'settlement');
    expect(settled.map((r) => [r.occurrence, r.attempts])).toEqual([
      ['2026-05-02T00:00:00.000Z', 1n],
      ['2026-05-03T00:00:00.000Z', 1n],
    ]);
    for (const id of ids) expect((await statements(a, id)).length).toBe(1);
    const files = await a.services.store.reader.selectFrom('bank_files').select('id').execute();
    expect(files.length).toBe(1);

    // Two payout runs at once (a click while the cycle runs) put each payout in one file only.
    expect(isFailure(await a.services.settlement.run({ windowEnd: new Date('2026-05-03T01:30:00Z') }))).toBe(false);
    await Promise.all([a.services.payouts.send(), b.services.payouts.send()]);
    const sent = await a.services.store.reader.selectFrom('payouts').select(['status', 'file_id']).execute();
    expect(sent.length).toBe(10);
    expect(sent.every((p) => p.status === 'paid')).toBe(true);
    expect((await a.services.store.reader.selectFrom('bank_files').select('id').execute()).length).toBe(2);
    await ledgerOk(a);
  });
});
