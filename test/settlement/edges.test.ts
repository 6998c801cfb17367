import { expect, it } from 'vitest';
import { isFailure } from '../../src/core/failure.js';
import { newId } from '../../src/core/ids.js';
import { accountIdFor } from '../../src/ledger/index.js';
import { createPaymentLedger } from '../../src/payments/postings.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

/** Issue 12, "Input": settlement routes refuse what they used to store, answer 500 for, or page wrongly. */
const day = 86_400_000;

async function capture(app: TestApp, merchantId: string, grossMinor: bigint): Promise<void> {
  const { writer, ledger } = app.hutong.services;
  const posted = await writer.run((trx) =>
    createPaymentLedger(ledger, accountIdFor).captureNow(trx, {
      entryId: newId('ent'),
      paymentId: newId('pay'),
      merchantId,
      source: { kind: 'channel', channel: 'sandbox_acquirer' },
      currency: 'CNY',
      grossMinor,
      feeMinor: 0n,
    }),
  );
  if (isFailure(posted)) throw new Error(posted.detail);
}

describeEachStore('settlement input', (dialect) => {
  const t = useTestApp(dialect);
  const op = () => ({ key: t.operatorKey });

  /** Sends the exact JSON text (1e400 and 2^63 do not survive JSON.stringify of a number). */
  async function rawPost(url: string, key: string, payload: string) {
    const res = await t.hutong.server.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload,
    });
    return { status: res.statusCode, body: JSON.parse(res.body) };
  }

  it('integers beyond the schema maximum are 400s, not 500s', async () => {
    const m = await t.makeMerchant();
    for (const value of ['9223372036854775808', '1e400', '9007199254740993']) {
      const res = await rawPost(`/v1/merchants/${m.id}/settlement_schedule`, t.operatorKey, `{"minimum_payout": ${value}}`);
      expect([res.status, res.body.code], value).toEqual([400, 'request_invalid']);
    }
    const cb = await rawPost('/v1/operator/chargebacks', t.operatorKey, '{"payment":"pay_x","amount":1e400,"reference":"r1"}');
    expect([cb.status, cb.body.code]).toEqual([400, 'amount_too_large']);
    const schedule = await t.request('GET', '/v1/settlement_schedule', { key: m.key });
    expect(schedule.body.minimum_payout).toBe(0);
  });

  it('an unknown merchant for a schedule or a run is a 404 and creates nothing', async () => {
    const ghost = 'mer_00000000000000000000000000';
    const schedule = await t.request('POST', `/v1/merchants/${ghost}/settlement_schedule`, { ...op(), body: { delay_days: 2 } });
    expect([schedule.status, schedule.body.code]).toEqual([404, 'merchant_not_found']);
    const run = await t.request('POST', '/v1/operator/settlement_runs', { ...op(), body: { merchant: ghost } });
    expect([run.status, run.body.code]).toEqual([404, 'merchant_not_found']);
    const rows = await t.hutong.services.store.reader
      .selectFrom('settlement_schedules')
      .select('merchant_id')
      .where('merchant_id', '=', ghost)
      .execute();
    expect(rows).toEqual([]);
  });

  it('currencies that are not payable ISO 4217 codes are refused on every settlement route', async () => {
    const m = await t.makeMerchant();
    for (const currency of ['ZZZ', 'XXX', 'XAU']) {
      const netting = await t.request('POST', '/v1/operator/netting_windows', { ...op(), body: { currency } });
      expect([netting.status, netting.body.code], `netting ${currency}`).toEqual([400, 'currency_unsupported']);
      const statement = await t.request('POST', '/v1/operator/reconciliation/bank_statements', { ...op(), body: { currency } });
      expect([statement.status, statement.body.code], `statement ${currency}`).toEqual([400, 'currency_unsupported']);
      const plan = await t.request('POST', `/v1/merchants/${m.id}/fee_plan`, {
        ...op(),
        body: { rules: [{ method: 'card', percent_bps: 100, fixed_amount: 10, fixed_currency: currency }], refund_fee_policy: 'none' },
      });
      expect([plan.status, plan.body.code], `fee plan ${currency} ${plan.body.detail}`).toEqual([400, 'currency_unsupported']);
      const account = await t.request('POST', '/v1/bank_accounts', {
        key: m.key,
        body: { currency, holder_name: 'Shop', account_number: '1234' },
      });
      expect([account.status, account.body.code], `bank account ${currency}`).toEqual([400, 'currency_unsupported']);
    }
  });

  it('statement lines page like every list: has_more comes with a next_cursor that continues', async () => {
    const m = await t.makeMerchant();
    for (let i = 1; i <= 5; i++) await capture(t, m.id, BigInt(i * 100));
    t.clock.advance(day);
    const run = await t.request('POST', '/v1/operator/settlement_runs', { ...op(), body: { merchant: m.id } });
    const statement = run.body.statements[0];
    expect(statement.lines_count).toBe(5);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/settlements/${statement.id}/lines?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = await t.request('GET', url, { key: m.key });
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      expect(page.body.has_more).toBe(page.body.next_cursor !== null);
      seen.push(...page.body.data.map((l: { amount: number }) => l.amount));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([100, 200, 300, 400, 500]);
    const bad = await t.request('GET', `/v1/settlements/${statement.id}/lines?cursor=nope`, { key: m.key });
    expect([bad.status, bad.body.code]).toEqual([400, 'cursor_invalid']);
  });
});
