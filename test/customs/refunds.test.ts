import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { platform, startCustomsWorld, type CustomsWorld } from '../../sandbox/customs/index.js';
import { http, serverEnv, sleep, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';

/**
 * Refunds of declared payments, over HTTP against `hutong start` in a second process and the
 * customs sandbox (docs/customs.md "Refunds"): a full refund withdraws the slip (appType 3), a
 * partial one changes it (appType 2), released goods refuse the refund, an unanswered declaration
 * holds it, and concurrent refunds of one declared payment make one withdrawal.
 */
/** A resident ID number with its ISO 7064 MOD 11-2 check character (GB 11643). */
function residentId(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * (weights[i] as number), 0);
  return first17 + '10X98765432'.charAt(sum % 11);
}

describeEachStore('customs: refunds of declared payments (second process)', (dialect) => {
  let world: CustomsWorld;
  let drop: () => Promise<void> = async () => undefined;
  let dir: string;
  let server: ServerProcess;
  let key = '';
  const partner = async (path: string, body: unknown) => {
    const res = await fetch(`${world.partners.baseUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as { return_status: string };
  };
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    http(server.url, method, path, { key, body, headers, timeoutMs: 30_000 });
  let n = 0;

  beforeAll(async () => {
    world = await startCustomsWorld();
    dir = mkdtempSync(join(tmpdir(), 'hutong-customs-refunds-'));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(join(dir, 'hutong.key'), privateKeyPem);
    writeFileSync(join(dir, 'customs.pub'), world.customs.certificate.publicKeyPem);
    const registered = await fetch(`${world.customs.baseUrl}/ceb/declarants`, {
      method: 'POST',
      body: JSON.stringify({
        copCode: '110196000T',
        copName: 'Hutong',
        certNo: 'HUTONG-CUSTOMS-01',
        publicKeyPem: createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString(),
      }),
    });
    expect(registered.status).toBe(201);
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    const config = serverEnv(fresh.store);
    server = await startServer(
      {
        ...config.env,
        HUTONG_CUSTOMS_URL: world.customs.baseUrl,
        HUTONG_CUSTOMS_KEY_FILE: join(dir, 'hutong.key'),
        HUTONG_CUSTOMS_PUBLIC_KEY_FILE: join(dir, 'customs.pub'),
      },
      // The machine is shared and loaded: a start may take well over 30 s.
      { readyTimeoutMs: 120_000 },
    );
    const m = await http(server.url, 'POST', '/v1/merchants', {
      key: config.operatorKey,
      body: { name: 'Mall', country: 'CN', settlement_currency: 'CNY' },
    });
    key = m.body.api_key.secret_key as string;
    expect(
      (await api('POST', '/v1/customs/registrations', { customs_office: '0101', ebp_code: platform.code, ebp_name: 'Mall' })).status,
    ).toBe(200);
  }, 400_000);

  afterAll(async () => {
    await server?.kill();
    await world?.close();
    await drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** A paid CNY import order and its declaration, accepted by customs (120). */
  async function declared(amount: number, options: { accept?: boolean } = {}) {
    n++;
    const idNumber = residentId(`11010519491231${String(n).padStart(2, '0')}${dialect === 'sqlite' ? 1 : 2}`);
    const c = await api('POST', '/v1/customers', { name: 'Li Lei', identity: { type: 'resident_id', number: idNumber } });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    await api('POST', `/v1/customers/${c.body.id}/top_ups`, { amount, currency: 'CNY' });
    const p = await api('POST', '/v1/payments', {
      amount,
      currency: 'CNY',
      merchant_order_id: `refund-${n}`,
      customer: c.body.id,
      import_order: { payer_name: 'Li Lei', id_type: 'resident_id', id_number: idNumber },
    });
    const paid = await api('POST', `/v1/payments/${p.body.id}/confirm`, { payment_method: { type: 'wallet', customer: c.body.id } });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    const orderNo = `SO-REFUND-${dialect}-${n}`;
    const d = await api('POST', '/v1/customs_declarations', {
      payment: p.body.id,
      customs_office: '0101',
      order_no: orderNo,
      payer: { name: 'Li Lei', id_type: 'resident_id', id_number: idNumber },
    });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    if (options.accept !== false) expect((await until(d.body.id, ['accepted'])).status).toBe('accepted');
    return { paymentId: p.body.id as string, declarationId: d.body.id as string, orderNo, idNumber };
  }

  async function until(id: string, statuses: string[]) {
    let got = (await api('GET', `/v1/customs_declarations/${id}`)).body;
    for (let i = 0; i < 150 && !statuses.includes(got.status); i++) {
      await sleep(100);
      got = (await api('GET', `/v1/customs_declarations/${id}`)).body;
    }
    return got as {
      status: string;
      app_type: string;
      amount: number;
      version: number;
      history: { status: string; return_info: string | null }[];
    };
  }

  it('a full refund withdraws the slip (appType 3): refund succeeds, declaration withdrawn, customs holds no slip', async () => {
    const o = await declared(20_000);
    expect(world.customs.window.paymentFor(platform.code, o.orderNo)).toBeDefined();
    const r = await api('POST', '/v1/refunds', { payment: o.paymentId });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.status).toBe('succeeded');
    const d = await until(o.declarationId, ['withdrawn', 'failed']);
    expect(d.status).toBe('withdrawn');
    expect(d.app_type).toBe('3');
    expect(d.history.map((h) => h.status)).toEqual(['pending', 'submitted', 'accepted', 'withdrawing', 'withdrawn']);
    expect(world.customs.window.paymentFor(platform.code, o.orderNo), 'customs withdrew the slip').toBeUndefined();
    // Nothing is left to declare: a modify (re-declare) of the withdrawn slip is refused.
    const again = await api('POST', `/v1/customs_declarations/${o.declarationId}/modify`, {});
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('customs_split_exceeds_payment');
  }, 120_000);

  it('a partial refund changes the slip to what is left (appType 2), which customs stores', async () => {
    const o = await declared(30_000);
    const r = await api('POST', '/v1/refunds', { payment: o.paymentId, amount: 12_000 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const d = await until(o.declarationId, ['accepted', 'failed', 'returned']);
    expect(d.status).toBe('accepted');
    expect(d.version).toBe(2);
    expect(d.app_type).toBe('2');
    expect(d.amount).toBe(18_000);
    expect(world.customs.window.paymentFor(platform.code, o.orderNo)?.amountPaid).toBe('180.00');
  }, 120_000);

  it('goods customs released: the refund is refused with a clear reason, nothing moves', async () => {
    const o = await declared(25_000);
    const consignee = { name: 'Li Lei', address: '北京市东城区东四胡同1号' };
    const buyer = { name: 'Li Lei', id_number: o.idNumber };
    await partner('/platform/orders', {
      order_no: o.orderNo,
      goods_value: 24_000,
      freight: 1_000,
      tax_total: 0,
      discount: 0,
      buyer,
      consignee,
      pay_code: '110196000T',
      pay_transaction_id: o.paymentId,
    });
    await partner('/carrier/waybills', { order_no: o.orderNo, logistics_no: `YT${o.orderNo}`, freight: 1_000, consignee });
    await partner('/carrier/inventories', { order_no: o.orderNo, logistics_no: `YT${o.orderNo}`, buyer, freight: 1_000 });
    await sleep(50);
    expect(world.customs.window.inventory(platform.code, o.orderNo)?.status).toBe('released');
    const r = await api('POST', '/v1/refunds', { payment: o.paymentId, amount: 5_000 });
    expect(r.status).toBe(409);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body.code).toBe('customs_refund_after_release');
    const p = await api('GET', `/v1/payments/${o.paymentId}`);
    expect(p.body.amount_refunded).toBe(0);
    expect((await until(o.declarationId, ['accepted'])).version).toBe(1);
  }, 120_000);

  it('customs has not answered yet: the refund is held (409), and goes through once customs answers', async () => {
    world.customs.setDown(true);
    const o = await declared(10_000, { accept: false });
    const key = { 'idempotency-key': `held-${dialect}` };
    const held = await api('POST', '/v1/refunds', { payment: o.paymentId }, key);
    expect(held.status).toBe(409);
    expect(held.body.code).toBe('customs_refund_held');
    expect(held.headers.get('retry-after')).not.toBeNull();
    // "Try again later" is not the outcome: the same key asks again (no replay) while customs is silent…
    const again = await api('POST', '/v1/refunds', { payment: o.paymentId }, key);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('customs_refund_held');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect((await api('GET', `/v1/payments/${o.paymentId}`)).body.amount_refunded).toBe(0);
    world.customs.setDown(false);
    expect((await until(o.declarationId, ['accepted'])).status).toBe('accepted');
    // …and once customs answered, the retry with the same key refunds; a further retry replays that refund.
    const later = await api('POST', '/v1/refunds', { payment: o.paymentId }, key);
    expect(later.status, JSON.stringify(later.body)).toBe(201);
    const replayed = await api('POST', '/v1/refunds', { payment: o.paymentId }, key);
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body.id).toBe(later.body.id);
    expect((await until(o.declarationId, ['withdrawn'])).status).toBe('withdrawn');
  }, 120_000);

  it('concurrent refunds of one declared payment: what is refunded never exceeds the payment, one withdrawal reaches customs', async () => {
    const o = await declared(40_000);
    const before = world.customs.messagesReceived();
    const tries = await Promise.all(
      Array.from({ length: 6 }, (_, i) => api('POST', '/v1/refunds', { payment: o.paymentId, amount: i % 2 === 0 ? 40_000 : 25_000 })),
    );
    const ok = tries.filter((t) => t.status === 201);
    for (const t of tries) expect([201, 409, 422]).toContain(t.status);
    const refunded = ok.reduce((sum, t) => sum + (t.body.amount as number), 0);
    expect(refunded).toBeLessThanOrEqual(40_000);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    const p = await api('GET', `/v1/payments/${o.paymentId}`);
    expect(p.body.amount_refunded).toBe(refunded);
    const d = await until(o.declarationId, ['withdrawn', 'accepted', 'failed']);
    // One refund won: it withdrew (full) or changed (partial) the slip, once; customs' slip agrees.
    expect(d.version).toBe(2);
    if (refunded === 40_000) expect(d.status).toBe('withdrawn');
    else expect(world.customs.window.paymentFor(platform.code, o.orderNo)?.amountPaid).toBe(((40_000 - refunded) / 100).toFixed(2));
    expect(world.customs.messagesReceived() - before).toBe(1);
  }, 120_000);

  it('hostile input: a refund of someone else’s or an unknown payment, a negative amount — clear problems, nothing declared changes', async () => {
    const bad = await api('POST', '/v1/refunds', { payment: 'pay_nope', amount: 100 });
    expect(bad.status).toBe(404);
    const negative = await api('POST', '/v1/refunds', { payment: 'pay_nope', amount: -5 });
    expect(negative.status).toBe(400);
    expect(negative.headers.get('content-type')).toContain('application/problem+json');
  }, 60_000);
});
