import { expect, it } from 'vitest';
import { createSingleWindowClient } from '../../src/channels/customs/index.js';
import { platform, reasons, startCustomsWorld, type CustomsWorld } from '../../sandbox/customs/index.js';
import { cebMessage, headAndList, newGuid, cebTime } from '../../sandbox/customs/wire.js';
import { problemCatalog } from '../../src/api/problems.js';
import { CustomsError } from '../../src/customs/index.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

/** A valid PRC resident ID: 17 digits and the ISO 7064 MOD 11-2 check character. */
function residentId(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * (weights[i] as number), 0);
  return first17 + '10X98765432'[sum % 11];
}

it('every customs failure has a problem in the catalogue', () => {
  for (const code of Object.values(CustomsError)) expect(Object.keys(problemCatalog), code).toContain(code);
});

describeEachStore('customs declarations, end to end with the sandbox single window', (dialect) => {
  const world = {} as { w: CustomsWorld };
  const t = useTestApp(dialect, {
    customs: async (clock) => {
      // The sandbox's yearly limit is lowered so one buyer can go over it in a test.
      world.w = await startCustomsWorld({ annualMaxFen: 100_000n, clock });
      return {
        options: {
          gateway: createSingleWindowClient(world.w.customs.baseUrl),
          customsPublicKeyPem: world.w.customs.certificate.publicKeyPem,
          settings: { pushRetryBaseMs: 1_000 },
        },
        close: () => world.w.close(),
      };
    },
    fx: { convertToSettlement: true },
  });
  let seq = 0;
  const office = '0101';

  async function registerHutong(publicKeyPem = t.hutong.customsDeclarant.publicKeyPem) {
    const d = t.hutong.customsDeclarant;
    const res = await fetch(`${world.w.customs.baseUrl}/ceb/declarants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ copCode: d.copCode, copName: d.copName, certNo: d.certNo, publicKeyPem }),
    });
    expect(res.status).toBe(201);
  }

  async function shop() {
    const m = await t.makeMerchant('Cross-border Mall');
    const reg = await t.request('POST', '/v1/customs/registrations', {
      key: m.key,
      body: { customs_office: office, ebp_code: platform.code, ebp_name: platform.name },
    });
    expect(reg.status, JSON.stringify(reg.body)).toBe(200);
    return m;
  }

  /** A shopper with a verified identity pays `amount` fen from the wallet: an import order. */
  async function paidOrder(
    key: string,
    amount: number,
    who = { name: 'Li Lei', number: residentId('11010519491231002') },
    importOrder = true,
  ) {
    const c = await t.request('POST', '/v1/customers', {
      key,
      body: { name: who.name, identity: { type: 'resident_id', number: who.number } },
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    await t.request('POST', `/v1/customers/${c.body.id}/top_ups`, { key, body: { amount, currency: 'CNY' } });
    const p = await t.request('POST', '/v1/payments', {
      key,
      body: {
        amount,
        currency: 'CNY',
        merchant_order_id: `o-${++seq}`,
        customer: c.body.id,
        ...(importOrder ? { import_order: { payer_name: who.name, id_type: 'resident_id', id_number: who.number } } : {}),
      },
    });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const paid = await t.request('POST', `/v1/payments/${p.body.id}/confirm`, {
      key,
      body: { payment_method: { type: 'wallet', customer: c.body.id } },
    });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    return { paymentId: p.body.id as string, who, orderNo: `SO${Date.now()}${++seq}` };
  }

  const partner = async (path: string, body: unknown) => {
    const res = await fetch(`${world.w.partners.baseUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as { guid: string; return_status: string };
  };
  const buyerOf = (who: { name: string; number: string }) => ({ name: who.name, id_number: who.number });
  const consignee = { name: 'Li Lei', address: '北京市东城区东四胡同1号' };

  async function platformOrder(
    o: { paymentId: string; orderNo: string; who: { name: string; number: string } },
    goodsFen: number,
    extra = {},
  ) {
    const r = await partner('/platform/orders', {
      order_no: o.orderNo,
      goods_value: goodsFen - 1_000,
      freight: 1_000,
      tax_total: 0,
      discount: 0,
      buyer: buyerOf(o.who),
      consignee,
      pay_code: t.hutong.customsDeclarant.copCode,
      pay_transaction_id: o.paymentId,
      ...extra,
    });
    expect(r.return_status).toBe('2');
  }

  async function shipAndClear(o: { orderNo: string; who: { name: string; number: string } }, waybill = true) {
    const logisticsNo = `YT${o.orderNo}`;
    if (waybill)
      expect(
        (await partner('/carrier/waybills', { order_no: o.orderNo, logistics_no: logisticsNo, freight: 1_000, consignee })).return_status,
      ).toBe('2');
    expect(
      (await partner('/carrier/inventories', { order_no: o.orderNo, logistics_no: logisticsNo, buyer: buyerOf(o.who), freight: 1_000 }))
        .return_status,
    ).toBe('2');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const view = await fetch(`${world.w.customs.baseUrl}/ceb/inventories/${platform.code}/${o.orderNo}`);
    return (await view.json()) as { status: string; returnStatus: string; reason: string | null; matched: Record<string, boolean> };
  }

  const declare = (key: string, o: { paymentId: string; orderNo: string; who: { name: string; number: string } }, extra = {}) =>
    t.request('POST', '/v1/customs_declarations', {
      key,
      body: {
        payment: o.paymentId,
        customs_office: office,
        order_no: o.orderNo,
        payer: { name: o.who.name, id_type: 'resident_id', id_number: o.who.number },
        ...extra,
      },
    });

  /** Runs the push queue and polls receipts until the declaration leaves `pending`/`submitted` (bounded). */
  async function settle(key: string, id: string) {
    for (let round = 0; round < 20; round++) {
      await t.hutong.timers.runDue();
      await new Promise((resolve) => setTimeout(resolve, 10));
      await t.hutong.services.customs.pollReceipts();
      const got = await t.request('GET', `/v1/customs_declarations/${id}`, { key });
      if (!['pending', 'submitted'].includes(got.body.status)) return got.body;
    }
    return (await t.request('GET', `/v1/customs_declarations/${id}`, { key })).body;
  }

  it('platform order + Hutong payment + declaration + waybill + inventory → released; the declaration shows its history; a repeat replays', async () => {
    await registerHutong();
    const m = await shop();
    const o = await paidOrder(m.key, 30_000);
    await platformOrder(o, 30_000);
    const created = await declare(m.key, o);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      object: 'customs_declaration',
      status: 'pending',
      amount: 30_000,
      currency: 'CNY',
      version: 1,
      app_type: '1',
      identity_check: 'same',
    });
    expect(created.body.payer.id_number_masked).not.toContain(o.who.number.slice(6, 14));
    const done = await settle(m.key, created.body.id);
    expect(done).toMatchObject({ status: 'accepted', return_status: '120' });
    expect(done.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'submitted', 'accepted']);
    expect(world.w.customs.paymentSlips(o.paymentId)).toBe(1);

    const inventory = await shipAndClear(o);
    expect(inventory).toMatchObject({
      status: 'released',
      returnStatus: '800',
      reason: null,
      matched: { order: true, payment: true, waybill: true },
    });

    const again = await declare(m.key, o);
    expect([again.status, again.body.id, again.body.status]).toEqual([200, created.body.id, 'accepted']);
    const other = await declare(m.key, { ...o, orderNo: 'ANOTHER-1' });
    expect([other.status, other.body.code]).toEqual([409, 'customs_declaration_conflict']);
    expect(world.w.customs.paymentSlips(o.paymentId)).toBe(1);

    const events = await t.request('GET', `/v1/events?object_id=${created.body.id}`, { key: m.key });
    expect(events.body.data.map((e: { type: string }) => e.type).sort()).toEqual(
      ['customs_declaration.accepted', 'customs_declaration.created', 'customs_declaration.submitted'].sort(),
    );
    // Another merchant does not see it.
    const stranger = await t.makeMerchant('Stranger');
    expect((await t.request('GET', `/v1/customs_declarations/${created.body.id}`, { key: stranger.key })).status).toBe(404);
    const listed = await t.request('GET', `/v1/customs_declarations?payment=${o.paymentId}`, { key: m.key });
    expect(listed.body.data.map((d: { id: string }) => d.id)).toEqual([created.body.id]);
  });

  it('each mismatch is returned by customs with its reason: amount, payer, missing waybill, over the yearly limit', async () => {
    await registerHutong();
    const m = await shop();
    const cases: [string, (o: Awaited<ReturnType<typeof paidOrder>>) => Promise<void>, boolean, string][] = [
      ['amount', (o) => platformOrder(o, 31_000), true, reasons.paidMismatch],
      [
        'payer',
        (o) => platformOrder({ ...o, who: { name: 'Han Meimei', number: residentId('44030419900101123') } }, 30_000),
        true,
        reasons.payerMismatch,
      ],
      ['waybill', (o) => platformOrder(o, 30_000), false, reasons.waybillMissing],
    ];
    for (const [, order, waybill, reason] of cases) {
      const o = await paidOrder(m.key, 30_000);
      await order(o);
      const d = await declare(m.key, o);
      expect(d.status, JSON.stringify(d.body)).toBe(201);
      expect((await settle(m.key, d.body.id)).status).toBe('accepted');
      const inventory = await shipAndClear({ ...o }, waybill);
      expect(inventory).toMatchObject({ status: 'returned', returnStatus: '100', reason });
    }
    // The sandbox's yearly limit is CNY 1,000 here: a CNY 600 order clears, the next CNY 600 of the same buyer does not.
    const who = { name: 'Wang Fang', number: residentId('44030419900101124') };
    const first = await paidOrder(m.key, 60_000, who);
    await platformOrder(first, 60_000);
    expect((await settle(m.key, (await declare(m.key, first)).body.id)).status).toBe('accepted');
    expect((await shipAndClear(first)).status).toBe('released');
    const second = await paidOrder(m.key, 60_000, who);
    await platformOrder(second, 60_000);
    expect((await settle(m.key, (await declare(m.key, second)).body.id)).status).toBe('accepted');
    expect(await shipAndClear(second)).toMatchObject({ status: 'returned', reason: reasons.overAnnual });
  });

  it('checks before sending: the payer must be the payment’s, sub-orders fit the payment, limits hold; nothing reaches customs', async () => {
    await registerHutong();
    const m = await shop();
    const o = await paidOrder(m.key, 40_000);
    const wrong = await declare(m.key, o, { payer: { name: 'Han Meimei', id_type: 'resident_id', id_number: o.who.number } });
    expect([wrong.status, wrong.body.code]).toEqual([422, 'customs_payer_mismatch']);
    const noReg = await declare(m.key, o, { customs_office: '5141' });
    expect([noReg.status, noReg.body.code]).toEqual([422, 'customs_registration_required']);
    const half = await declare(m.key, o, { sub_order_no: 'A', amount: 25_000 });
    expect(half.status, JSON.stringify(half.body)).toBe(201);
    const tooMuch = await declare(m.key, o, { sub_order_no: 'B', amount: 15_001 });
    expect([tooMuch.status, tooMuch.body.code]).toEqual([422, 'customs_split_exceeds_payment']);
    const rest = await declare(m.key, o, { sub_order_no: 'B', amount: 15_000 });
    expect(rest.status).toBe(201);
    const bad = await declare(m.key, o, { sub_order_no: 'C' });
    expect([bad.status, bad.body.code]).toEqual([400, 'customs_declaration_invalid']);
    await t.hutong.timers.runDue();
    expect(world.w.customs.paymentSlips(o.paymentId)).toBe(2);

    // Payments that were not marked as import orders: the limits are checked again at declaration,
    // across merchants, by the payer's identity (the allowance counts declarations of the year).
    const who = { name: 'Sun Li', number: residentId('44030419900101125') };
    const big = await paidOrder(m.key, 500_001, who, false);
    const over = await declare(m.key, big);
    expect([over.status, over.body.code]).toEqual([422, 'import_single_limit_exceeded']);
    const other = await shop();
    for (let i = 0; i < 5; i++) {
      const ok = await paidOrder(i % 2 === 0 ? m.key : other.key, 500_000, who, false);
      expect((await declare(i % 2 === 0 ? m.key : other.key, ok)).status).toBe(201);
    }
    const sixth = await paidOrder(other.key, 200_000, who, false);
    const refused = await declare(other.key, sixth);
    expect([refused.status, refused.body.code]).toEqual([422, 'import_annual_limit_exceeded']);
    expect(world.w.customs.paymentSlips(sixth.paymentId)).toBe(0);
  });

  it('customs down: the declaration waits in the queue, is retried with backoff and sent once', async () => {
    await registerHutong();
    const m = await shop();
    const o = await paidOrder(m.key, 20_000);
    world.w.customs.setDown(true);
    try {
      const d = await declare(m.key, o);
      await t.hutong.timers.runDue();
      const waiting = await t.request('GET', `/v1/customs_declarations/${d.body.id}`, { key: m.key });
      expect(waiting.body).toMatchObject({ status: 'pending', push_attempts: 1, last_error: 'customs answered HTTP 503' });
      await t.hutong.timers.runDue();
      expect((await t.request('GET', `/v1/customs_declarations/${d.body.id}`, { key: m.key })).body.push_attempts).toBe(1);
      t.clock.advance(1_000);
      await t.hutong.timers.runDue();
      expect((await t.request('GET', `/v1/customs_declarations/${d.body.id}`, { key: m.key })).body.push_attempts).toBe(2);
      world.w.customs.setDown(false);
      t.clock.advance(2_000);
      expect((await settle(m.key, d.body.id)).status).toBe('accepted');
      expect(world.w.customs.paymentSlips(o.paymentId)).toBe(1);
    } finally {
      world.w.customs.setDown(false);
    }
  });

  it('an answer not signed with the customs key Hutong holds changes nothing and is retried', async () => {
    await registerHutong();
    const m = await shop();
    const o = await paidOrder(m.key, 20_000);
    t.hutong.setCustomsPublicKey(t.hutong.customsDeclarant.publicKeyPem); // not customs' key
    try {
      const d = await declare(m.key, o);
      await t.hutong.timers.runDue();
      const waiting = (await t.request('GET', `/v1/customs_declarations/${d.body.id}`, { key: m.key })).body;
      expect(waiting).toMatchObject({ status: 'pending', push_attempts: 1 });
      expect(waiting.last_error).toContain('without a receipt it signed');
      t.hutong.setCustomsPublicKey(world.w.customs.certificate.publicKeyPem);
      t.clock.advance(1_000);
      expect((await settle(m.key, d.body.id)).status).toBe('accepted');
      expect(world.w.customs.paymentSlips(o.paymentId)).toBe(1);
    } finally {
      t.hutong.setCustomsPublicKey(world.w.customs.certificate.publicKeyPem);
    }
  });

  it('a bad signature surfaces −621049; after the key is fixed a re-push goes as new, a later change as appType 2', async () => {
    const m = await shop();
    const o = await paidOrder(m.key, 10_000);
    await registerHutong(world.w.customs.certificate.publicKeyPem); // the wrong key on file
    const d = await declare(m.key, o);
    const failed = await settle(m.key, d.body.id);
    expect(failed).toMatchObject({ status: 'failed', return_status: '-621049' });
    await registerHutong();
    const again = await t.request('POST', `/v1/customs_declarations/${d.body.id}/modify`, { key: m.key });
    expect(again.body).toMatchObject({ status: 'pending', version: 2, app_type: '1' });
    expect(await settle(m.key, d.body.id)).toMatchObject({ status: 'accepted', version: 2 });
    const changed = await t.request('POST', `/v1/customs_declarations/${d.body.id}/modify`, {
      key: m.key,
      body: { order_no: `${o.orderNo}-B` },
    });
    expect(changed.body).toMatchObject({ status: 'pending', version: 3, app_type: '2', order_no: `${o.orderNo}-B` });
    const third = await settle(m.key, d.body.id);
    expect(third.status).toBe('accepted');
    expect(third.history.map((h: { version: number; status: string }) => `${h.version}:${h.status}`)).toEqual([
      '1:pending',
      '1:failed',
      '2:pending',
      '2:submitted',
      '2:accepted',
      '3:pending',
      '3:submitted',
      '3:accepted',
    ]);
    const pending = await t.request('POST', `/v1/customs_declarations/${d.body.id}/modify`, { key: m.key });
    expect(pending.status).toBe(200);
    const twice = await t.request('POST', `/v1/customs_declarations/${d.body.id}/modify`, { key: m.key });
    expect([twice.status, twice.body.code]).toEqual([409, 'customs_declaration_state_invalid']);
  });

  it('a payment in USD is declared at the CNY amount its locked rate gave, and says which rate', async () => {
    const at = t.clock.now().toISOString();
    const xml = `<?xml version="1.0" encoding="UTF-8"?><gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube><Cube time="${at}"><Cube currency="USD" rate="1.0850"/><Cube currency="CNY" rate="7.8500"/></Cube></Cube></gesmes:Envelope>`;
    expect(t.hutong.services.fx.loadEcbXml(xml)).toMatchObject({ loaded: 2 });
    await registerHutong();
    const m = await shop();
    const who = { name: 'Zhao Lei', number: residentId('31011519800101001') };
    const c = await t.request('POST', '/v1/customers', {
      key: m.key,
      body: { name: who.name, identity: { type: 'resident_id', number: who.number } },
    });
    await t.request('POST', `/v1/customers/${c.body.id}/top_ups`, { key: m.key, body: { amount: 10_000, currency: 'USD' } });
    const p = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: {
        amount: 4_200,
        currency: 'USD',
        merchant_order_id: `usd-${++seq}`,
        customer: c.body.id,
        import_order: { payer_name: who.name, id_type: 'resident_id', id_number: who.number },
      },
    });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const paid = await t.request('POST', `/v1/payments/${p.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'wallet', customer: c.body.id } },
    });
    expect(paid.body, JSON.stringify(paid.body)).toMatchObject({ status: 'succeeded', settlement_currency: 'CNY' });
    const d = await declare(m.key, { paymentId: p.body.id, orderNo: `USD-${seq}`, who });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    expect(d.body).toMatchObject({
      amount: paid.body.settlement_amount,
      currency: 'CNY',
      payment_amount: 4_200,
      payment_currency: 'USD',
      cny_rate: paid.body.fx_rate,
    });
    // USD 42.00 at about 7.235 CNY per USD, less the markup: about CNY 302.
    expect(d.body.amount).toBeGreaterThan(29_000);
    expect(d.body.amount).toBeLessThan(31_000);
    expect((await settle(m.key, d.body.id)).status).toBe('accepted');
  });

  it('answers customs’ raw-payment-data query from the payment’s record, signed; refuses a query customs did not sign', async () => {
    await registerHutong();
    const m = await shop();
    const o = await paidOrder(m.key, 12_300);
    const d = await declare(m.key, o);
    expect((await settle(m.key, d.body.id)).status).toBe('accepted');
    const viaHutong = async (query: Record<string, string>) => {
      const res = await t.hutong.server.inject({ method: 'POST', url: '/v1/customs/payment_data_queries', payload: query });
      return res.statusCode === 200 ? res.json() : null;
    };
    const verdict = await world.w.customs.window.rawDataQuery(t.hutong.customsDeclarant.copCode, platform.code, o.orderNo, viaHutong);
    expect(verdict?.checks).toEqual({ signature: true, time: true, matchesSlip: true });
    expect(verdict?.answer?.payExchangeInfoHead).toMatchObject({ payTransactionId: o.paymentId, totalAmount: '123.00', currency: '142' });
    expect(JSON.stringify(verdict?.answer)).not.toContain(o.who.number);

    const forged = await t.hutong.server.inject({
      method: 'POST',
      url: '/v1/customs/payment_data_queries',
      payload: { orderNo: o.orderNo, sessionID: 'S', serviceTime: String(t.clock.now().getTime()), signValue: 'AAAA' },
    });
    expect([forged.statusCode, forged.json().code]).toEqual([401, 'customs_query_invalid']);
    const stale = await world.w.customs.window.rawDataQuery(t.hutong.customsDeclarant.copCode, platform.code, o.orderNo, async (query) => {
      const res = await t.hutong.server.inject({
        method: 'POST',
        url: '/v1/customs/payment_data_queries',
        payload: { ...query, serviceTime: String(Number(query.serviceTime) - 10 * 60_000) },
      });
      expect(res.statusCode).toBe(401);
      return null;
    });
    expect(stale?.checks.signature).toBe(false);
  });

  it('receipts: one for a guid Hutong never sent is ignored, one not signed by customs is refused, a repeat applies once', async () => {
    await registerHutong();
    const d = t.hutong.customsDeclarant;
    // A slip saved (appStatus 1, unsigned) under Hutong's code by someone else: customs answers it.
    const guid = newGuid();
    const head = {
      guid,
      appType: '1',
      appTime: cebTime(new Date()),
      appStatus: '1',
      payCode: d.copCode,
      payName: d.copName,
      payTransactionId: 'pay_unknown',
      orderNo: 'X1',
      ebpCode: platform.code,
      ebpName: 'x',
      payerIdType: '1',
      payerIdNumber: residentId('11010519491231002'),
      payerName: 'Li Lei',
      amountPaid: '1.00',
      currency: '142',
      payTime: cebTime(new Date()),
    };
    const xml = cebMessage('CEB411', guid, headAndList('Payment', 'PaymentHead', head), {
      copCode: d.copCode,
      copName: d.copName,
      dxpMode: 'DXP',
      dxpId: 'X',
      note: '',
    });
    const answer = await fetch(`${world.w.customs.baseUrl}/ceb/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
    });
    const receipt = await answer.text();
    expect(receipt).toContain('<ceb:returnStatus>2</ceb:returnStatus>');
    const push = (body: string) =>
      t.hutong.server.inject({
        method: 'POST',
        url: '/v1/customs/receipts',
        headers: { 'content-type': 'application/xml' },
        payload: body,
      });
    expect((await push(receipt)).json()).toEqual({ outcome: 'unknown_guid' });
    expect((await push(receipt.replace('<ceb:returnStatus>2<', '<ceb:returnStatus>120<'))).json()).toEqual({ outcome: 'bad_signature' });

    const m = await shop();
    const o = await paidOrder(m.key, 10_000);
    const created = await declare(m.key, o);
    await t.hutong.timers.runDue();
    const polled = await fetch(`${world.w.customs.baseUrl}/ceb/receipts?copCode=${d.copCode}&after=0`);
    const mine = ((await polled.json()) as { receipts: { guid: string; return_status: string; xml: string }[] }).receipts.filter(
      (r) => r.guid === created.body.guid,
    );
    const stored = mine.find((r) => r.return_status === '120');
    expect(stored).toBeDefined();
    expect((await push(stored!.xml)).json()).toEqual({ outcome: 'applied' });
    expect((await push(stored!.xml)).json()).toEqual({ outcome: 'duplicate' });
    const got = await t.request('GET', `/v1/customs_declarations/${created.body.id}`, { key: m.key });
    expect(got.body.history.filter((h: { status: string }) => h.status === 'accepted')).toHaveLength(1);
  });
});
