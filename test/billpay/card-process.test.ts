import { afterAll, beforeAll, expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import {
  billerSignature,
  charityProjects,
  electricityAccounts,
  sandboxBillerNames,
  startBillerWorld,
  type BillerWorld,
  type SandboxBillerName,
} from '../../sandbox/billers/index.js';
import { http, runCli, serverEnv, sleep, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';
import { sandboxBillerBodies } from './support.js';

/**
 * Bills paid by card against the real `hutong start` (its in-process sandbox card world, the
 * billers in this test process): concurrent payers of one bill, retries under one key, hostile
 * input, a refusal refunded to the card, and kill -9 while a card-funded posting is unanswered.
 * Every time: one card charge per bill payment, the biller books it once, the ledger verifies.
 */
const approved = testCardFor('visa', 'approved').pan;
const card = { type: 'card', card: { number: approved, exp_month: 12, exp_year: 2030, cvc: '123' } };
const waitMsMax = 30_000;

describeEachStore('bill payment by card over HTTP: races, retries, hostile input, kill -9', (dialect) => {
  let world: BillerWorld;
  let env: Record<string, string> = {};
  let drop: () => Promise<void> = async () => undefined;
  const servers: ServerProcess[] = [];
  let appKey = '';
  let otherKey = '';
  const billers = {} as Record<SandboxBillerName, string>;
  const server = () => servers.at(-1) as ServerProcess;
  const start = async () => {
    servers.push(await startServer(env, { readyTimeoutMs: 150_000 }));
    return server();
  };
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>, key = appKey) =>
    http(server().url, method, path, { key, body, headers, timeoutMs: 30_000 });
  const customer = async () => (await call('POST', '/v1/customers', { name: '王芳' })).body.id as string;
  const mode = async (name: SandboxBillerName, value: string, slowMs?: number) =>
    (await fetch(`${world.urls[name]}/_sandbox/mode`, { method: 'POST', body: JSON.stringify({ mode: value, slow_ms: slowMs }) })).text();
  /** The card payments (src/payments) behind one bill payment. */
  const cardPaymentsOf = async (billPaymentId: string) => {
    const list = await call('GET', '/v1/payments?limit=100');
    return (list.body.data as { id: string; status: string; metadata: Record<string, string> }[]).filter(
      (p) => p.metadata.bill_payment === billPaymentId,
    );
  };
  const bookedAtBiller = async (name: SandboxBillerName, reference: string): Promise<number> => {
    const path = `/eod/${new Date().toISOString().slice(0, 10)}`;
    const timestamp = String(Date.now());
    const res = await fetch(`${world.urls[name]}${path}`, {
      headers: { 'x-hutong-timestamp': timestamp, 'x-hutong-signature': billerSignature(world.keys[name], timestamp, 'GET', path, '') },
    });
    return (await res.text()).split('\n').filter((line) => line.startsWith(`${reference},`)).length;
  };
  const settled = async (id: string) => {
    for (const deadline = Date.now() + waitMsMax; Date.now() < deadline; await sleep(150)) {
      const res = await call('GET', `/v1/bill_payments/${id}`);
      if (['accepted', 'refunded', 'failed'].includes(res.body?.status)) return res.body;
    }
    throw new Error(`bill payment ${id} was not settled in ${waitMsMax} ms`);
  };

  beforeAll(async () => {
    world = await startBillerWorld({});
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    const base = serverEnv(fresh.store);
    env = {
      ...base.env,
      HUTONG_BILLERS: sandboxBillerNames.map((name) => `${name}=${world.urls[name]}`).join(','),
      HUTONG_BILLER_TIMEOUT_MS: '3000',
      HUTONG_BILLPAY_POSTING_GRACE_MS: '1500',
      HUTONG_BILLPAY_SWEEP_MS: '200',
      HUTONG_BILLPAY_RECHECK_MS: '200',
    };
    await start();
    const merchant = async (name: string) => {
      const res = await http(server().url, 'POST', '/v1/merchants', {
        key: base.operatorKey,
        body: { name, country: 'CN', settlement_currency: 'CNY' },
      });
      return { id: res.body.id as string, key: res.body.api_key.secret_key as string };
    };
    appKey = (await merchant('Wallet app')).key;
    otherKey = (await merchant('Another app')).key;
    const billerMerchant = await merchant('Billers');
    const bodies = sandboxBillerBodies(
      Object.fromEntries(sandboxBillerNames.map((n) => [n, billerMerchant.id])) as Record<SandboxBillerName, string>,
    );
    for (const name of ['electricity', 'charity'] as const) {
      const registered = await http(server().url, 'POST', '/v1/billers', { key: base.operatorKey, body: bodies[name] });
      expect(registered.status).toBe(201);
      billers[name] = registered.body.id;
    }
  }, 300_000);

  afterAll(async () => {
    for (const s of servers) await s.kill();
    await world?.close();
    await drop();
  });

  it('eight payers race for one electricity bill by card: one is charged and accepted, the others lose at the claim', async () => {
    const payer = await customer();
    const bill = await call('POST', '/v1/bills', { biller: billers.electricity, account_number: electricityAccounts.due, customer: payer });
    expect(bill.body.status).toBe('available');
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(
          'POST',
          '/v1/bill_payments',
          { customer: payer, biller: billers.electricity, bill: bill.body.id, amount: 23_456, currency: 'CNY', payment_method: card },
          { 'idempotency-key': `race-${i}` },
        ),
      ),
    );
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(1);
    expect(won[0]?.body).toMatchObject({ status: 'accepted', funding: 'card' });
    for (const lost of answers.filter((a) => a.status !== 201)) expect(lost.body.code).toBe('bill_already_paid');
    const charges = await cardPaymentsOf(won[0]?.body.id);
    expect(charges.map((c) => c.status)).toEqual(['succeeded']);
    expect(await bookedAtBiller('electricity', won[0]?.body.id)).toBe(1);
  }, 120_000);

  it('five retries under one key at once: one bill payment, one card charge, booked once', async () => {
    const payer = await customer();
    const body = {
      customer: payer,
      biller: billers.charity,
      account_number: charityProjects.open,
      amount: 1_100,
      currency: 'CNY',
      payment_method: card,
    };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => call('POST', '/v1/bill_payments', body, { 'idempotency-key': 'same-key' })),
    );
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size, JSON.stringify(answers.map((a) => [a.status, a.body]))).toBe(1);
    const id = [...ids][0] as string;
    expect((await settled(id)).status).toBe('accepted');
    expect(await cardPaymentsOf(id)).toHaveLength(1);
    expect(await bookedAtBiller('charity', id)).toBe(1);
    // The same key with another amount is a conflict, not a second payment.
    const reused = await call('POST', '/v1/bill_payments', { ...body, amount: 1_200 }, { 'idempotency-key': 'same-key' });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
  }, 120_000);

  it('hostile input is a 400 or 404 problem before any card is charged', async () => {
    const payer = await customer();
    const base = { customer: payer, biller: billers.charity, account_number: charityProjects.open, amount: 1_000, currency: 'CNY' };
    const cases: [unknown, number][] = [
      [{ ...base, payment_method: { type: 'card', card: { ...card.card, number: '4'.repeat(40) } } }, 400],
      [{ ...base, payment_method: { type: 'card', card: { ...card.card, cvc: "1' OR 1=1" } } }, 400],
      [{ ...base, payment_method: { type: 'card', card_id: 'x'.repeat(500) } }, 400],
      [{ ...base, payment_method: { type: 'card', card_id: 'card_nope' } }, 402],
      [{ ...base, amount: -5, payment_method: card }, 400],
      [{ ...base, amount: 1e30, payment_method: card }, 400],
      [{ ...base, currency: 'XXX1', payment_method: card }, 400],
      [{ ...base, account_number: 'P0<script>', payment_method: card }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await call('POST', '/v1/bill_payments', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    // Another merchant's customer does not exist for this merchant.
    const stranger = await call('POST', '/v1/bill_payments', { ...base, payment_method: card }, undefined, otherKey);
    expect(stranger.status).toBe(404);
    const history = await call('GET', `/v1/bill_payments?customer=${payer}`);
    expect(history.body.data.filter((p: { status: string }) => p.status !== 'failed')).toHaveLength(0);
  }, 120_000);

  it('a refused donation by card goes back to the card', async () => {
    const payer = await customer();
    const refused = await call('POST', '/v1/bill_payments', {
      customer: payer,
      biller: billers.charity,
      account_number: charityProjects.closed,
      amount: 900,
      currency: 'CNY',
      payment_method: card,
    });
    expect(refused.body).toMatchObject({ status: 'refunded', card_refund: 'done' });
    const refunds = await call('GET', `/v1/refunds?payment=${refused.body.card_payment}`);
    expect(refunds.body.data.map((r: { amount: number }) => r.amount)).toEqual([900]);
  }, 120_000);

  it('kill -9 while a card-funded posting is unanswered: after the restart it is found at the biller and accepted once', async () => {
    const payer = await customer();
    await mode('charity', 'hang', 2_000);
    const victim = server();
    const body = {
      customer: payer,
      biller: billers.charity,
      account_number: charityProjects.open,
      amount: 1_300,
      currency: 'CNY',
      payment_method: card,
    };
    const inFlight = http(victim.url, 'POST', '/v1/bill_payments', {
      key: appKey,
      body,
      headers: { 'idempotency-key': 'crash-card' },
    }).catch(() => undefined);
    let id: string | undefined;
    for (const deadline = Date.now() + waitMsMax; id === undefined && Date.now() < deadline; await sleep(20)) {
      const list = await http(victim.url, 'GET', `/v1/bill_payments?customer=${payer}&limit=5`, { key: appKey });
      id = (list.body.data as { id: string; status: string }[]).find((p) => p.status === 'posting' || p.status === 'awaiting_biller')?.id;
    }
    expect(id).toBeDefined();
    await victim.kill();
    await inFlight;
    await mode('charity', 'normal');
    await start();
    const after = await settled(id as string);
    expect(after).toMatchObject({ status: 'accepted', funding: 'card' });
    await sleep(2_200); // past the biller's hold: a late first posting cannot book it again
    expect(await bookedAtBiller('charity', id as string)).toBe(1);
    expect(await cardPaymentsOf(id as string)).toHaveLength(1);
    await server().kill();
    const verify = await runCli(['ledger', 'verify'], env, 120_000);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 400_000);
});
