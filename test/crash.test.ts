import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeError, http, mapPool, runCli, serverEnv, sleep, startServer, type ServerProcess } from './support/process.js';
import { describeEachStore, freshStore } from './support/stores.js';

/**
 * Crash safety: a `kill -9` of the real server in the middle of a transfer load
 * loses no acknowledged transfer, and after a restart the ledger verifies, money is conserved, and a
 * client retrying the requests it got no answer to (same Idempotency-Key, same body) completes each
 * of them exactly once.
 *
 * Why these checks catch a lost or doubled transfer: every request ends in exactly one of three
 * lists (acknowledged, unknown, rejected). An acknowledged transfer that did not survive fails the
 * GET (404) and the id-set comparison; a retry that moved money a second time makes the transfer
 * count exceed acknowledged + recovered and breaks the exact per-customer balances, which are
 * recomputed from our own records of every transfer.
 */

const customersCount = 20;
const loopsCount = 32;
/** ¥1,000,000 each: no run of this length can overdraw a wallet, so every transfer must succeed. */
const topUpMinor = 100_000_000;
const transferMinorMax = 1_000;
/** The kill comes after a random time in this window, once this many transfers were acknowledged. */
const loadMsMin = 300;
const loadMsMax = 800;
const ackedBeforeKillMin = 25;
/** Bounds for a slow store: reaching `ackedBeforeKillMin`, and any single request under load. */
const loadTimeoutMs = 40_000;
const requestTimeoutMs = 60_000;
const listPagesMax = 1_000;
/** Past this many non-201 answers the load stops at once (the first test reports them). */
const rejectedBeforeKillMax = 100;

interface TransferBody {
  readonly source: string;
  readonly destination: string;
  readonly amount: number;
  readonly currency: 'CNY';
}

interface TransferRequest {
  readonly key: string;
  readonly body: TransferBody;
}

interface Acknowledged extends TransferRequest {
  readonly id: string;
}

interface Unknown extends TransferRequest {
  readonly error: string;
}

interface Rejected extends TransferRequest {
  readonly status: number;
  readonly response: unknown;
}

interface Recovered extends Acknowledged {
  readonly replayed: boolean;
}

interface MovementJson {
  readonly id: string;
  readonly object: string;
  readonly source: string | null;
  readonly destination: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly status: string;
}

describeEachStore('kill -9 under transfer load', (dialect) => {
  const servers: ServerProcess[] = [];
  let drop: () => Promise<void> = async () => undefined;
  let env: Record<string, string> = {};
  let merchantKey = '';
  let restarted: ServerProcess;
  const customers: string[] = [];
  const topUps = new Map<string, number>();
  const acked: Acknowledged[] = [];
  const unknown: Unknown[] = [];
  const rejected: Rejected[] = [];
  let killedAfterMs = 0;
  /** Transfers in the store after the restart, before any retry. */
  let transfersAfterRestart: MovementJson[] = [];

  const topUpTotal = () => [...topUps.values()].reduce((a, b) => a + b, 0);

  async function seed(url: string, operatorKey: string): Promise<void> {
    const merchant = await http(url, 'POST', '/v1/merchants', {
      key: operatorKey,
      body: { name: `Crash ${dialect}`, country: 'CN', settlement_currency: 'CNY' },
    });
    if (merchant.status !== 201) throw new Error(`create merchant: ${merchant.status} ${JSON.stringify(merchant.body)}`);
    merchantKey = merchant.body.api_key.secret_key as string;
    const ids = await mapPool(
      Array.from({ length: customersCount }, (_, i) => i),
      8,
      async (i) => {
        const customer = await http(url, 'POST', '/v1/customers', { key: merchantKey, body: { name: `Customer ${i}` } });
        if (customer.status !== 201) throw new Error(`create customer: ${customer.status} ${JSON.stringify(customer.body)}`);
        return customer.body.id as string;
      },
    );
    customers.push(...ids);
    await mapPool(customers, 8, async (id, i) => {
      const amount = topUpMinor + i;
      const topUp = await http(url, 'POST', `/v1/customers/${id}/top_ups`, { key: merchantKey, body: { amount, currency: 'CNY' } });
      if (topUp.status !== 201) throw new Error(`top up: ${topUp.status} ${JSON.stringify(topUp.body)}`);
      topUps.set(id, amount);
    });
  }

  function randomTransfer(loop: number, n: number): TransferRequest {
    const from = Math.floor(Math.random() * customersCount);
    const to = (from + 1 + Math.floor(Math.random() * (customersCount - 1))) % customersCount;
    return {
      key: `crash-${loop}-${n}-${randomBytes(6).toString('hex')}`,
      body: {
        source: customers[from]!,
        destination: customers[to]!,
        amount: 1 + Math.floor(Math.random() * transferMinorMax),
        currency: 'CNY',
      },
    };
  }

  /** One client: transfers one after another until a connection error (its outcome is then unknown). */
  async function transferLoop(url: string, loop: number, state: { stop: boolean }): Promise<void> {
    for (let n = 0; !state.stop; n++) {
      const request = randomTransfer(loop, n);
      let response;
      try {
        response = await http(url, 'POST', '/v1/transfers', {
          key: merchantKey,
          body: request.body,
          headers: { 'idempotency-key': request.key },
          timeoutMs: requestTimeoutMs,
        });
      } catch (error) {
        unknown.push({ ...request, error: describeError(error) });
        return;
      }
      if (response.status === 201) acked.push({ ...request, id: response.body.id as string });
      else rejected.push({ ...request, status: response.status, response: response.body });
    }
  }

  /** Runs the load against `target` and SIGKILLs it mid-flight; resolves when every client has stopped. */
  async function loadAndKill(target: ServerProcess): Promise<void> {
    const state = { stop: false };
    let loopsEnded = 0;
    const started = Date.now();
    const killAfterMs = loadMsMin + Math.floor(Math.random() * (loadMsMax - loadMsMin));
    const loops = Array.from({ length: loopsCount }, (_, i) => transferLoop(target.url, i, state).finally(() => loopsEnded++));
    try {
      while (Date.now() - started < killAfterMs || acked.length < ackedBeforeKillMin) {
        if (loopsEnded > 0)
          throw new Error(`a client lost its connection before the kill: ${unknown.map((u) => u.error).join('; ')}\n${target.output()}`);
        if (rejected.length > rejectedBeforeKillMax)
          throw new Error(
            `the server rejected ${rejected.length} transfers under load, e.g. ${JSON.stringify(rejected[0])}\n${target.output()}`,
          );
        if (Date.now() - started > loadTimeoutMs) {
          throw new Error(
            `only ${acked.length} transfers acknowledged in ${loadTimeoutMs} ms; rejected ${rejected.length}, e.g. ${JSON.stringify(rejected[0])}\n${target.output()}`,
          );
        }
        await sleep(5);
      }
      await target.kill();
      killedAfterMs = Date.now() - started;
    } catch (error) {
      // Only on failure: after a successful kill every client stops on its own connection error.
      state.stop = true;
      await target.kill();
      throw error;
    } finally {
      await Promise.all(loops);
    }
  }

  async function listTransfers(url: string): Promise<MovementJson[]> {
    const all: MovementJson[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < listPagesMax; page++) {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const res = await http(url, 'GET', `/v1/transfers?limit=100${query}`, { key: merchantKey });
      if (res.status !== 200) throw new Error(`list transfers: ${res.status} ${JSON.stringify(res.body)}`);
      all.push(...(res.body.data as MovementJson[]));
      cursor = res.body.next_cursor as string | null;
      if (!res.body.has_more) {
        if (cursor !== null) throw new Error('has_more is false but next_cursor is set');
        return all;
      }
      if (cursor === null) throw new Error('has_more is true but next_cursor is null');
    }
    throw new Error(`more than ${listPagesMax} pages of transfers`);
  }

  /** Each customer's CNY posted and available balance. */
  async function balances(url: string): Promise<Map<string, { posted: number; available: number; pending: number }>> {
    const rows = await mapPool(customers, 8, async (id) => {
      const res = await http(url, 'GET', `/v1/customers/${id}/balances`, { key: merchantKey });
      if (res.status !== 200) throw new Error(`balances of ${id}: ${res.status} ${JSON.stringify(res.body)}`);
      const data = res.body.data as { currency: string; posted: number; available: number; pending: number }[];
      expect(
        data.map((b) => b.currency),
        `currencies of ${id}`,
      ).toEqual(['CNY']);
      return [id, data[0]!] as const;
    });
    return new Map(rows);
  }

  async function verifyLedger(): Promise<void> {
    const result = await runCli(['ledger', 'verify', '--json'], env);
    let report: { ok?: unknown; checks?: { name: string; ok: boolean; offenders: string[] }[] } | undefined;
    try {
      report = JSON.parse(result.stdout) as typeof report;
    } catch {
      report = undefined;
    }
    const failed = report?.checks?.filter((c) => !c.ok) ?? [];
    expect(
      report,
      `ledger verify printed no JSON (exit ${result.code}, signal ${result.signal})\n${result.stdout}\n${result.stderr}`,
    ).toBeDefined();
    expect(failed, 'ledger checks that failed').toEqual([]);
    expect(report?.ok).toBe(true);
    expect(result.code, `ledger verify exit code\n${result.stderr}`).toBe(0);
  }

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    const config = serverEnv(fresh.store);
    env = config.env;
    const first = await startServer(env);
    servers.push(first);
    await seed(first.url, config.operatorKey);
    await loadAndKill(first);
    restarted = await startServer(env);
    servers.push(restarted);
  }, 150_000);

  afterAll(async () => {
    try {
      await Promise.allSettled(servers.map((s) => s.kill()));
    } finally {
      await drop();
    }
  });

  it('acknowledges every transfer until the kill, which cuts every client off mid-load', () => {
    expect(rejected, 'transfers answered with something other than 201 before the kill').toEqual([]);
    expect(acked.length, 'transfers acknowledged before the kill').toBeGreaterThanOrEqual(ackedBeforeKillMin);
    // Each client ends on exactly one connection error: its request in flight at the kill, or the next one.
    expect(unknown.length, 'clients cut off by the kill').toBe(loopsCount);
    expect(new Set([...acked, ...unknown].map((t) => t.key)).size).toBe(acked.length + unknown.length);
  });

  it('loses no acknowledged transfer', async () => {
    const problems = await mapPool(acked, 16, async (t) => {
      const res = await http(restarted.url, 'GET', `/v1/transfers/${t.id}`, { key: merchantKey });
      if (res.status !== 200) return `${t.id}: GET answered ${res.status} ${JSON.stringify(res.body)}`;
      const m = res.body as MovementJson;
      const same =
        m.id === t.id &&
        m.object === 'transfer' &&
        m.status === 'succeeded' &&
        m.source === t.body.source &&
        m.destination === t.body.destination &&
        m.amount === t.body.amount &&
        m.currency === 'CNY';
      return same ? undefined : `${t.id}: acknowledged ${JSON.stringify(t.body)}, stored ${JSON.stringify(m)}`;
    });
    expect(
      problems.filter((p) => p !== undefined),
      'acknowledged transfers missing or changed after the restart',
    ).toEqual([]);
  });

  it('holds no transfer beyond the acknowledged ones and those whose answer was lost', async () => {
    const movements = await listTransfers(restarted.url);
    const ids = movements.map((m) => m.id);
    expect(new Set(ids).size, 'paging returned an id twice').toBe(ids.length);
    expect(movements.filter((m) => m.object === 'top_up').length).toBe(customersCount);
    transfersAfterRestart = movements.filter((m) => m.object === 'transfer');
    const stored = new Set(transfersAfterRestart.map((m) => m.id));
    expect(
      acked.filter((t) => !stored.has(t.id)).map((t) => t.id),
      'acknowledged but not listed',
    ).toEqual([]);
    expect(transfersAfterRestart.length, 'transfers stored vs acknowledged').toBeGreaterThanOrEqual(acked.length);
    expect(transfersAfterRestart.length, 'transfers stored vs acknowledged + unknown').toBeLessThanOrEqual(acked.length + unknown.length);
    expect(
      transfersAfterRestart.filter((m) => m.status !== 'succeeded'),
      'transfers not succeeded',
    ).toEqual([]);
  });

  it('restarts to a ledger that verifies', async () => {
    await verifyLedger();
  });

  it('never leaves a wallet negative, and moves money without creating or destroying it', async () => {
    const byCustomer = await balances(restarted.url);
    const negative = [...byCustomer].filter(([, b]) => b.posted < 0 || b.available < 0);
    expect(negative, 'negative wallets').toEqual([]);
    expect(
      [...byCustomer.values()].reduce((sum, b) => sum + b.posted, 0),
      'sum of wallets vs sum of top-ups',
    ).toBe(topUpTotal());
  });

  it('completes each request with an unknown outcome exactly once when the client retries it', { timeout: 120_000 }, async () => {
    const retry = async (t: TransferRequest) => {
      const res = await http(restarted.url, 'POST', '/v1/transfers', {
        key: merchantKey,
        body: t.body,
        headers: { 'idempotency-key': t.key },
        timeoutMs: requestTimeoutMs,
      });
      expect(res.status, `retry of ${t.key}: ${JSON.stringify(res.body)}`).toBe(201);
      const m = res.body as MovementJson;
      expect({ source: m.source, destination: m.destination, amount: m.amount, currency: m.currency, status: m.status }).toEqual({
        ...t.body,
        status: 'succeeded',
      });
      return { id: m.id, replayed: res.headers.get('idempotent-replayed') === 'true' };
    };
    const recovered: Recovered[] = await mapPool(unknown, 8, async (t) => ({ ...t, ...(await retry(t)) }));
    // A second retry of each lands on the same transfer.
    const again = await mapPool(recovered, 8, (t) => retry(t));
    expect(
      again.map((a) => a.id),
      'a second retry answered with another transfer',
    ).toEqual(recovered.map((r) => r.id));

    const ackedIds = new Set(acked.map((t) => t.id));
    const recoveredIds = new Set(recovered.map((t) => t.id));
    expect(recoveredIds.size, 'two unknown requests landed on one transfer').toBe(recovered.length);
    expect(
      [...recoveredIds].filter((id) => ackedIds.has(id)),
      'a retry landed on an acknowledged transfer',
    ).toEqual([]);
    // What was committed before the kill without an answer is exactly what the retries found.
    const committedUnanswered = transfersAfterRestart.filter((m) => !ackedIds.has(m.id)).map((m) => m.id);
    expect(
      committedUnanswered.filter((id) => !recoveredIds.has(id)),
      'committed transfers no request accounts for',
    ).toEqual([]);

    const stored = (await listTransfers(restarted.url)).filter((m) => m.object === 'transfer');
    expect(stored.length, 'transfers stored vs acknowledged + recovered').toBe(acked.length + recovered.length);
    expect(new Set(stored.map((m) => m.id)), 'stored transfer ids vs acknowledged + recovered').toEqual(
      new Set([...ackedIds, ...recoveredIds]),
    );

    // Every wallet holds exactly its top-up plus what our records say it received minus what it paid.
    const expected = new Map(topUps);
    for (const t of [...acked, ...recovered]) {
      expected.set(t.body.source, expected.get(t.body.source)! - t.body.amount);
      expected.set(t.body.destination, expected.get(t.body.destination)! + t.body.amount);
    }
    const byCustomer = await balances(restarted.url);
    expect(new Map([...byCustomer].map(([id, b]) => [id, b.posted])), 'wallet balances vs our records of every transfer').toEqual(expected);
    expect(
      [...byCustomer.values()].filter((b) => b.available !== b.posted || b.pending !== 0),
      'wallets with holds',
    ).toEqual([]);
    expect(
      [...byCustomer.values()].reduce((sum, b) => sum + b.posted, 0),
      'sum of wallets vs sum of top-ups',
    ).toBe(topUpTotal());
    await verifyLedger();

    const replayed = recovered.filter((r) => r.replayed).length;
    console.info(
      `[crash ${dialect}] killed after ${killedAfterMs} ms: ${acked.length} transfers acknowledged, ${unknown.length} unknown ` +
        `(${committedUnanswered.length} had committed unanswered; retries: ${replayed} replayed from the idempotency record, ${recovered.length - replayed} answered by the handler) ` +
        `— errors: ${summarize(unknown.map((u) => u.error))}`,
    );
  });
});

function summarize(errors: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const e of errors) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts].map(([e, n]) => `${n}× ${e}`).join('; ');
}
