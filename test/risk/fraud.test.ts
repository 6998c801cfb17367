import { authenticator } from 'otplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { http } from '../support/process.js';
import { describeEachStore } from '../support/stores.js';
import { freshVisa, startSafetyWorld, type SafetyWorld } from '../safety/world.js';

/**
 * Fraud rules over the real server and a sandbox card world: a velocity rule sends a card's third
 * payment within the hour to review (exactly, under concurrency), the merchant cannot capture it,
 * an analyst (role risk, password + TOTP) releases one and cancels another (the issuer agrees),
 * a block rule and the block list refuse before anything reaches the acquirer, a backtest replays
 * a rule over past payments, and support cannot touch rules.
 */
describeEachStore('fraud rules and review holds', (dialect) => {
  let world: SafetyWorld;
  let key = '';
  let analyst = '';
  let support = '';

  beforeAll(async () => {
    world = await startSafetyWorld(dialect);
    key = await world.merchant(`Fraud ${dialect}`);
    const url = world.server.url;
    const session = async (login: string, role: string) => {
      const made = await http(url, 'POST', '/v1/operators', {
        key: world.operatorKey,
        body: { login, name: login, role, password: 'a long enough password' },
      });
      const signed = await http(url, 'POST', '/v1/operator_sessions', {
        body: { login, password: 'a long enough password', code: authenticator.generate(made.body.totp_secret) },
      });
      return signed.body.token as string;
    };
    analyst = await session('analyst', 'risk');
    support = await session('helpdesk', 'support');
  }, 180_000);
  afterAll(async () => world?.close());

  async function pay(pan: string, amount: number, metadata: Record<string, string> = {}) {
    const url = world.server.url;
    const created = await http(url, 'POST', '/v1/payments', {
      key,
      body: { amount, currency: 'USD', merchant_order_id: `o-${Math.random()}`, metadata },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return http(url, 'POST', `/v1/payments/${created.body.id}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
    }).then((r) => ({ ...r, id: created.body.id as string }));
  }

  it('velocity sends the third payment of a card in an hour to review; analyst releases or cancels; the merchant cannot capture', async () => {
    const url = world.server.url;
    const velocity = {
      name: 'card used 3+ times in an hour',
      action: 'review',
      status: 'enabled',
      conditions: {
        all: [
          {
            fact: 'velocity',
            params: { dimension: 'card', window_minutes: 60, measure: 'count' },
            operator: 'greaterThanInclusive',
            value: 3,
          },
        ],
      },
    };
    expect((await http(url, 'POST', '/v1/risk/rules', { key: support, body: velocity })).status).toBe(403);
    const bad = await http(url, 'POST', '/v1/risk/rules', {
      key: analyst,
      body: { ...velocity, conditions: { all: [{ fact: 'amount', operator: 'nope', value: 1 }] } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('risk_rule_invalid');
    const rule = await http(url, 'POST', '/v1/risk/rules', { key: analyst, body: velocity });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);

    // Five concurrent payments on one fresh card: counts 1..5 exactly, so exactly three held.
    const pan = freshVisa();
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => pay(pan, 1_000)));
    const statuses = answers.map((a) => a.body.status as string).sort();
    expect(statuses).toEqual(['requires_capture', 'requires_capture', 'requires_capture', 'succeeded', 'succeeded']);
    const held = answers.filter((a) => a.body.status === 'requires_capture').map((a) => a.id);

    const open = (await http(url, 'GET', '/v1/risk/reviews?status=open', { key: analyst })).body.data as { payment: string }[];
    expect(open.map((r) => r.payment).sort()).toEqual([...held].sort());
    const decisions = (await http(url, 'GET', `/v1/risk/decisions?payment=${held[0]}`, { key: analyst })).body.data;
    expect(decisions[0]).toMatchObject({ action: 'review', fired: [{ id: rule.body.id, version: 1, name: velocity.name }] });

    const capture = await http(url, 'POST', `/v1/payments/${held[0]}/capture`, { key, body: {} });
    expect(capture.status).toBe(409);
    expect(capture.body.code).toBe('risk_review_pending');

    // Two analysts' decisions at once: one wins, the other is 409.
    const decide = (id: string, decision: string) =>
      http(url, 'POST', `/v1/risk/reviews/${id}/decision`, { key: analyst, body: { decision, reason: 'customer confirmed by phone' } });
    const both = await Promise.all([decide(held[0] as string, 'release'), decide(held[0] as string, 'release')]);
    expect(both.map((b) => b.status).sort()).toEqual([200, 409]);
    expect((await http(url, 'GET', `/v1/payments/${held[0]}`, { key })).body).toMatchObject({
      status: 'succeeded',
      amount_captured: 1_000,
    });

    const canceled = await decide(held[1] as string, 'cancel');
    expect(canceled.body).toMatchObject({ status: 'canceled', analyst: 'operator:analyst' });
    expect((await http(url, 'GET', `/v1/payments/${held[1]}`, { key })).body.status).toBe('canceled');
    expect((await decide(held[1] as string, 'release')).status).toBe(409);

    // The issuer agrees: three captured (two at once, one released), one reversed, one still authorized.
    const card = world.cards.cardholder(pan);
    expect(card?.postedMinor).toBe(3_000n);
    expect(card?.pendingMinor).toBe(1_000n);
    expect((await http(url, 'POST', '/v1/ledger/verify', { key: world.operatorKey })).body.ok).toBe(true);

    await http(url, 'PATCH', `/v1/risk/rules/${rule.body.id}`, { key: analyst, body: { status: 'disabled' } });
    const log = (await http(url, 'GET', '/v1/audit_log?limit=200', { key: world.operatorKey })).body.data as Record<string, unknown>[];
    expect(log.find((r) => r.action === 'POST /v1/risk/reviews/:payment/decision' && r.target === held[0])).toMatchObject({
      actor: 'operator:analyst',
      target: held[0],
      before: { status: 'open' },
      after: { status: 'released' },
    });
    expect(log.find((r) => r.action === 'PATCH /v1/risk/rules/:id')).toMatchObject({
      before: { version: 1, status: 'enabled' },
      after: { version: 2, status: 'disabled' },
    });
  }, 240_000);

  it('a block rule and the block list refuse before the acquirer; a backtest replays a rule over past payments', async () => {
    const url = world.server.url;
    await new Promise((r) => setTimeout(r, 2_100)); // the rules cache (2 s) sees the disabled velocity rule
    const block = await http(url, 'POST', '/v1/risk/rules', {
      key: analyst,
      body: {
        name: 'very large payment',
        action: 'block',
        conditions: { all: [{ fact: 'amount', operator: 'greaterThanInclusive', value: 900_000 }] },
      },
    });
    expect(block.body).toMatchObject({ status: 'draft', version: 1 });
    const enabled = await http(url, 'PATCH', `/v1/risk/rules/${block.body.id}`, { key: analyst, body: { status: 'enabled' } });
    expect(enabled.body).toMatchObject({ status: 'enabled', version: 2 });
    await new Promise((r) => setTimeout(r, 2_100));
    const pan = freshVisa();
    const refused = await pay(pan, 950_000);
    expect(refused.status).toBe(402);
    expect(refused.body.code).toBe('risk_payment_blocked');
    expect((await http(url, 'GET', `/v1/payments/${refused.id}`, { key })).body.status).toBe('requires_payment_method');
    expect(world.cards.cardholder(pan)?.pendingMinor ?? 0n).toBe(0n);
    expect((await pay(pan, 5_000)).body.status).toBe('succeeded');

    await http(url, 'POST', '/v1/risk/list_items', {
      key: analyst,
      body: { kind: 'email', value: 'Mallory@example.com', list: 'block', reason: 'chargebacks' },
    });
    const listed = await pay(freshVisa(), 2_000, { email: 'mallory@example.com' });
    expect(listed.body.code).toBe('risk_payment_blocked');
    expect(listed.body.detail).toContain('block list (email)');

    const backtest = await http(url, 'POST', '/v1/risk/rules/backtest', {
      key: analyst,
      body: { action: 'review', conditions: { all: [{ fact: 'amount', operator: 'greaterThanInclusive', value: 2_000 }] } },
    });
    expect(backtest.status, JSON.stringify(backtest.body)).toBe(200);
    // Past payments at or above 2,000: the 950,000 one (blocked), the 5,000 one, the blocked 2,000 one.
    expect(backtest.body.matched).toBe(3);
    expect(backtest.body.evaluated).toBeGreaterThanOrEqual(8);
    expect(backtest.body.matched_by_status).toMatchObject({ succeeded: 1, requires_payment_method: 2 });
  }, 240_000);
});
