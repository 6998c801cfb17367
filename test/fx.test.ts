import fc from 'fast-check';
import { expect, it } from 'vitest';
import { problemCatalog } from '../src/api/problems.js';
import { clientScaled, convertWithMargin, FxError, midScaled, scaledOf } from '../src/fx/index.js';
import { accountIdFor, chart, verifyLedger, type AccountSpec } from '../src/ledger/index.js';
import { testCardFor } from '../sandbox/card-world/test-cards.js';
import { useTestApp } from './support/app.js';
import { cardWorldChannels, type CardWorldFixture } from './support/card-world.js';
import { describeEachStore } from './support/stores.js';
import { startFxFeed } from '../sandbox/fx/index.js';

/** A valid PRC resident ID: 17 digits and the ISO 7064 MOD 11-2 check character. */
function residentId(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * (weights[i] as number), 0);
  return first17 + '10X98765432'[sum % 11];
}

/** EUR-based rates, ECB format, with a date-time cube (as the sandbox feed gives). */
function ecbXml(at: Date, usd = '1.0850'): string {
  const rates: [string, string][] = [
    ['USD', usd],
    ['JPY', '162.50'],
    ['CNY', '7.8500'],
    ['KRW', '1480.00'],
    ['GBP', '0.84200'],
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<Cube><Cube time="${at.toISOString()}">${rates.map(([c, r]) => `<Cube currency="${c}" rate="${r}"/>`).join('')}</Cube></Cube></gesmes:Envelope>`;
}

it('every FX failure has a problem in the catalogue', () => {
  for (const code of Object.values(FxError)) expect(Object.keys(problemCatalog), code).toContain(code);
});

describeEachStore('cross-border payments', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture), fx: { convertToSettlement: true } });
  let order = 0;
  const idNumber = '11010519491231002X';

  function loadRates(usd?: string) {
    const result = t.hutong.services.fx.loadEcbXml(ecbXml(t.clock.now(), usd));
    expect(result).toMatchObject({ loaded: 5 });
    expect(t.hutong.services.fx.loadCsv(`base,currency,rate,as_of\nEUR,KWD,0.33400,${t.clock.now().toISOString()}\n`)).toMatchObject({
      loaded: 1,
    });
  }

  async function merchant(settlement: string, country = 'CN') {
    const res = await t.request('POST', '/v1/merchants', {
      key: t.operatorKey,
      body: { name: `Shop ${settlement}`, country, settlement_currency: settlement },
    });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, key: res.body.api_key.secret_key as string };
  }

  async function shopper(key: string, topUps: [number, string][], identity?: { name: string; number: string }) {
    const res = await t.request('POST', '/v1/customers', {
      key,
      body:
        identity === undefined ? { name: 'Shopper' } : { name: identity.name, identity: { type: 'resident_id', number: identity.number } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    for (const [amount, currency] of topUps) {
      const top = await t.request('POST', `/v1/customers/${res.body.id}/top_ups`, { key, body: { amount, currency } });
      expect(top.status, JSON.stringify(top.body)).toBe(201);
    }
    return res.body.id as string;
  }

  const pay = (key: string, body: Record<string, unknown>) =>
    t.request('POST', '/v1/payments', { key, body: { merchant_order_id: `o-${++order}`, ...body } });
  const confirmWallet = (key: string, id: string, customer: string) =>
    t.request('POST', `/v1/payments/${id}/confirm`, { key, body: { payment_method: { type: 'wallet', customer } } });

  async function balance(spec: AccountSpec): Promise<bigint> {
    const account = await t.hutong.services.ledger.getAccount(t.hutong.services.store.reader, accountIdFor(spec));
    if (account === undefined) return 0n;
    // In the account's normal direction: credits for liabilities and revenue, debits for assets.
    const credit = account.creditsPosted - account.debitsPosted;
    return spec.kind === 'asset' ? -credit : credit;
  }

  async function ledgerHolds() {
    const report = await verifyLedger(t.hutong.services.store.reader);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  }

  it('a USD wallet payment to a CNY-settling exporter: converted at capture, refunded at the original rate', async () => {
    loadRates();
    const m = await merchant('CNY');
    const c = await shopper(m.key, [[100_000, 'USD']]);
    const created = await pay(m.key, { amount: 10_000, currency: 'USD' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ settlement_currency: 'CNY', settlement_amount: null, fx_rate: null });
    const paid = await confirmWallet(m.key, created.body.id, c);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    // mid = 7.85 / 1.085 = 7.2350230415; merchant rate = mid less 50 bps = 7.1988479262
    expect(paid.body).toMatchObject({
      status: 'succeeded',
      settlement_currency: 'CNY',
      fx_rate: '7.1988479262',
      settlement_amount: 71_988,
      fee: 432,
    });
    const expected = convertWithMargin({ minor: 10_000n, currency: 'USD' }, 'CNY', 72_350_230_415n, 71_988_479_262n);
    expect(expected).toEqual({ merchantMinor: 71_988n, midMinor: 72_350n, marginMinor: 362n });
    expect(await balance(chart.merchantPending(m.id, 'CNY'))).toBe(71_988n - 432n);
    expect(await balance(chart.merchantPending(m.id, 'USD'))).toBe(0n);
    expect(await balance(chart.customerWallet(c, 'USD'))).toBe(90_000n);
    await ledgerHolds();

    // Refund in two parts, in USD at the original rate: the shares add up to what was credited.
    const r1 = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: created.body.id, amount: 3_333 } });
    expect(r1.status, JSON.stringify(r1.body)).toBe(201);
    expect(await balance(chart.customerWallet(c, 'USD'))).toBe(93_333n);
    await ledgerHolds();
    const r2 = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: created.body.id } });
    expect(r2.body).toMatchObject({ status: 'succeeded', amount: 6_667, currency: 'USD' });
    expect(await balance(chart.customerWallet(c, 'USD'))).toBe(100_000n);
    // Everything is back where it was, in both currencies (the fee is returned: proportional policy).
    expect(await balance(chart.merchantPending(m.id, 'CNY'))).toBe(0n);
    const records = await t.request('GET', '/v1/fx/records', { key: m.key });
    expect(records.body.data[0]).toMatchObject({
      payment: created.body.id,
      direction: 'export',
      presentment_amount: 10_000,
      settlement_amount: 71_988,
      fx_margin: 362,
      refunded_presentment: 10_000,
      refunded_settlement: 71_988,
    });
    await ledgerHolds();
  });

  it('a quote locks its rate for the payment; expired, foreign and mismatched quotes are refused, nothing posted', async () => {
    loadRates();
    const m = await merchant('CNY');
    const other = await merchant('CNY');
    const c = await shopper(m.key, [[100_000, 'USD']]);
    const quote = await t.request('POST', '/v1/fx/quotes', {
      key: m.key,
      body: { sell_currency: 'USD', buy_currency: 'CNY', sell_amount: 2_000 },
    });
    expect(quote.status, JSON.stringify(quote.body)).toBe(201);
    expect(quote.body).toMatchObject({
      object: 'fx_quote',
      sell_amount: 2_000,
      buy_amount: 14_398,
      rate: '7.1988479262',
      mid_rate: '7.2350230415',
      markup_bps: 50,
    });
    const created = await pay(m.key, { amount: 2_000, currency: 'USD', fx_quote: quote.body.id });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // The market moves; the quote's rate holds.
    t.clock.advance(60_000);
    loadRates('1.2000');
    const paid = await confirmWallet(m.key, created.body.id, c);
    expect(paid.body).toMatchObject({ status: 'succeeded', fx_rate: '7.1988479262', fx_quote: quote.body.id, settlement_amount: 14_398 });

    const foreign = await pay(other.key, { amount: 2_000, currency: 'USD', fx_quote: quote.body.id });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'fx_quote_not_found']);
    const mismatch = await pay(m.key, { amount: 2_001, currency: 'USD', fx_quote: quote.body.id });
    expect([mismatch.status, mismatch.body.code]).toEqual([422, 'fx_quote_mismatch']);

    // Created in time, confirmed too late: refused at confirm, the wallet untouched.
    const q2 = await t.request('POST', '/v1/fx/quotes', {
      key: m.key,
      body: { sell_currency: 'USD', buy_currency: 'CNY', sell_amount: 1_000 },
    });
    const late = await pay(m.key, { amount: 1_000, currency: 'USD', fx_quote: q2.body.id });
    expect(late.status).toBe(201);
    t.clock.advance(16 * 60_000);
    loadRates();
    const before = await balance(chart.customerWallet(c, 'USD'));
    const refused = await confirmWallet(m.key, late.body.id, c);
    expect([refused.status, refused.body.code]).toEqual([409, 'fx_quote_expired']);
    expect(await balance(chart.customerWallet(c, 'USD'))).toBe(before);
    expect((await t.request('GET', `/v1/payments/${late.body.id}`, { key: m.key })).body.status).toBe('requires_payment_method');
    const expired = await pay(m.key, { amount: 1_000, currency: 'USD', fx_quote: q2.body.id });
    expect([expired.status, expired.body.code]).toEqual([409, 'fx_quote_expired']);
    await ledgerHolds();
  });

  it('refuses stale rates, unsupported pairs, amounts that round to zero and disallowed settlement currencies', async () => {
    loadRates();
    const m = await merchant('CNY');
    const kwd = await merchant('KWD', 'KW');
    t.clock.advance(5 * 24 * 60 * 60_000);
    const stale = await pay(m.key, { amount: 1_000, currency: 'USD' });
    expect([stale.status, stale.body.code]).toEqual([503, 'fx_rate_stale']);
    const staleQuote = await t.request('POST', '/v1/fx/quotes', {
      key: m.key,
      body: { sell_currency: 'USD', buy_currency: 'CNY', sell_amount: 1_000 },
    });
    expect(staleQuote.body.code).toBe('fx_rate_stale');
    loadRates();
    const unsupported = await pay(m.key, { amount: 1_000, currency: 'THB' });
    expect([unsupported.status, unsupported.body.code]).toEqual([422, 'fx_pair_unsupported']);
    // KRW 1 is 0.000226 KWD: less than one fils.
    const tiny = await pay(kwd.key, { amount: 1, currency: 'KRW' });
    expect([tiny.status, tiny.body.code]).toEqual([422, 'fx_amount_too_small']);
    const tinyQuote = await t.request('POST', '/v1/fx/quotes', {
      key: kwd.key,
      body: { sell_currency: 'KRW', buy_currency: 'KWD', sell_amount: 1 },
    });
    expect(tinyQuote.body.code).toBe('fx_amount_too_small');
    const notAllowed = await pay(m.key, { amount: 1_000, currency: 'USD', settlement_currency: 'EUR' });
    expect([notAllowed.status, notAllowed.body.code]).toEqual([422, 'settlement_currency_not_allowed']);
    // Settling in the shopper's own currency is allowed: no conversion.
    const own = await pay(m.key, { amount: 1_000, currency: 'USD', settlement_currency: 'USD' });
    expect(own.body).toMatchObject({ settlement_currency: null });
    expect((await t.request('GET', '/v1/payments', { key: m.key })).body.data).toHaveLength(1);
  });

  it('JPY to KWD (0 to 3 decimals) converts exactly as documented, and the ledger balances per currency', async () => {
    loadRates();
    const m = await merchant('KWD', 'KW');
    const c = await shopper(m.key, [[1_000_000, 'JPY']]);
    const created = await pay(m.key, { amount: 12_345, currency: 'JPY' });
    const paid = await confirmWallet(m.key, created.body.id, c);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    // 0.334 / 162.5 = 0.0020553846 (mid), less 50 bps = 0.0020451076 (down)
    const mid = midScaled({ num: 334n * 100n, den: 16250n * 1000n });
    const client = clientScaled(mid, 50);
    expect(paid.body.fx_rate).toBe('0.0020451076');
    expect(scaledOf(paid.body.fx_rate)).toBe(client);
    // JPY 12,345 × 0.0020451076 = 25.24685… KWD → 25.247 KWD = 25,247 fils (half-up)
    expect(paid.body.settlement_amount).toBe(25_247);
    expect(await balance(chart.fxPosition('JPY'))).toBe(-12_345n);
    expect(await balance(chart.fxRevenue('KWD'))).toBe(
      convertWithMargin({ minor: 12_345n, currency: 'JPY' }, 'KWD', mid, client).marginMinor,
    );
    await ledgerHolds();
  });

  it("a USD card from the sandbox issuer pays a CNY price: the cashier's offer, manual capture in part, refund", async () => {
    loadRates();
    const m = await merchant('CNY');
    const created = await pay(m.key, { amount: 68_800, currency: 'CNY', capture_method: 'manual' });
    const pan = testCardFor('visa', 'approved').pan;
    const options = await t.request('GET', `/v1/payments/${created.body.id}/presentment_options?bin=${pan.slice(0, 6)}`, { key: m.key });
    expect(options.status, JSON.stringify(options.body)).toBe(200);
    expect(options.body).toMatchObject({
      card: { brand: 'visa', country: 'US', currency: 'USD' },
      payment: { amount: 68_800, currency: 'CNY' },
      offer: { sell_currency: 'USD', buy_currency: 'CNY' },
    });
    expect(options.body.offer.buy_amount).toBeGreaterThanOrEqual(68_800);
    const unknownBin = await t.request('GET', `/v1/payments/${created.body.id}/presentment_options?bin=999999`, { key: m.key });
    expect(unknownBin.body.code).toBe('card_bin_unknown');
    const switched = await t.request('POST', `/v1/payments/${created.body.id}/presentment`, {
      key: m.key,
      body: { quote: options.body.offer.id },
    });
    expect(switched.status, JSON.stringify(switched.body)).toBe(200);
    expect(switched.body).toMatchObject({
      amount: options.body.offer.sell_amount,
      currency: 'USD',
      settlement_currency: 'CNY',
      fx_quote: options.body.offer.id,
    });
    const timeline = (await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key })).body.timeline;
    expect(timeline[1].reason).toMatch(/^the shopper pays USD \d+\.\d\d for CNY 688\.00 \(quote fxq_/);
    const twice = await t.request('POST', `/v1/payments/${created.body.id}/presentment`, {
      key: m.key,
      body: { quote: options.body.offer.id },
    });
    expect(twice.body.code).toBe('payment_state_invalid');
    const held = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(200);
    expect(held.body).toMatchObject({ status: 'requires_capture', fx_rate: options.body.offer.rate });
    const half = Math.floor(options.body.offer.sell_amount / 2);
    const captured = await t.request('POST', `/v1/payments/${created.body.id}/capture`, { key: m.key, body: { amount: half } });
    expect(captured.status, JSON.stringify(captured.body)).toBe(200);
    const conv = convertWithMargin(
      { minor: BigInt(half), currency: 'USD' },
      'CNY',
      scaledOf(options.body.offer.mid_rate) as bigint,
      scaledOf(options.body.offer.rate) as bigint,
    );
    expect(captured.body).toMatchObject({ status: 'succeeded', amount_captured: half, settlement_amount: Number(conv.merchantMinor) });
    expect(await balance(chart.merchantPending(m.id, 'CNY'))).toBe(conv.merchantMinor - BigInt(captured.body.fee));
    expect(await balance(chart.merchantPending(m.id, 'USD'))).toBe(0n);
    await ledgerHolds();
    const refund = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: created.body.id } });
    expect(refund.body).toMatchObject({ status: 'succeeded', amount: half, currency: 'USD' });
    expect(await balance(chart.merchantPending(m.id, 'CNY'))).toBe(0n);
    await ledgerHolds();
  });

  it('import orders: identity checked, CNY 5,000 per order and CNY 26,000 per person per year across merchants, refunds give allowance back, a new year starts afresh', async () => {
    loadRates();
    t.clock.set(new Date('2026-12-31T15:00:00Z')); // 23:00 in Beijing
    loadRates();
    const us = await merchant('USD', 'US');
    const jp = await merchant('JPY', 'JP');
    const who = { name: 'Li Lei', number: idNumber };
    const c1 = await shopper(us.key, [[3_000_000, 'CNY']], who);
    const c2 = await shopper(jp.key, [[3_000_000, 'CNY']], who);
    const anonymous = await shopper(us.key, [[100_000, 'CNY']]);
    const order = (name = 'Li Lei', number = idNumber) => ({ payer_name: name, id_type: 'resident_id', id_number: number });

    const noIdentity = await pay(us.key, { amount: 10_000, currency: 'CNY', customer: anonymous, import_order: order() });
    expect(noIdentity.body.code).toBe('payer_identity_required');
    const noCustomer = await pay(us.key, { amount: 10_000, currency: 'CNY', import_order: order() });
    expect(noCustomer.body.code).toBe('payer_identity_required');
    const wrongName = await pay(us.key, { amount: 10_000, currency: 'CNY', customer: c1, import_order: order('Han Meimei') });
    expect(wrongName.body.code).toBe('payer_identity_mismatch');
    const wrongId = await pay(us.key, {
      amount: 10_000,
      currency: 'CNY',
      customer: c1,
      import_order: order('Li Lei', '110105194912310021'),
    });
    expect(wrongId.body.code).toBe('payer_identity_mismatch');
    const tooBig = await pay(us.key, { amount: 500_001, currency: 'CNY', customer: c1, import_order: order() });
    expect([tooBig.status, tooBig.body.code]).toEqual([422, 'import_single_limit_exceeded']);

    // CNY 25,000 in five orders, at two merchants, under two customer records of one person.
    const paidIds: string[] = [];
    for (const [m, c] of [
      [us, c1],
      [us, c1],
      [us, c1],
      [jp, c2],
      [jp, c2],
    ] as const) {
      const created = await pay(m.key, { amount: 500_000, currency: 'CNY', customer: c, import_order: order() });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const paid = await confirmWallet(m.key, created.body.id, c);
      expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
      paidIds.push(created.body.id);
    }
    const over = await pay(jp.key, { amount: 200_000, currency: 'CNY', customer: c2, import_order: order() });
    expect(over.status).toBe(201);
    const refused = await confirmWallet(jp.key, over.body.id, c2);
    expect([refused.status, refused.body.code]).toEqual([422, 'import_annual_limit_exceeded']);
    expect(await balance(chart.customerWallet(c2, 'CNY'))).toBe(2_000_000n);
    expect((await t.request('GET', `/v1/customers/${c1}/import_allowance`, { key: us.key })).body).toMatchObject({
      year: 2026,
      used_cny: 2_500_000,
      remaining_cny: 100_000,
    });

    // A refund of CNY 1,500 gives that much back: now the CNY 2,000 order fits.
    const refund = await t.request('POST', '/v1/refunds', { key: us.key, body: { payment: paidIds[0], amount: 150_000 } });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    const fits = await confirmWallet(jp.key, over.body.id, c2);
    expect(fits.body.status, JSON.stringify(fits.body)).toBe('succeeded');

    // 00:30 on 1 January in Beijing: a new year's allowance.
    t.clock.set(new Date('2026-12-31T16:30:00Z'));
    loadRates();
    const next = await pay(us.key, { amount: 500_000, currency: 'CNY', customer: c1, import_order: order() });
    expect((await confirmWallet(us.key, next.body.id, c1)).body.status).toBe('succeeded');
    expect((await t.request('GET', `/v1/customers/${c2}/import_allowance`, { key: jp.key })).body).toMatchObject({
      year: 2027,
      used_cny: 500_000,
      remaining_cny: 2_100_000,
    });

    // The records: one per captured order, payer masked, both currencies, as CSV for reporting.
    const csv = await t.hutong.server.inject({
      method: 'GET',
      url: '/v1/fx/records.csv',
      headers: { authorization: `Bearer ${t.operatorKey}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe(
      'captured_at,payment_id,merchant_id,merchant_name,merchant_country,direction,payer_customer,payer_name,payer_id_type,payer_id_masked,presentment_currency,presentment_amount,settlement_currency,settlement_amount,rate,mid_rate,fx_margin,refunded_presentment,refunded_settlement,amount_cny,quote_id',
    );
    const ours = lines.filter((l) => l.includes(us.id) || l.includes(jp.id));
    expect(ours).toHaveLength(7);
    expect(ours.every((l) => l.includes(',import,') && l.includes('1*************002X') && !l.includes(idNumber))).toBe(true);
    const mine = await t.hutong.server.inject({ method: 'GET', url: '/v1/fx/records.csv', headers: { authorization: `Bearer ${jp.key}` } });
    expect(mine.body.trim().split('\r\n')).toHaveLength(1 + 3);
    await ledgerHolds();
  });
  it('two concurrent import orders that each fit but not together: exactly one is paid', async () => {
    loadRates();
    const m = await merchant('USD', 'US');
    const number = residentId('44030419900101123');
    const c = await shopper(m.key, [[3_000_000, 'CNY']], { name: 'Wang Fang', number });
    const order = { payer_name: 'Wang Fang', id_type: 'resident_id', id_number: number };
    for (let i = 0; i < 5; i++) {
      const p = await pay(m.key, { amount: 500_000, currency: 'CNY', customer: c, import_order: order });
      expect((await confirmWallet(m.key, p.body.id, c)).body.status).toBe('succeeded');
    }
    const a = await pay(m.key, { amount: 80_000, currency: 'CNY', customer: c, import_order: order });
    const b = await pay(m.key, { amount: 80_000, currency: 'CNY', customer: c, import_order: order });
    const results = await Promise.all([confirmWallet(m.key, a.body.id, c), confirmWallet(m.key, b.body.id, c)]);
    expect(results.map((r) => r.body.code ?? r.body.status).sort()).toEqual(['import_annual_limit_exceeded', 'succeeded']);
    expect(await balance(chart.customerWallet(c, 'CNY'))).toBe(3_000_000n - 2_500_000n - 80_000n);
    await ledgerHolds();
  });

  it('loads rates over HTTP from the sandbox feed, and a retried create finds its payment after its quote expired', async () => {
    const feed = await startFxFeed({ port: 0, clock: t.clock });
    try {
      expect(await t.hutong.services.fx.fetchFeed(feed.xmlUrl)).toMatchObject({ loaded: 11 });
      expect(await t.hutong.services.fx.fetchFeed(`${feed.baseUrl}/nothing`)).toMatchObject({ failure: 'fx_feed_invalid' });
    } finally {
      await feed.close();
    }
    const m = await merchant('CNY');
    const q = await t.request('POST', '/v1/fx/quotes', {
      key: m.key,
      body: { sell_currency: 'KWD', buy_currency: 'CNY', sell_amount: 1_000 },
    });
    expect(q.status, JSON.stringify(q.body)).toBe(201);
    const body = { amount: 1_000, currency: 'KWD', merchant_order_id: 'retry-1', fx_quote: q.body.id };
    const first = await t.request('POST', '/v1/payments', { key: m.key, body, headers: { 'idempotency-key': 'retry-1' } });
    expect(first.status).toBe(201);
    t.clock.advance(20 * 60_000);
    const again = await t.request('POST', '/v1/payments', { key: m.key, body, headers: { 'idempotency-key': 'retry-1' } });
    expect([again.status, again.body.id]).toEqual([first.status, first.body.id]);
  });
  it('property: any amount in any pair, captured and refunded in random parts, ends with every account where it started', async () => {
    loadRates();
    const pairs: [string, string][] = [
      ['USD', 'CNY'],
      ['JPY', 'KWD'],
      ['KWD', 'JPY'],
      ['CNY', 'USD'],
      ['GBP', 'JPY'],
    ];
    const merchants = new Map<string, { id: string; key: string }>();
    for (const s of ['CNY', 'KWD', 'JPY', 'USD']) merchants.set(s, await merchant(s));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...pairs),
        fc.integer({ min: 1_000, max: 5_000_000 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 4 }),
        async ([from, to], amount, weights) => {
          const m = merchants.get(to)!;
          // Platform accounts are shared with the other tests: compare with where they were.
          const specs = [
            chart.merchantPending(m.id, to),
            chart.merchantPending(m.id, from),
            chart.fxRevenue(to),
            chart.fxPosition(from),
            chart.fxPosition(to),
            chart.feeRevenue(to),
          ];
          const before = await Promise.all(specs.map((spec) => balance(spec)));
          const c = await shopper(m.key, [[amount, from]]);
          const created = await pay(m.key, { amount, currency: from });
          const paid = await confirmWallet(m.key, created.body.id, c);
          expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
          expect((await balance(chart.fxRevenue(to))) >= (before[2] as bigint)).toBe(true);
          // Refund in parts proportional to the weights, the last part taking what is left.
          const total = weights.reduce((a, b) => a + b, 0);
          let left = amount;
          for (const [i, w] of weights.entries()) {
            const part = i === weights.length - 1 ? left : Math.max(1, Math.floor((amount * w) / total));
            if (part <= 0 || part > left) continue;
            const r = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: created.body.id, amount: part } });
            expect(r.body.status, JSON.stringify(r.body)).toBe('succeeded');
            left -= part;
          }
          expect(left).toBe(0);
          expect(await balance(chart.customerWallet(c, from))).toBe(BigInt(amount));
          for (const [i, spec] of specs.entries()) {
            expect({ account: `${spec.ownerId}/${spec.code}/${spec.currency}`, balance: await balance(spec) }).toEqual({
              account: `${spec.ownerId}/${spec.code}/${spec.currency}`,
              balance: before[i],
            });
          }
        },
      ),
      { numRuns: 12 },
    );
    await ledgerHolds();
  });
  it("the operator loads rates and sets a merchant's markup; records filter by capture time", async () => {
    const csv = `base,currency,rate,as_of\nEUR,USD,1.1000,${t.clock.now().toISOString()}\nEUR,CNY,7.7000,${t.clock.now().toISOString()}\n`;
    const m = await merchant('CNY');
    const forbidden = await t.request('POST', '/v1/fx/rates', { key: m.key, body: { format: 'csv', content: csv } });
    expect(forbidden.status).toBe(403);
    const bad = await t.request('POST', '/v1/fx/rates', { key: t.operatorKey, body: { format: 'ecb_xml', content: '<nope' } });
    expect([bad.status, bad.body.code]).toEqual([422, 'fx_feed_invalid']);
    const loaded = await t.request('POST', '/v1/fx/rates', { key: t.operatorKey, body: { format: 'csv', content: csv } });
    expect([loaded.status, loaded.body]).toEqual([200, { loaded: 2 }]);
    const held = await t.request('GET', '/v1/fx/rates', { key: m.key });
    expect(held.body.rates).toContainEqual({
      currency: 'USD',
      rate: '1.1000000000',
      as_of: t.clock.now().toISOString(),
      source: 'operator',
    });
    const zero = await t.request('POST', `/v1/merchants/${m.id}/fx_settings`, { key: t.operatorKey, body: { markup_bps: 0 } });
    expect(zero.body).toEqual({ markup_bps: 0 });
    const tooMuch = await t.request('POST', `/v1/merchants/${m.id}/fx_settings`, { key: t.operatorKey, body: { markup_bps: 1_001 } });
    expect(tooMuch.status).toBe(400);
    const quote = await t.request('POST', '/v1/fx/quotes', {
      key: m.key,
      body: { sell_currency: 'USD', buy_currency: 'CNY', sell_amount: 10_000 },
    });
    expect(quote.body).toMatchObject({ rate: '7.0000000000', mid_rate: '7.0000000000', markup_bps: 0, buy_amount: 70_000 });
    const both = await t.request('POST', '/v1/fx/quotes', {
      key: m.key,
      body: { sell_currency: 'USD', buy_currency: 'CNY', sell_amount: 1, buy_amount: 1 },
    });
    expect(both.body.code).toBe('request_invalid');
    const c = await shopper(m.key, [[10_000, 'USD']]);
    const p = await pay(m.key, { amount: 10_000, currency: 'USD', fx_quote: quote.body.id });
    await confirmWallet(m.key, p.body.id, c);
    const from = new Date(t.clock.now().getTime() - 1000).toISOString();
    const later = new Date(t.clock.now().getTime() + 1000).toISOString();
    expect(
      (await t.request('GET', `/v1/fx/records?from=${from}`, { key: m.key })).body.data.map((r: { payment: string }) => r.payment),
    ).toEqual([p.body.id]);
    expect((await t.request('GET', `/v1/fx/records?from=${later}`, { key: m.key })).body.data).toEqual([]);
    expect((await t.request('GET', '/v1/fx/records?from=yesterday', { key: m.key })).body.code).toBe('request_invalid');
  });
});
