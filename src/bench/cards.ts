import { fork } from 'node:child_process';
import type { Hutong } from '../app.js';
import type { CardClientFigures, CardClientJob, CardClientReply, CardUse } from './card-job.js';
import { siblingModulePath, type CardWorldProcess } from './card-world.js';
import type { CardIssuerCheck } from './model.js';
import type { Population } from './population.js';
import type { BenchSettings } from './settings.js';

/** The child gets its run time plus this much to answer before it is killed. */
const clientOverrunMs = 60_000;
const loopback = '127.0.0.1';

/**
 * The five brands' approved sandbox cards (docs/test-cards.md), each in its issuer's currency so no
 * conversion blurs the issuer check. Small amounts keep far inside the issuers' limits over a run
 * (JCB: JPY 1,000,000 is 20,000 payments of JPY 50).
 */
export const benchCards: readonly CardUse[] = [
  { brand: 'visa', number: '4111111111111004', cvc: '123', currency: 'USD', amountMinor: 1_000 },
  { brand: 'mastercard', number: '5105105105105001', cvc: '123', currency: 'GBP', amountMinor: 1_000 },
  { brand: 'american-express', number: '378282246310005', cvc: '1234', currency: 'USD', amountMinor: 1_000 },
  { brand: 'jcb', number: '3566111111111006', cvc: '123', currency: 'JPY', amountMinor: 50 },
  { brand: 'unionpay', number: '6212345678901000', cvc: '123', currency: 'CNY', amountMinor: 1_000 },
];

/** The server's address: the HTTP phase already made it listen; otherwise listen now. */
async function baseOf(hutong: Hutong): Promise<string> {
  const address = hutong.server.server.address();
  if (address !== null && typeof address === 'object') return `http://${loopback}:${address.port}`;
  return hutong.server.listen({ port: 0, host: loopback });
}

/** Card payments (create + confirm) end to end through HTTP and the ISO 8583 sandbox. */
export async function benchCardPayments(hutong: Hutong, population: Population, settings: BenchSettings): Promise<CardClientFigures> {
  const job: CardClientJob = {
    base: await baseOf(hutong),
    secretKey: population.secretKey,
    shoppers: settings.cardShoppers,
    warmupMs: settings.warmupMs,
    measureMs: settings.measureMs,
    cards: benchCards,
    expMonth: settings.cardExpiry.month,
    expYear: settings.cardExpiry.year,
    orderPrefix: `bench-${process.pid}-${Date.now()}`,
  };
  return runCardClient(job);
}

/**
 * After the run: the payments the database holds as succeeded (the client's count must match), and
 * per brand what Hutong captured beside what the sandbox issuer posted to the card.
 */
export async function checkCardPayments(
  hutong: Hutong,
  population: Population,
  world: CardWorldProcess,
  postedBefore: ReadonlyMap<string, bigint>,
): Promise<{ succeededInDbCount: number; issuers: CardIssuerCheck[] }> {
  const rows = await hutong.services.store.reader
    .selectFrom('payments')
    .select((eb) => [
      'card_brand',
      eb.fn.countAll<number | bigint | string>().as('n'),
      eb.fn.sum<number | bigint | string>('amount_captured').as('captured'),
    ])
    .where('merchant_id', '=', population.merchantId)
    .where('status', '=', 'succeeded')
    .groupBy('card_brand')
    .execute();
  const accounts = await world.accounts(benchCards.map((c) => c.number));
  const issuers = benchCards.map((card): CardIssuerCheck => {
    const row = rows.find((r) => r.card_brand === card.brand);
    const account = accounts.find((a) => a.pan === card.number);
    const postedMinor = BigInt(account?.postedMinor ?? '0') - (postedBefore.get(card.number) ?? 0n);
    const capturedMinor = BigInt(String(row?.captured ?? 0));
    return {
      brand: card.brand,
      currency: card.currency,
      succeededCount: Number(row?.n ?? 0),
      hutongCapturedMinor: capturedMinor.toString(),
      issuerPostedMinor: postedMinor.toString(),
      issuerPendingMinor: account?.pendingMinor ?? '0',
      matches: capturedMinor === postedMinor && (account?.pendingMinor ?? '0') === '0',
    };
  });
  const succeededInDbCount = rows.reduce((sum, r) => sum + Number(r.n), 0);
  return { succeededInDbCount, issuers };
}

/** What the issuers had posted to the bench cards before the run (the world is fresh, so usually 0). */
export async function issuerPosted(world: CardWorldProcess): Promise<Map<string, bigint>> {
  const accounts = await world.accounts(benchCards.map((c) => c.number));
  return new Map(accounts.map((a) => [a.pan, BigInt(a.postedMinor)]));
}

/** Forks the load generator with this process's loader flags (tsx), sends the job and waits for its figures. */
function runCardClient(job: CardClientJob): Promise<CardClientFigures> {
  const child = fork(siblingModulePath('card-client'), [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const allowedMs = job.warmupMs + job.measureMs + clientOverrunMs;
  return new Promise<CardClientFigures>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the card client did not answer within ${allowedMs} ms`));
    }, allowedMs);
    child.once('message', (reply: CardClientReply) => {
      clearTimeout(timer);
      if (reply.ok) resolve(reply.figures);
      else reject(new Error(`card client: ${reply.error}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the card client exited (code ${code}) before answering`));
    });
    child.send(job);
  });
}
