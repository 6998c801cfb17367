import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCardWorld, type CardWorld } from '../../sandbox/card-world/index.js';
import { createReplicaSet, pgServerMissing, type PgNode, type ReplicaSet } from '../support/pg-cluster.js';
import { describeError, http, serverEnv, sleep, startServer, type ServerProcess } from '../support/process.js';
import { freshVisa } from '../safety/world.js';

/**
 * Issue 18 §3: PostgreSQL failover with nothing lost. The test makes a primary and two standbys
 * (synchronous, `ANY 1 (s1, s2)`), starts `hutong start` on the multi-host URL with
 * target_session_attrs=read-write, drives card payments (create + confirm over ISO 8583 to the
 * sandbox card world, which lives in this process so the issuer's books can be read), stops the
 * primary immediately, promotes the standby that received the most WAL and repoints the other one.
 *
 * Why the checks catch a loss or a double charge: each payment uses its own card number, so the
 * issuer's books per card say exactly what was charged. An acknowledged payment missing from the
 * new primary fails the first check; a charge Hutong does not show as succeeded (or shows twice
 * through the ledger) breaks the per-card and the ledger-total comparisons.
 */
const missing = pgServerMissing();
if (missing !== undefined) {
  if (process.env.CI) throw new Error(`PostgreSQL server binaries: ${missing}; CI must run the failover test`);
  console.warn(`\n*** SKIPPING the PostgreSQL failover test: ${missing} (set HUTONG_PG_BIN). ***\n`);
}

const clientsCount = 12;
/** The primary dies once this many payments were acknowledged and at least `loadMsMin` passed. */
const ackedBeforeKillMin = 40;
const loadMsMin = 1_500;
/** After the first payment acknowledged by the new primary, the load goes on this long. */
const loadAfterRecoveryMs = 2_000;
const requestTimeoutMs = 60_000;
/** Must come back well within this (it is the reconnect deadline the server is given, too). */
const windowMsMax = 30_000;
const startTimeoutMs = 120_000;
/**
 * The payment recovery sweep's grace (its default). It must exceed how long a confirm can wait on
 * the database during a failover: the sweep reverses an authorization whose answer is not recorded
 * within the grace without claiming the payment first, so a confirm that records its approval
 * after that would leave a succeeded payment whose authorization was reversed (seen with 2 s).
 */
const recoveryGraceMs = 30_000;
const reconnectMs = 15_000;
const settledWithinMs = recoveryGraceMs + 20_000;

interface Attempt {
  readonly pan: string;
  readonly amount: number;
  readonly sentAt: number;
  id?: string;
  /** When the confirm answered 200 with status succeeded. */
  ackedAt?: number;
  outcome: string;
}

describe.skipIf(missing !== undefined)('PostgreSQL failover under card-payment load', () => {
  let set: ReplicaSet;
  let cards: CardWorld;
  let server: ServerProcess | undefined;
  let key = '';
  let operatorKey = '';

  beforeAll(async () => {
    const t0 = Date.now();
    set = await createReplicaSet({ standbys: 2, synchronousStandbyNames: 'ANY 1 (s1, s2)' });
    const t1 = Date.now();
    await set.query(set.primary, 'create database hutong');
    cards = await startCardWorld({ port: 0 });
    const base = serverEnv({ dialect: 'postgres', url: set.multiHostUrl('hutong') });
    operatorKey = base.operatorKey;
    const env = {
      ...base.env,
      HUTONG_ACQUIRER_HOST: '127.0.0.1',
      HUTONG_ACQUIRER_PORT: String(cards.acquirerPort),
      HUTONG_RECOVERY_GRACE_MS: String(recoveryGraceMs),
      HUTONG_PG_RECONNECT_MS: String(reconnectMs),
    };
    server = await startServer(env, { readyTimeoutMs: startTimeoutMs });
    const merchant = await http(server.url, 'POST', '/v1/merchants', {
      key: base.operatorKey,
      body: { name: 'Failover Ltd', country: 'US', settlement_currency: 'USD' },
    });
    if (merchant.status !== 201) throw new Error(`create merchant: ${merchant.status} ${JSON.stringify(merchant.body)}`);
    key = merchant.body.api_key.secret_key as string;
    console.log(`failover setup: replica set ${t1 - t0} ms, hutong start ${Date.now() - t1} ms`);
  }, 240_000);

  afterAll(async () => {
    await server?.kill().catch(() => undefined);
    await cards?.close().catch(() => undefined);
    await set?.destroy();
  }, 60_000);

  async function pay(url: string, attempt: Attempt): Promise<void> {
    const created = await http(url, 'POST', '/v1/payments', {
      key,
      body: { amount: attempt.amount, currency: 'USD', merchant_order_id: `fo-${randomBytes(4).toString('hex')}` },
      headers: { 'idempotency-key': `create-${attempt.pan}` },
      timeoutMs: requestTimeoutMs,
    });
    if (created.status !== 201) {
      attempt.outcome = `create ${created.status} ${created.body?.code ?? ''}`;
      return;
    }
    attempt.id = created.body.id as string;
    const confirmed = await http(url, 'POST', `/v1/payments/${attempt.id}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: { number: attempt.pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
      headers: { 'idempotency-key': `confirm-${attempt.pan}` },
      timeoutMs: requestTimeoutMs,
    });
    if (confirmed.status === 200 && confirmed.body.status === 'succeeded') {
      attempt.ackedAt = Date.now();
      attempt.outcome = 'succeeded';
    } else {
      attempt.outcome = `confirm ${confirmed.status} ${confirmed.body?.status ?? confirmed.body?.code ?? ''}`;
    }
  }

  async function standbyToPromote(standbys: readonly PgNode[]): Promise<PgNode> {
    let best: { node: PgNode; lsn: bigint } | undefined;
    for (const node of standbys) {
      const lsn = await set.receivedLsn(node);
      if (best === undefined || lsn > best.lsn) best = { node, lsn };
    }
    return (best as { node: PgNode }).node;
  }

  it('loses no acknowledged payment, charges none twice, and verifies the ledger on the new primary', async () => {
    const url = (server as ServerProcess).url;
    const attempts: Attempt[] = [];
    const state = { stop: false, killAt: 0, promotedAt: 0, repointedAt: 0 };
    const acked = () => attempts.filter((a) => a.ackedAt !== undefined);
    const recovered = () => attempts.find((a) => state.killAt > 0 && a.sentAt > state.killAt && a.ackedAt !== undefined);

    const client = async () => {
      while (!state.stop) {
        const attempt: Attempt = { pan: freshVisa(), amount: 100 + Math.floor(Math.random() * 9_900), sentAt: Date.now(), outcome: 'sent' };
        attempts.push(attempt);
        try {
          await pay(url, attempt);
        } catch (error) {
          attempt.outcome = `error ${describeError(error)}`;
          await sleep(50);
        }
      }
    };
    const started = Date.now();
    const clients = Array.from({ length: clientsCount }, client);
    let ackedBeforeKill: Attempt[] = [];
    try {
      while (acked().length < ackedBeforeKillMin || Date.now() - started < loadMsMin) {
        if (Date.now() - started > 60_000) {
          throw new Error(
            `only ${acked().length} payments acknowledged in 60 s: ${attempts.slice(-3).map((a) => a.outcome)}\n${server?.output()}`,
          );
        }
        await sleep(10);
      }
      const old = set.primary;
      ackedBeforeKill = acked();
      state.killAt = Date.now();
      await set.stopImmediate(old);
      const standbys = set.nodes.filter((n) => n !== old);
      const promoted = await standbyToPromote(standbys);
      await set.promote(promoted);
      state.promotedAt = Date.now();
      for (const other of standbys.filter((n) => n !== promoted)) await set.repoint(other, promoted);
      state.repointedAt = Date.now();
      while (recovered() === undefined) {
        if (Date.now() - state.killAt > windowMsMax + requestTimeoutMs) {
          throw new Error(`no payment acknowledged after the failover: ${attempts.slice(-5).map((a) => a.outcome)}\n${server?.output()}`);
        }
        await sleep(10);
      }
      const resumedAt = Date.now();
      while (Date.now() - resumedAt < loadAfterRecoveryMs) await sleep(20);
    } finally {
      state.stop = true;
      await Promise.all(clients);
    }

    const firstAfter = recovered() as Attempt;
    const windowMs = (firstAfter.ackedAt as number) - state.killAt;
    const firstAckMs =
      Math.min(
        ...acked()
          .map((a) => a.ackedAt as number)
          .filter((at) => at > state.killAt),
      ) - state.killAt;
    const outcomes = new Map<string, number>();
    for (const a of attempts) outcomes.set(a.outcome.replace(/pay_\w+|[0-9a-f]{8,}/g, '…'), (outcomes.get(a.outcome) ?? 0) + 1);
    console.log(
      [
        `failover: ${ackedBeforeKill.length} payments acknowledged before the kill, ${acked().length} in all, ${attempts.length} attempted`,
        `  promote ${state.promotedAt - state.killAt} ms after the kill, other standby repointed at ${state.repointedAt - state.killAt} ms`,
        `  first payment acknowledged after the promotion (one that waited through the failover): ${firstAckMs} ms after the kill`,
        `  unavailable window (kill → first payment sent after it acknowledged): ${windowMs} ms`,
        `  outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`,
      ].join('\n'),
    );
    expect(windowMs).toBeLessThan(windowMsMax);

    // 1. Every payment acknowledged before the failover is on the new primary, succeeded.
    const rows = await hutongQuery<{ id: string; status: string }>('select id, status from payments where id = any($1)', [
      ackedBeforeKill.map((a) => a.id),
    ]);
    expect(rows.length).toBe(ackedBeforeKill.length);
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);

    const settleFrom = Date.now();
    // Payments whose answer was lost settle (the recovery sweep reverses what was left in flight).
    const deadline = Date.now() + settledWithinMs;
    let statuses = new Map<string, string>();
    for (;;) {
      const all = await hutongQuery<{ id: string; status: string }>('select id, status from payments');
      statuses = new Map(all.map((r) => [r.id, r.status]));
      if (![...statuses.values()].some((s) => s === 'processing')) break;
      if (Date.now() > deadline) throw new Error(`payments still processing after ${settledWithinMs} ms\n${server?.output()}`);
      await sleep(250);
    }

    // 2. None charged twice: the issuer's books per card against Hutong's payment.
    let issuerTotal = 0n;
    const mismatches: string[] = [];
    for (const a of attempts) {
      const card = cards.cardholder(a.pan);
      const charged = card === undefined ? 0n : card.postedMinor + card.pendingMinor;
      issuerTotal += charged;
      const status = a.id === undefined ? undefined : statuses.get(a.id);
      const expected = status === 'succeeded' ? BigInt(a.amount) : 0n;
      if (charged !== expected)
        mismatches.push(`${a.id ?? '(no payment)'} ${status} ${a.outcome}: issuer ${charged}, expected ${expected}`);
      if (a.ackedAt !== undefined && status !== 'succeeded') mismatches.push(`${a.id} was acknowledged but is ${status}`);
    }
    expect(mismatches).toEqual([]);
    // … and against the ledger: the channel receivable holds exactly what the issuers charged.
    const [receivable] = await hutongQuery<{ total: string | null }>(
      "select sum(debits_posted - credits_posted + debits_pending - credits_pending)::text as total from ledger_accounts where owner_type = 'channel' and code = 'receivable' and currency = 'USD'",
    );
    expect(BigInt(receivable?.total ?? '0')).toBe(issuerTotal);

    // 3. The ledger verifies on the new primary (the operator route runs the checks of `hutong ledger verify`).
    const checkedAt = Date.now();
    const verify = await http((server as ServerProcess).url, 'POST', '/v1/ledger/verify', { key: operatorKey, timeoutMs: 120_000 });
    console.log(`failover checks: settle + books ${checkedAt - settleFrom} ms, ledger verify ${Date.now() - checkedAt} ms`);
    expect(verify.status, JSON.stringify(verify.body)).toBe(200);
    expect(verify.body.ok, JSON.stringify(verify.body.checks)).toBe(true);
    expect(verify.body.counts.entries).toBeGreaterThanOrEqual(acked().length);
  }, 300_000);

  async function hutongQuery<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]> {
    return set.query<R>({ ...set.primary, url: () => set.primary.url('hutong') }, text, values);
  }
});
