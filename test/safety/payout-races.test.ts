import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandboxBank, type SandboxBank } from '../../sandbox/bank/bank.js';
import { http, mapPool, runCli, sleep } from '../support/process.js';
import { describeEachStore } from '../support/stores.js';
import { freshVisa, startSafetyWorld, type SafetyWorld } from './world.js';

/**
 * The payout claim under races (issue 12): a started `hutong` paid by card, its settlement runs and
 * payout runs requested several at once (different operator cut-offs, and retries under one
 * Idempotency-Key), rounds after rounds. Whatever interleaves, the bank pays each payout once, never
 * more than the merchant earned, every payout ends `paid`, and `hutong ledger verify` passes.
 */
const rounds = 3;
const paymentsPerRound = 3;
const amountMinor = 3_000;

describeEachStore('payouts racing on one merchant balance over HTTP', (dialect) => {
  let world: SafetyWorld;
  let bank: SandboxBank;
  let key = '';
  let merchantId = '';
  beforeAll(async () => {
    bank = await startSandboxBank({});
    world = await startSafetyWorld(dialect, { HUTONG_BANK_URL: bank.baseUrl });
    const created = await http(world.server.url, 'POST', '/v1/merchants', {
      key: world.operatorKey,
      body: { name: `Payout races ${dialect}`, country: 'CN', settlement_currency: 'USD' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    key = created.body.api_key.secret_key as string;
    merchantId = created.body.id as string;
    const account = await http(world.server.url, 'POST', '/v1/bank_accounts', {
      key,
      body: { currency: 'USD', holder_name: 'Payout Races Ltd', iban: 'DE89 3704 0044 0532 0130 00' },
    });
    expect(account.status, JSON.stringify(account.body)).toBe(201);
  }, 180_000);
  afterAll(async () => {
    await world?.close();
    await bank?.close();
  });

  async function pay(order: string): Promise<void> {
    const { url } = world.server;
    const created = await http(url, 'POST', '/v1/payments', {
      key,
      body: { amount: amountMinor, currency: 'USD', merchant_order_id: order },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const confirmed = await http(url, 'POST', `/v1/payments/${created.body.id}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: { number: freshVisa(), exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('succeeded');
  }

  const operator = (idempotencyKey?: string) => ({
    key: world.operatorKey,
    headers: (idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) as Record<string, string>,
    timeoutMs: 60_000,
  });

  async function allPayouts(): Promise<{ id: string; amount: number; status: string; settlement: string }[]> {
    const out: { id: string; amount: number; status: string; settlement: string }[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await http(world.server.url, 'GET', `/v1/payouts?limit=100${cursor === undefined ? '' : `&cursor=${cursor}`}`, { key });
      expect(page.status).toBe(200);
      out.push(...page.body.data);
      if (!page.body.has_more) return out;
      cursor = page.body.next_cursor as string;
    }
  }

  it(`pays each payout once across ${rounds} rounds of racing settlement and payout runs`, async () => {
    let earned = 0;
    let paidSoFar = 0;
    const statementPayouts = new Map<string, number>();
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < paymentsPerRound; i++) await pay(`po-race-${round}-${i}`);
      earned += paymentsPerRound * amountMinor;
      await sleep(30);
      const now = Date.now();
      // Three operator cut-offs at once, each retried under one key, plus two default runs.
      const cuts = [now - 20, now - 10, now - 1].map((t) => new Date(t).toISOString());
      const settlementRequests = [
        ...cuts.flatMap((cut, i) => [0, 1].map(() => ({ key: `stl-${round}-${i}`, body: { merchant: merchantId, window_end: cut } }))),
        { key: undefined, body: { merchant: merchantId, window_end: cuts[2] } },
        { key: undefined, body: { merchant: merchantId, window_end: cuts[1] } },
      ];
      const settled = await Promise.all(
        settlementRequests.map((r) => http(world.server.url, 'POST', '/v1/operator/settlement_runs', { ...operator(r.key), body: r.body })),
      );
      for (const answer of settled) {
        expect([200, 409], JSON.stringify(answer.body)).toContain(answer.status);
        if (answer.status === 409) expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        for (const s of answer.status === 200 ? (answer.body.statements as { id: string; payout_amount: number }[]) : [])
          statementPayouts.set(s.id, s.payout_amount);
      }
      // Four payout runs at once, two of them one retried request; in the middle round the server
      // is killed (kill -9) while they run, and restarted.
      const running = mapPool([`por-${round}`, `por-${round}`, undefined, undefined], 4, (k) =>
        http(world.server.url, 'POST', '/v1/operator/payout_runs', operator(k)).catch(() => undefined),
      );
      if (round === 1) {
        await sleep(15);
        await world.restart();
      }
      for (const answer of await running)
        if (answer !== undefined) expect([200, 409], JSON.stringify(answer.body)).toContain(answer.status);
      // A last quiet run answers whatever a racing (or killed) run left unanswered.
      const last = await http(world.server.url, 'POST', '/v1/operator/payout_runs', operator());
      expect(last.status, JSON.stringify(last.body)).toBe(200);
      expect(last.body.waiting).toBe(0);

      const payouts = await allPayouts();
      const paidTotal = payouts.reduce((sum, p) => sum + p.amount, 0);
      // Each payout once: every one paid (a second execution would be a DUPL rejection: failed).
      expect(payouts.map((p) => p.status)).toEqual(payouts.map(() => 'paid'));
      expect(new Set(payouts.map((p) => p.settlement)).size).toBe(payouts.length);
      // What left the bank is exactly what Hutong says it paid, and never more than was earned.
      expect(-(bank.balance('HUTONG-RESERVE-USD') ?? 0n)).toBe(BigInt(paidTotal));
      expect(paidTotal).toBeLessThanOrEqual(earned);
      expect(paidTotal).toBeGreaterThan(0);
      const statementTotal = [...statementPayouts.values()].reduce((sum, n) => sum + n, 0);
      expect(statementTotal).toBe(paidTotal);
      paidSoFar = paidTotal;
    }
    // The merchant's balance agrees: nothing left in payout; what is left to settle plus what was
    // paid is at most what the cards paid (fees are the difference).
    const balance = await http(world.server.url, 'GET', '/v1/balance', { key });
    const usd = (balance.body.data as { currency: string; in_payout: number; pending_settlement: number }[]).find(
      (b) => b.currency === 'USD',
    );
    expect(usd?.in_payout).toBe(0);
    expect(usd?.pending_settlement).toBeGreaterThanOrEqual(0);
    expect((usd?.pending_settlement ?? 0) + paidSoFar).toBeLessThanOrEqual(earned);
    const verify = await runCli(['ledger', 'verify'], world.env, 60_000);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 300_000);
});
