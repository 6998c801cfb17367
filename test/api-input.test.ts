import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { problemCatalog } from '../src/api/problems.js';
import { LedgerError } from '../src/ledger/index.js';
import { MoneyError } from '../src/money/index.js';
import { PartyError } from '../src/parties/errors.js';
import { CardError } from '../src/cards/errors.js';
import { EventError } from '../src/events/errors.js';
import { ThreeDSecureError } from '../src/channels/three-d-secure/errors.js';
import { WalletConnectorError } from '../src/channels/wallets/errors.js';
import { PaymentError } from '../src/payments/errors.js';
import { WalletError } from '../src/wallets/errors.js';
import { EscrowError } from '../src/escrow/errors.js';
import { BillpayError } from '../src/billpay/index.js';
import { useTestApp } from './support/app.js';
import { describeEachStore } from './support/stores.js';

it('every business error code has a problem status', () => {
  for (const e of [
    ...Object.values(LedgerError),
    ...Object.values(MoneyError),
    ...Object.values(PartyError),
    ...Object.values(WalletError),
    ...Object.values(CardError),
    ...Object.values(PaymentError),
    ...Object.values(EventError),
    ...Object.values(ThreeDSecureError),
    ...Object.values(WalletConnectorError),
    ...Object.values(EscrowError),
    ...Object.values(BillpayError),
  ]) {
    expect(Object.keys(problemCatalog), e).toContain(e);
  }
});

describeEachStore('API: bad input changes nothing', (dialect) => {
  const t = useTestApp(dialect);

  /** Row counts of every table that a bad request could touch. */
  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of [
      'merchants',
      'customers',
      'api_keys',
      'ledger_accounts',
      'ledger_entries',
      'ledger_postings',
      'wallet_movements',
      'idempotency_keys',
    ]) {
      const r = await sql<{ n: bigint }>`select count(*) as n from ${sql.table(table)}`.execute(t.hutong.services.store.db);
      out[table] = Number(r.rows[0]!.n);
    }
    return out;
  }

  it('answers each bad request with a specific problem code and writes nothing', async () => {
    const m = await t.makeMerchant();
    const a = await t.makeCustomer(m.key, 'A');
    const b = await t.makeCustomer(m.key, 'B');
    await t.request('POST', `/v1/customers/${a}/top_ups`, { key: m.key, body: { amount: 1000, currency: 'CNY' } });
    await new Promise((r) => setTimeout(r, 50)); // let the idempotency writes settle
    const before = await counts();
    const transfer = (body: Record<string, unknown>) => ({ source: a, destination: b, amount: 100, currency: 'CNY', ...body });
    const cases: [string, string, { key?: string; body?: unknown; headers?: Record<string, string> }, number, string][] = [
      ['float amount', '/v1/transfers', { key: m.key, body: transfer({ amount: 12.5 }) }, 400, 'amount_invalid'],
      ['string amount', '/v1/transfers', { key: m.key, body: transfer({ amount: '100' }) }, 400, 'amount_invalid'],
      ['zero amount', '/v1/transfers', { key: m.key, body: transfer({ amount: 0 }) }, 400, 'amount_invalid'],
      ['negative amount', '/v1/transfers', { key: m.key, body: transfer({ amount: -5 }) }, 400, 'amount_invalid'],
      ['huge amount', '/v1/transfers', { key: m.key, body: transfer({ amount: 10 ** 16 }) }, 400, 'amount_too_large'],
      ['unknown currency', '/v1/transfers', { key: m.key, body: transfer({ currency: 'ABC' }) }, 400, 'currency_unsupported'],
      ['X-code currency', '/v1/transfers', { key: m.key, body: transfer({ currency: 'XAU' }) }, 400, 'currency_unsupported'],
      ['lower-case currency', '/v1/transfers', { key: m.key, body: transfer({ currency: 'cny' }) }, 400, 'currency_unsupported'],
      ['unknown field', '/v1/transfers', { key: m.key, body: transfer({ amount_decimal: '1.00' }) }, 400, 'request_invalid'],
      ['missing field', '/v1/transfers', { key: m.key, body: { source: a, amount: 1, currency: 'CNY' } }, 400, 'request_invalid'],
      ['overdraft', '/v1/transfers', { key: m.key, body: transfer({ amount: 1001 }) }, 422, 'insufficient_funds'],
      ['empty wallet in another currency', '/v1/transfers', { key: m.key, body: transfer({ currency: 'USD' }) }, 422, 'insufficient_funds'],
      ['self transfer', '/v1/transfers', { key: m.key, body: transfer({ destination: a }) }, 400, 'transfer_invalid'],
      [
        'unknown customer',
        '/v1/transfers',
        { key: m.key, body: transfer({ destination: 'cus_00000000000000000000000000' }) },
        404,
        'customer_not_found',
      ],
      ['no key', '/v1/transfers', { body: transfer({}) }, 401, 'authentication_required'],
      ['wrong key', '/v1/transfers', { key: 'sk_test_nottherightkey', body: transfer({}) }, 401, 'api_key_invalid'],
      ['malformed auth', '/v1/transfers', { headers: { authorization: 'Basic abc' }, body: transfer({}) }, 401, 'api_key_invalid'],
      [
        'merchant key on operator route',
        '/v1/merchants',
        { key: m.key, body: { name: 'x', country: 'CN', settlement_currency: 'CNY' } },
        403,
        'forbidden',
      ],
      ['operator key on merchant route', '/v1/transfers', { key: t.operatorKey, body: transfer({}) }, 403, 'forbidden'],
      [
        'bad country',
        '/v1/merchants',
        { key: t.operatorKey, body: { name: 'x', country: 'ZZ', settlement_currency: 'CNY' } },
        400,
        'country_invalid',
      ],
      [
        'bad settlement currency',
        '/v1/merchants',
        { key: t.operatorKey, body: { name: 'x', country: 'CN', settlement_currency: 'ZZZ' } },
        400,
        'currency_unsupported',
      ],
      [
        'bad resident id checksum',
        '/v1/customers',
        { key: m.key, body: { name: 'x', identity: { type: 'resident_id', number: '110105194912310021' } } },
        400,
        'id_document_invalid',
      ],
      ['bad top-up amount', `/v1/customers/${a}/top_ups`, { key: m.key, body: { amount: 1.5, currency: 'CNY' } }, 400, 'amount_invalid'],
      [
        'too many JPY decimals is impossible: integer only',
        `/v1/customers/${a}/top_ups`,
        { key: m.key, body: { amount: '1000.5', currency: 'JPY' } },
        400,
        'amount_invalid',
      ],
      [
        'withdraw more than held',
        `/v1/customers/${a}/withdrawals`,
        { key: m.key, body: { amount: 5000, currency: 'CNY' } },
        422,
        'insufficient_funds',
      ],
      [
        'bad idempotency key',
        '/v1/transfers',
        { key: m.key, body: transfer({}), headers: { 'idempotency-key': 'has space' } },
        400,
        'idempotency_key_invalid',
      ],
      ['unknown route', '/v1/nothing', { key: m.key, body: {} }, 404, 'not_found'],
    ];
    for (const [name, url, options, status, code] of cases) {
      const res = await t.request('POST', url, options);
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body.code, name).toBe(code);
      expect(res.headers['content-type'], name).toMatch(/application\/problem\+json/);
      expect(res.body.type, name).toBe(`https://hutong.dev/problems/${code}`);
      expect(res.body.request_id, name).toBeTruthy();
    }
    await new Promise((r) => setTimeout(r, 50));
    const after = await counts();
    // Failed business requests keep no idempotency record (none carried a key but one).
    expect(after).toEqual(before);
  });

  it('refuses invalid JSON, a wrong content type and an oversize body', async () => {
    const m = await t.makeMerchant();
    const inject = (payload: string, contentType: string) =>
      t.hutong.server.inject({
        method: 'POST',
        url: '/v1/transfers',
        payload,
        headers: { authorization: `Bearer ${m.key}`, 'content-type': contentType },
      });
    const badJson = await inject('{"amount": ', 'application/json');
    expect([badJson.statusCode, badJson.json().code]).toEqual([400, 'json_invalid']);
    const text = await inject('amount=1', 'text/plain');
    expect([text.statusCode, text.json().code]).toEqual([415, 'unsupported_media_type']);
    const big = await inject(JSON.stringify({ description: 'x'.repeat(70 * 1024) }), 'application/json');
    expect([big.statusCode, big.json().code]).toEqual([413, 'body_too_large']);
  });

  it('limits pages to 100 and rejects foreign cursors', async () => {
    const m = await t.makeMerchant();
    expect((await t.request('GET', '/v1/customers?limit=101', { key: m.key })).body.code).toBe('request_invalid');
    expect((await t.request('GET', '/v1/customers?cursor=bm9wZQ', { key: m.key })).body.code).toBe('cursor_invalid');
  });
});
