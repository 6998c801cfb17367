import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createBankClient } from '../../src/channels/bank/client.js';
import { buildPain001, parseCamt053, parsePain002 } from '../../src/protocols/iso20022/index.js';
import { isFailure } from '../../src/core/failure.js';
import { newId } from '../../src/core/ids.js';
import { accountIdFor, chart, verifyLedger } from '../../src/ledger/index.js';
import { createPaymentLedger } from '../../src/payments/postings.js';
import { settle } from '../../src/settlement/arithmetic.js';
import { SettlementError } from '../../src/settlement/errors.js';
import { problemCatalog } from '../../src/api/problems.js';
import { ibanProblem } from '../../src/protocols/iban/index.js';
import { windowEnd } from '../../src/settlement/calendar.js';
import { startSandboxBank, type SandboxBank } from '../../sandbox/bank/bank.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

const day = 86_400_000;
const channel = 'sandbox_acquirer';

async function capture(app: TestApp, merchantId: string, grossMinor: bigint, feeMinor: bigint, currency = 'CNY'): Promise<string> {
  const { writer, ledger } = app.hutong.services;
  const paymentId = newId('pay');
  const postings = createPaymentLedger(ledger, accountIdFor);
  const posted = await writer.run((trx) =>
    postings.captureNow(trx, {
      entryId: newId('ent'),
      paymentId,
      merchantId,
      source: { kind: 'channel', channel },
      currency,
      grossMinor,
      feeMinor,
    }),
  );
  if (isFailure(posted)) throw new Error(posted.detail);
  return paymentId;
}

async function refund(app: TestApp, merchantId: string, paymentId: string, minor: bigint, currency = 'CNY'): Promise<void> {
  const { writer, ledger } = app.hutong.services;
  const posted = await writer.run((trx) =>
    createPaymentLedger(ledger, accountIdFor).refund(trx, {
      entryId: newId('ent'),
      paymentId,
      merchantId,
      source: { kind: 'channel', channel },
      currency,
      refundMinor: minor,
      feeReturnedMinor: 0n,
    }),
  );
  if (isFailure(posted)) throw new Error(posted.detail);
}

async function runOk(app: TestApp, options: { merchantId?: string; windowEnd?: Date }) {
  const result = await app.hutong.services.settlement.run(options);
  if (isFailure(result)) throw new Error(result.detail);
  return result;
}

async function expectLedgerOk(app: TestApp): Promise<void> {
  const report = await verifyLedger(app.hutong.services.store.reader);
  expect(report.checks.filter((c) => !c.ok)).toEqual([]);
}

async function pendingBalance(app: TestApp, merchantId: string, currency = 'CNY'): Promise<bigint> {
  const a = await app.hutong.services.ledger.getAccount(
    app.hutong.services.store.reader,
    accountIdFor(chart.merchantPending(merchantId, currency)),
  );
  return a === undefined ? 0n : a.creditsPosted - a.debitsPosted;
}

it('every settlement error code has a problem status', () => {
  for (const e of Object.values(SettlementError)) expect(Object.keys(problemCatalog), e).toContain(e);
});

describe('settlement arithmetic', () => {
  it('statement lines always equal payout + reserve + carried (carried in included)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }),
        fc.array(fc.bigInt({ min: -(10n ** 7n), max: 10n ** 8n }), { maxLength: 50 }),
        fc.bigInt({ min: 0n, max: 10n ** 7n }),
        fc.integer({ min: 0, max: 10_000 }),
        (carriedIn, lines, minimum, bps) => {
          const total = lines.reduce((s, l) => s + l, 0n);
          const f = settle(carriedIn, total, { minimumPayoutMinor: minimum, reserveBps: BigInt(bps) });
          expect(f.payout + f.reserve + f.carriedOut).toBe(carriedIn + total);
          expect(f.payout >= 0n && f.reserve >= 0n).toBe(true);
          if (f.payout > 0n) expect(f.payout >= minimum).toBe(true);
          if (carriedIn + total <= 0n) expect(f.payout).toBe(0n);
        },
      ),
    );
  });

  it('windows end at the cut-off hour in the merchant time zone, T+N days back', () => {
    const schedule = { delayDays: 1, cutoffHour: 18, timeZone: 'Asia/Shanghai' };
    // 2026-03-03 12:00 Shanghai = 04:00Z: the cut-off of 03-02 (10:00Z) is past → window ends 2026-03-02T10:00Z.
    expect(windowEnd(new Date('2026-03-03T04:00:00Z'), schedule).toISOString()).toBe('2026-03-02T10:00:00.000Z');
    expect(windowEnd(new Date('2026-03-03T04:00:00Z'), { ...schedule, delayDays: 0 }).toISOString()).toBe('2026-03-02T10:00:00.000Z');
    expect(windowEnd(new Date('2026-03-03T11:00:00Z'), { ...schedule, delayDays: 0 }).toISOString()).toBe('2026-03-03T10:00:00.000Z');
    expect(windowEnd(new Date('2026-07-01T12:00:00Z'), { delayDays: 2, cutoffHour: 0, timeZone: 'Europe/Berlin' }).toISOString()).toBe(
      '2026-06-29T22:00:00.000Z',
    );
  });

  it('validates IBANs with mod 97', () => {
    expect(ibanProblem('DE89 3704 0044 0532 0130 00')).toBeUndefined();
    expect(ibanProblem('DE89 3704 0044 0532 0130 01')).toMatch(/mod 97/);
    expect(ibanProblem('GB82WEST12345698765432')).toBeUndefined();
    expect(ibanProblem('XX')).toBeDefined();
  });
});

describe('ISO 20022 files', () => {
  it('builds a pain.001 the sandbox bank reads back, and parses its pain.002 and camt.053', async () => {
    const bank = await startSandboxBank({});
    try {
      const xml = buildPain001({
        messageId: 'MSG-1',
        createdAt: '2026-03-01T00:00:00Z',
        debtorName: 'Hutong',
        debtorAccount: 'HUTONG-RESERVE-EUR',
        executionDate: '2026-03-01',
        transfers: [
          { endToEndId: 'po_1', amountMinor: 12345n, currency: 'EUR', creditorName: 'A', iban: 'DE89370400440532013000' },
          { endToEndId: 'po_2', amountMinor: 100n, currency: 'EUR', creditorName: 'B', iban: 'DE89370400440532013001' },
          { endToEndId: 'po_3', amountMinor: 100n, currency: 'EUR', creditorName: 'C', accountNumber: '999123456', bankCode: 'ABC123' },
        ],
      });
      const client = createBankClient(bank.baseUrl);
      const answer = await client.sendPayoutFile(xml);
      if (isFailure(answer)) throw new Error(answer.detail);
      const report = parsePain002(answer);
      if (isFailure(report)) throw new Error(report.detail);
      expect(report.groupStatus).toBe('PART');
      expect(report.transactions.map((t) => [t.endToEndId, t.status, t.reasonCode])).toEqual([
        ['po_1', 'ACCP', null],
        ['po_2', 'RJCT', 'AC01'],
        ['po_3', 'RJCT', 'AC04'],
      ]);
      // The same file again: the same answer, nothing executed twice.
      expect(await client.sendPayoutFile(xml)).toBe(answer);
      expect(bank.balance('HUTONG-RESERVE-EUR')).toBe(-12345n);
      const statement = await client.nextStatement('HUTONG-RESERVE-EUR');
      if (isFailure(statement)) throw new Error(statement.detail);
      const camt = parseCamt053(statement);
      if (isFailure(camt)) throw new Error(camt.detail);
      expect(camt).toMatchObject({ account: 'HUTONG-RESERVE-EUR', currency: 'EUR', openingMinor: 0n, closingMinor: -12345n });
      expect(camt.entries.map((e) => [e.reference, e.amountMinor])).toEqual([['po_1', -12345n]]);
      expect(isFailure(parseCamt053(statement.slice(0, statement.length / 2)))).toBe(true);
    } finally {
      await bank.close();
    }
  });
});

describeEachStore('settlement, payouts and reconciliation', (dialect) => {
  let bank: SandboxBank;
  const app = useTestApp(dialect, {
    bank: async () => {
      bank = await startSandboxBank({ clock: { now: () => app.clock.now() } });
      return { client: createBankClient(bank.baseUrl), close: () => bank.close() };
    },
  });
  const op = () => ({ key: app.operatorKey });

  it('settles a day of captures, fees, refunds and a chargeback exactly once; a rerun pays nothing twice', async () => {
    const m = await app.makeMerchant('Settle Shop');
    expect(
      (
        await app.request('POST', `/v1/merchants/${m.id}/settlement_schedule`, {
          ...op(),
          body: { delay_days: 1, cutoff_hour: 0, time_zone: 'UTC', reserve_percent_bps: 1000, reserve_hold_days: 7 },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await app.request('POST', '/v1/bank_accounts', {
          key: m.key,
          body: { currency: 'CNY', holder_name: 'Settle Shop Ltd', iban: 'DE89 3704 0044 0532 0130 00' },
        })
      ).status,
    ).toBe(201);
    const bad = await app.request('POST', '/v1/bank_accounts', {
      key: m.key,
      body: { currency: 'CNY', holder_name: 'X', iban: 'DE89370400440532013001' },
    });
    expect(bad.body.code).toBe('bank_account_invalid');
    const p1 = await capture(app, m.id, 10_000n, 300n);
    await capture(app, m.id, 5_000n, 150n);
    await refund(app, m.id, p1, 2_000n);
    // Nothing is due the same day.
    expect((await runOk(app, { merchantId: m.id })).statements).toEqual([]);
    app.clock.advance(day);
    const run = await app.request('POST', '/v1/operator/settlement_runs', { ...op(), body: { merchant: m.id } });
    expect(run.status).toBe(200);
    expect(run.body.statements).toHaveLength(1);
    const s = run.body.statements[0];
    // 9700 + 4850 − 2000 = 12550; 10% reserve 1255; payout 11295.
    expect(s).toMatchObject({ lines_count: 3, lines_total: 12_550, reserve: 1255, payout_amount: 11_295, carried_out: 0, carried_in: 0 });
    expect(s.lines_total + s.carried_in).toBe(s.payout_amount + s.reserve + s.carried_out);
    expect(await pendingBalance(app, m.id)).toBe(0n);
    await expectLedgerOk(app);
    const future = await app.request('POST', '/v1/operator/settlement_runs', {
      ...op(),
      body: { merchant: m.id, window_end: new Date(app.clock.now().getTime() + 60_000).toISOString() },
    });
    expect(future.body.code).toBe('settlement_schedule_invalid');
    const again = await app.request('POST', '/v1/operator/settlement_runs', { ...op(), body: { merchant: m.id } });
    expect(again.body).toMatchObject({ statements: [], replayed: 1 });
    // A later capture and a chargeback-like debit land in the next statement only.
    app.clock.advance(day);
    expect((await runOk(app, { merchantId: m.id })).statements).toEqual([]);
    const lines = await app.request('GET', `/v1/settlements/${s.id}/lines`, { key: m.key });
    expect(lines.body.data.map((l: { amount: number }) => l.amount).sort((a: number, b: number) => a - b)).toEqual([-2000, 4850, 9700]);
    const csv = await app.hutong.server.inject({
      method: 'GET',
      url: `/v1/settlements/${s.id}/lines.csv`,
      headers: { authorization: `Bearer ${m.key}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.split('\n').filter((l) => l.startsWith(s.id))).toHaveLength(3);
  });

  it('an operator cut-off settles the day so far (intraday), once', async () => {
    const m = await app.makeMerchant('Intraday Shop');
    await capture(app, m.id, 2_000n, 0n);
    app.clock.advance(1000);
    const cut = app.clock.now().toISOString();
    const first = await app.request('POST', '/v1/operator/settlement_runs', { ...op(), body: { merchant: m.id, window_end: cut } });
    expect(first.body.statements).toHaveLength(1);
    expect(first.body.statements[0]).toMatchObject({ window_end: cut, lines_count: 1, payout_amount: 2000 });
    const second = await app.request('POST', '/v1/operator/settlement_runs', { ...op(), body: { merchant: m.id, window_end: cut } });
    expect(second.body).toMatchObject({ statements: [], replayed: 1 });
  });

  it('carries a negative net forward and never pays it out', async () => {
    const m = await app.makeMerchant('Negative Shop');
    const p = await capture(app, m.id, 1_000n, 0n);
    await runOk(app, { merchantId: m.id }); // not due yet
    app.clock.advance(day);
    const first = await runOk(app, { merchantId: m.id });
    expect(first.statements[0]).toMatchObject({ payout: 1_000n, carriedOut: 0n });
    await refund(app, m.id, p, 1_000n);
    await app.hutong.services.writer.run(async (trx) => {
      const { ledger } = app.hutong.services;
      const posted = await ledger.post(trx, {
        id: newId('ent'),
        reason: 'chargeback',
        link: { type: 'payment', id: p },
        postings: [
          { accountId: accountIdFor(chart.merchantPending(m.id, 'CNY')), currency: 'CNY', amountMinor: 500n },
          { accountId: await ledger.ensureAccount(trx, chart.channelReceivable(channel, 'CNY')), currency: 'CNY', amountMinor: -500n },
        ],
      });
      if (isFailure(posted)) throw new Error(posted.detail);
    });
    app.clock.advance(day);
    const second = await runOk(app, { merchantId: m.id });
    expect(second.statements[0]).toMatchObject({ linesTotal: -1_500n, payout: 0n, reserve: 0n, carriedOut: -1_500n });
    await capture(app, m.id, 4_000n, 0n);
    app.clock.advance(day);
    const third = await runOk(app, { merchantId: m.id });
    expect(third.statements[0]).toMatchObject({ carriedIn: -1_500n, linesTotal: 4_000n, payout: 2_500n, carriedOut: 0n });
    await expectLedgerOk(app);
  });

  it('a run interrupted by a crash completes on rerun without paying twice or skipping', async () => {
    const a = await app.makeMerchant('Crash A');
    const b = await app.makeMerchant('Crash B');
    for (let i = 0; i < 5; i++) {
      await capture(app, a.id, 1_000n + BigInt(i), 10n);
      await capture(app, b.id, 2_000n + BigInt(i), 20n);
    }
    app.clock.advance(day);
    const { ledger, store } = app.hutong.services;
    const post = ledger.post;
    let calls = 0;
    // The crash: the second merchant's unit dies after writing its lines, before its ledger entry.
    ledger.post = async (trx, request) => {
      if (request.reason === 'settlement' && ++calls === 2) throw new Error('simulated crash');
      return post(trx, request);
    };
    try {
      await expect(app.hutong.services.settlement.run({})).rejects.toThrow('simulated crash');
    } finally {
      ledger.post = post;
    }
    const rerun = await runOk(app, {});
    const made = [...rerun.statements].filter((s) => s.merchantId === a.id || s.merchantId === b.id);
    const all = await store.reader.selectFrom('settlement_statements').selectAll().where('merchant_id', 'in', [a.id, b.id]).execute();
    expect(all).toHaveLength(2);
    expect(made.length + rerun.replayed).toBeGreaterThanOrEqual(2);
    const lines = await store.reader
      .selectFrom('settlement_lines')
      .select(['statement_id'])
      .where(
        'statement_id',
        'in',
        all.map((s) => s.id),
      )
      .execute();
    expect(lines).toHaveLength(10);
    expect(await pendingBalance(app, a.id)).toBe(0n);
    expect(await pendingBalance(app, b.id)).toBe(0n);
    const payouts = await store.reader.selectFrom('payouts').selectAll().where('merchant_id', 'in', [a.id, b.id]).execute();
    expect(payouts.map((p) => p.amount).sort()).toEqual([4_960n, 9_910n].sort());
    await expectLedgerOk(app);
  });

  it('pays out through the bank; a rejected payout returns the money with an event; the statement reconciles', async () => {
    const good = await app.makeMerchant('Paid Shop');
    const closed = await app.makeMerchant('Closed Account Shop');
    await app.request('POST', '/v1/bank_accounts', {
      key: good.key,
      body: { currency: 'CNY', holder_name: 'Paid Shop', account_number: '6222020200112233', bank_code: '102100099996' },
    });
    await app.request('POST', '/v1/bank_accounts', {
      key: closed.key,
      body: { currency: 'CNY', holder_name: 'Closed Shop', account_number: '999000111222', bank_code: '102100099996' },
    });
    await capture(app, good.id, 30_000n, 900n);
    await capture(app, closed.id, 7_000n, 0n);
    app.clock.advance(day);
    await app.request('POST', '/v1/operator/settlement_runs', { ...op(), body: {} });
    const sent = await app.request('POST', '/v1/operator/payout_runs', op());
    expect(sent.status).toBe(200);
    expect(sent.body.paid).toBeGreaterThanOrEqual(1);
    expect(sent.body.failed).toBe(1);
    const goodPayouts = await app.request('GET', '/v1/payouts', { key: good.key });
    expect(goodPayouts.body.data[0]).toMatchObject({ status: 'paid', amount: 29_100 });
    const failed = await app.request('GET', '/v1/payouts', { key: closed.key });
    expect(failed.body.data[0]).toMatchObject({ status: 'failed', failure_code: 'AC04' });
    expect(await pendingBalance(app, closed.id)).toBe(7_000n);
    const events = await app.request('GET', '/v1/events', { key: closed.key });
    expect(events.body.data.map((e: { type: string }) => e.type)).toContain('payout.failed');
    await expectLedgerOk(app);
    // Sending again sends nothing new.
    expect((await app.request('POST', '/v1/operator/payout_runs', op())).body).toMatchObject({ paid: 0, failed: 0 });

    // The channels settle their net position into the reserve account; then the statement.
    const window = await app.request('POST', '/v1/operator/netting_windows', { ...op(), body: { currency: 'CNY' } });
    expect(window.body.proof_sum).toBe(0);
    expect(window.body.positions.reduce((s: number, p: { net: number }) => s + p.net, 0)).toBe(0);
    const settled = await app.request('POST', `/v1/operator/netting_windows/${window.body.id}/settle`, op());
    expect(settled.body.settled.length).toBeGreaterThanOrEqual(1);
    bank.inject('unknown');
    const imported = await app.request('POST', '/v1/operator/reconciliation/bank_statements', { ...op(), body: { currency: 'CNY' } });
    expect(imported.status).toBe(201);
    expect(imported.body.by_kind).toEqual({ missing_in_hutong: 1 });
    const open = await app.request('GET', '/v1/operator/reconciliation/exceptions?status=open', op());
    const fee = open.body.data.find((e: { kind: string }) => e.kind === 'missing_in_hutong');
    expect(fee).toMatchObject({ actual_amount: -2500, currency: 'CNY' });
    const check1 = await app.request('GET', '/v1/operator/reserve_check', op());
    expect(check1.body.currencies.find((c: { currency: string }) => c.currency === 'CNY').alerts.join(' ')).toMatch(/bank statement shows/);
    // The alert is queued for the operators once, however often the check runs.
    await app.request('GET', '/v1/operator/reserve_check', op());
    const queued = await app.request('GET', '/v1/operator/reconciliation/exceptions?status=open&limit=100', op());
    const alerts = queued.body.data.filter(
      (e: { kind: string; detail: string }) => e.kind === 'reserve_mismatch' && /bank statement shows/.test(e.detail),
    );
    expect(alerts).toHaveLength(1);
    const resolved = await app.request('POST', `/v1/operator/reconciliation/exceptions/${fee.id}/resolve`, {
      ...op(),
      body: { action: 'adjust', note: 'sandbox bank account fee' },
    });
    expect(resolved.body).toMatchObject({ status: 'resolved' });
    expect(resolved.body.resolution_entry).toBeTruthy();
    const twice = await app.request('POST', `/v1/operator/reconciliation/exceptions/${fee.id}/resolve`, {
      ...op(),
      body: { action: 'explain', note: 'again' },
    });
    expect(twice.body.code).toBe('recon_exception_closed');
    const check2 = await app.request('GET', '/v1/operator/reserve_check', op());
    expect(check2.body.currencies.find((c: { currency: string }) => c.currency === 'CNY').alerts.join(' ')).not.toMatch(
      /bank statement shows/,
    );
    await expectLedgerOk(app);
  });

  it('detects every kind of discrepancy in a channel file, refuses a file twice and a malformed one', async () => {
    const m = await app.makeMerchant('Recon Shop');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await capture(app, m.id, 1_000n * BigInt(i + 1), 0n, 'USD'));
    const date = app.clock.now().toISOString().slice(0, 10);
    const rows = [
      `${date},${ids[0]},purchase,10.00,USD`, // matched
      `${date},${ids[1]},purchase,20.01,USD`, // amount mismatch
      `${date},${ids[2]},purchase,30.00,EUR`, // currency mismatch
      `${date},${ids[3]},purchase,40.00,USD`, // matched
      `${date},${ids[3]},purchase,40.00,USD`, // duplicate
      `${date},pay_unknown_to_hutong,purchase,7.00,USD`, // missing in Hutong
      // ids[4], ids[5]: missing at the channel (and every earlier unreconciled capture of this channel)
    ];
    const content = ['settlement_date,rrn,type,amount,currency', ...rows, `TRAILER,${rows.length}`].join('\n');
    const r = await app.request('POST', '/v1/operator/reconciliation/imports', {
      ...op(),
      body: { kind: 'acquirer_csv', name: 'acq.csv', content, channel },
    });
    expect(r.status).toBe(201);
    expect(r.body.matched).toBe(2);
    expect(r.body.by_kind).toMatchObject({ amount_mismatch: 1, currency_mismatch: 1, duplicate: 1, missing_in_hutong: 1 });
    const open = await app.request('GET', '/v1/operator/reconciliation/exceptions?status=open&limit=100', op());
    const missing = open.body.data.filter(
      (e: { kind: string; reference: string }) => e.kind === 'missing_at_channel' && (e.reference === ids[4] || e.reference === ids[5]),
    );
    expect(missing).toHaveLength(2);
    const again = await app.request('POST', '/v1/operator/reconciliation/imports', {
      ...op(),
      body: { kind: 'acquirer_csv', name: 'acq-again.csv', content, channel },
    });
    expect(again.body.code).toBe('recon_file_duplicate');
    const truncated = content.split('\n').slice(0, -1).join('\n');
    const t = await app.request('POST', '/v1/operator/reconciliation/imports', {
      ...op(),
      body: { kind: 'acquirer_csv', name: 'cut.csv', content: truncated, channel },
    });
    expect(t.body.code).toBe('recon_file_invalid');
    expect(t.body.detail).toMatch(/truncated/);
    const badCurrency = content.replace('10.00,USD', '10.00,XYZ');
    const u = await app.request('POST', '/v1/operator/reconciliation/imports', {
      ...op(),
      body: { kind: 'acquirer_csv', name: 'ccy.csv', content: badCurrency, channel },
    });
    expect(u.body.detail).toMatch(/line 2: unknown currency XYZ/);
    // Resolve the amount mismatch with an adjustment: the ledger stays verified.
    const mismatch = open.body.data.find((e: { kind: string }) => e.kind === 'amount_mismatch');
    const fixed = await app.request('POST', `/v1/operator/reconciliation/exceptions/${mismatch.id}/resolve`, {
      ...op(),
      body: { action: 'adjust', note: 'acquirer rounding' },
    });
    expect(fixed.body.status).toBe('resolved');
    const dup = open.body.data.find((e: { kind: string }) => e.kind === 'duplicate');
    expect(
      (
        await app.request('POST', `/v1/operator/reconciliation/exceptions/${dup.id}/resolve`, {
          ...op(),
          body: { action: 'adjust', note: 'x' },
        })
      ).body.code,
    ).toBe('recon_exception_closed');
    expect(
      (
        await app.request('POST', `/v1/operator/reconciliation/exceptions/${dup.id}/resolve`, {
          ...op(),
          body: { action: 'explain', note: 'acquirer sent the line twice' },
        })
      ).body.status,
    ).toBe('explained');
    await expectLedgerOk(app);
  });

  it('an import interrupted by a crash resumes on the same file and reports every line once', async () => {
    const { reconciliation } = app.hutong.services;
    const date = app.clock.now().toISOString().slice(0, 10);
    const lines = Array.from({ length: 12_000 }, (_, i) => `${date},crash-rrn-${i},purchase,1.00,USD`);
    const file = ['settlement_date,rrn,type,amount,currency', ...lines, `TRAILER,${lines.length}`];
    let opened = 0;
    async function* open(): AsyncGenerator<string> {
      opened++;
      for (const [i, line] of file.entries()) {
        // The second opening is the matching pass: the process "dies" after 7,000 lines.
        if (opened === 2 && i === 7_000) throw new Error('simulated crash');
        yield line;
      }
    }
    await expect(reconciliation.importFile({ kind: 'acquirer_csv', name: 'crash.csv', channel: 'crash_acquirer', open })).rejects.toThrow(
      'simulated crash',
    );
    const resumed = await reconciliation.importFile({
      kind: 'acquirer_csv',
      name: 'crash.csv',
      channel: 'crash_acquirer',
      open: async function* () {
        yield* file;
      },
    });
    if (isFailure(resumed)) throw new Error(resumed.detail);
    expect(resumed).toMatchObject({ lines: 12_000, matched: 0, exceptions: 12_000, byKind: { missing_in_hutong: 12_000 } });
    const rows = await app.hutong.services.store.reader
      .selectFrom('recon_exceptions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('import_id', '=', resumed.id)
      .executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(12_000);
    const again = await reconciliation.importFile({
      kind: 'acquirer_csv',
      name: 'crash.csv',
      channel: 'crash_acquirer',
      open: async function* () {
        yield* file;
      },
    });
    expect(isFailure(again) && again.failure).toBe('recon_file_duplicate');
  });

  it('the sandbox bank injects each discrepancy kind into camt.053 and reconciliation names it', async () => {
    const expected: Record<string, string> = {
      missing: 'missing_at_channel',
      duplicate: 'duplicate',
      amount: 'amount_mismatch',
      currency: 'currency_mismatch',
      unknown: 'missing_in_hutong',
    };
    for (const [kind, found] of Object.entries(expected)) {
      const m = await app.makeMerchant(`Inject ${kind}`);
      await app.request('POST', '/v1/bank_accounts', {
        key: m.key,
        body: { currency: 'CNY', holder_name: 'Inject', account_number: '6222020200112233', bank_code: '102100099996' },
      });
      await capture(app, m.id, 5_000n, 0n);
      app.clock.advance(day);
      await runOk(app, { merchantId: m.id });
      const sent = await app.request('POST', '/v1/operator/payout_runs', op());
      expect(sent.body.paid).toBe(1);
      bank.inject(kind as 'missing');
      const imported = await app.request('POST', '/v1/operator/reconciliation/bank_statements', { ...op(), body: { currency: 'CNY' } });
      expect(imported.status).toBe(201);
      expect(Object.keys(imported.body.by_kind)).toContain(found);
    }
    await expectLedgerOk(app);
  });
});
