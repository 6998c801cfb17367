import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { CardClientFigures, CardClientJob, CardClientReply, CardUse, LatencyFigures } from './card-job.js';

/**
 * The card-payment load generator, a child process like http-client.ts: N virtual shoppers in a
 * closed loop, each paying by `POST /v1/payments` then `POST /v1/payments/{id}/confirm` with the
 * next approved test card, over keep-alive connections (one per shopper). It times the pair, runs
 * a warm-up and then the measurement, answers once and exits.
 */
interface Answer {
  readonly status: number;
  readonly body: string;
}

interface Phase {
  paymentsCount: number;
  succeededCount: number;
  failures: Record<string, number>;
  pairMs: number[];
  createMs: number[];
  confirmMs: number[];
}

const requestTimeoutMs = 30_000;

function newPhase(): Phase {
  return { paymentsCount: 0, succeededCount: 0, failures: {}, pairMs: [], createMs: [], confirmMs: [] };
}

function post(agent: http.Agent, base: URL, path: string, headers: Record<string, string>, body: string): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: requestTimeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('ETIMEDOUT')));
    request.on('error', reject);
    request.end(body);
  });
}

function field(body: string, name: string): string {
  try {
    const value = (JSON.parse(body) as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

function count(phase: Phase, outcome: string): void {
  phase.failures[outcome] = (phase.failures[outcome] ?? 0) + 1;
}

function errorCode(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return String(error);
}

async function run(job: CardClientJob): Promise<CardClientFigures> {
  const base = new URL(job.base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.shoppers, maxFreeSockets: job.shoppers });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${job.secretKey}` };
  const confirmBodies = job.cards.map((card) =>
    JSON.stringify({
      payment_method: { type: 'card', card: { number: card.number, exp_month: job.expMonth, exp_year: job.expYear, cvc: card.cvc } },
    }),
  );
  let next = 0;
  let phase = newPhase();
  let deadlineMs = 0;
  let succeededTotalCount = 0;

  const payOnce = async (): Promise<void> => {
    const number = next++;
    const index = number % job.cards.length;
    const card = job.cards[index] as CardUse;
    const current = phase;
    current.paymentsCount++;
    const orderId = `${job.orderPrefix}-${number}`;
    const startMs = performance.now();
    let stage = 'create';
    try {
      const created = await post(
        agent,
        base,
        '/v1/payments',
        headers,
        JSON.stringify({ amount: card.amountMinor, currency: card.currency, merchant_order_id: orderId }),
      );
      const createdMs = performance.now();
      current.createMs.push(createdMs - startMs);
      if (created.status !== 201) return count(current, `create ${created.status} ${field(created.body, 'code')}`);
      stage = 'confirm';
      const confirmed = await post(
        agent,
        base,
        `/v1/payments/${field(created.body, 'id')}/confirm`,
        headers,
        confirmBodies[index] as string,
      );
      const doneMs = performance.now();
      current.confirmMs.push(doneMs - createdMs);
      current.pairMs.push(doneMs - startMs);
      const status = field(confirmed.body, 'status');
      if (confirmed.status !== 200) return count(current, `confirm ${confirmed.status} ${field(confirmed.body, 'code')}`);
      if (status !== 'succeeded') return count(current, `confirm 200 ${status}`);
      current.succeededCount++;
      succeededTotalCount++;
    } catch (error) {
      count(current, `${stage} error ${errorCode(error)}`);
    }
  };

  const loop = async (durationMs: number): Promise<number> => {
    const startMs = performance.now();
    deadlineMs = startMs + durationMs;
    await Promise.all(
      Array.from({ length: job.shoppers }, async () => {
        while (performance.now() < deadlineMs) await payOnce();
      }),
    );
    return performance.now() - startMs;
  };

  if (job.warmupMs > 0) await loop(job.warmupMs);
  phase = newPhase();
  const durationMs = await loop(job.measureMs);
  agent.destroy();
  return {
    shoppers: job.shoppers,
    durationMs,
    paymentsCount: phase.paymentsCount,
    succeededCount: phase.succeededCount,
    succeededPerSec: durationMs > 0 ? (phase.succeededCount * 1000) / durationMs : 0,
    failures: phase.failures,
    pair: latency(phase.pairMs),
    create: latency(phase.createMs),
    confirm: latency(phase.confirmMs),
    succeededTotalCount,
  };
}

function latency(samples: number[]): LatencyFigures {
  if (samples.length === 0) return { averageMs: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return {
    averageMs: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1] as number,
  };
}

async function serve(job: CardClientJob): Promise<CardClientReply> {
  try {
    return { ok: true, figures: await run(job) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const send = process.send?.bind(process);
if (send === undefined) throw new Error('card-client runs as a child process of the benchmark (fork), not on its own');
// The bench died: stop loading its server.
process.once('disconnect', () => process.exit(1));
process.once('message', (job: CardClientJob) => {
  void serve(job).then((reply) =>
    send(reply, () => {
      process.removeAllListeners('disconnect');
      process.disconnect();
    }),
  );
});
