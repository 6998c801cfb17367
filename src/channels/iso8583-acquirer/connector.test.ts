import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startCardWorld,
  testCardFor,
  testCards,
  type CardWorld,
  type SandboxBrand,
  type TestCard,
  type TestCardOutcome,
} from '../../../sandbox/card-world/index.js';
import type { Iso8583Message } from '../../protocols/iso8583/index.js';
import type { AuthorizeRequest, ChannelOutcome, FollowUpRequest, MerchantDescriptor } from '../connector.js';
import { Iso8583Client } from './client.js';
import { createIso8583Acquirer, type Iso8583AcquirerConnector } from './flows.js';
import { buildAuthorization } from './wire.js';

/** Hutong's connector against the sandbox card world, over a real TCP socket. */
const timeoutMs = 300;
/** Scheduling slack on a loaded two-core machine; the bound is what users of timeoutMs rely on. */
const slackMs = 400;

const merchant: MerchantDescriptor = { id: 'mer_e2e', name: 'Hutong E2E Shop', country: 'CN', mcc: '5999' };
let world: CardWorld;
let connector: Iso8583AcquirerConnector;
let attempts = 0;

beforeAll(async () => {
  world = await startCardWorld({ port: 0 });
  connector = createIso8583Acquirer({ host: world.host, port: world.acquirerPort, timeoutMs });
});

afterAll(async () => {
  await connector.close();
  await world.close();
});

function authorizeRequest(card: TestCard, amountMinor: bigint, options: { capture?: boolean; currency?: string } = {}): AuthorizeRequest {
  attempts += 1;
  return {
    attemptId: `att_${attempts}`,
    card: {
      pan: card.pan,
      expiryYymm: card.expiryYymm,
      securityCode: card.brand === 'american-express' ? '1234' : '123',
      brand: card.brand,
    },
    amount: { minor: amountMinor, currency: options.currency ?? card.currency },
    merchant,
    capture: options.capture ?? false,
  };
}

/** The follow-up naming `request`'s outcome, as the payments module would build it. */
let operations = 0;

function followUp(request: AuthorizeRequest, outcome: ChannelOutcome, amountMinor: bigint): FollowUpRequest {
  operations += 1;
  return {
    operationId: `op_${operations}`,
    amount: { minor: amountMinor, currency: request.amount.currency },
    original: {
      attemptId: request.attemptId,
      reference: outcome.status === 'approved' ? outcome.reference : '',
      ...(outcome.status === 'approved' ? { authorizationCode: outcome.authorizationCode } : {}),
      amount: request.amount,
      card: { pan: request.card.pan, expiryYymm: request.card.expiryYymm, brand: request.card.brand },
      merchant,
      sentAt: outcome.sentAt,
      ...(outcome.trace === undefined ? {} : { trace: outcome.trace }),
    },
  };
}

function account(card: TestCard) {
  const snapshot = world.cardholder(card.pan);
  if (snapshot === undefined) throw new Error(`no account for ${card.pan}`);
  return snapshot;
}

describe('declared support', () => {
  it('accepts all five brands and a configurable currency list', () => {
    expect([...connector.brands].sort()).toEqual(['american-express', 'jcb', 'mastercard', 'unionpay', 'visa']);
    expect(connector.currencies).toEqual(expect.arrayContaining(['CNY', 'USD', 'EUR', 'GBP', 'JPY', 'HKD', 'KWD']));
    expect(connector.capabilities).toEqual({ authorize: true, capture: true, void: true, refund: true, inquiry: false });
    expect(() => createIso8583Acquirer({ host: '127.0.0.1', port: 1, currencies: ['XXX'] })).toThrow(/XXX/);
  });

  it('answers an 0800 echo', async () => {
    expect(await connector.echo()).toMatchObject({ status: 'approved', responseCode: '00' });
    expect(connector.connected).toBe(true);
  });
});

const expected: readonly [TestCardOutcome, ChannelOutcome['status'], string | undefined][] = [
  ['approved', 'approved', '00'],
  ['do-not-honor', 'declined', '05'],
  ['insufficient-funds', 'declined', '51'],
  ['expired', 'declined', '54'],
  ['issuer-inoperative', 'declined', '91'],
  ['3ds-challenge', 'approved', '00'],
];

describe.each(['visa', 'mastercard', 'american-express', 'jcb', 'unionpay'] as const)('every test card of %s', (brand: SandboxBrand) => {
  it.each(expected)('%s → %s %s', async (outcome, status, responseCode) => {
    const card = testCardFor(brand, outcome);
    const result = await connector.authorize(authorizeRequest(card, 1_000n));
    expect(result).toMatchObject({ status, responseCode });
    if (result.status === 'approved') {
      expect(result.reference).toMatch(/^[0-9A-Za-z]{12}$/);
      expect(result.authorizationCode).toMatch(/^[0-9A-Za-z]{6}$/);
    }
  });

  it('the card that never answers: unknown within timeoutMs, then a reversal releases the hold', async () => {
    const card = testCardFor(brand, 'no-answer');
    const request = authorizeRequest(card, 1_000n);
    const startedMs = Date.now();
    const result = await connector.authorize(request);
    const elapsedMs = Date.now() - startedMs;
    expect(result).toMatchObject({ status: 'unknown', reason: 'timeout', trace: { mti: '0100' } });
    expect(elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(elapsedMs).toBeLessThan(timeoutMs + slackMs);
    expect(account(card).pendingMinor).toBe(1_000n); // the issuer did approve it
    expect(await connector.reverse(followUp(request, result, 1_000n))).toMatchObject({ status: 'approved', responseCode: '00' });
    expect(account(card).pendingMinor).toBe(0n);
    expect(account(card).availableMinor).toBe(card.creditLimitMinor);
  });
});

describe('naming the original from stored data only', () => {
  it('reverses a timed-out authorization from its attempt id and send time, as the recovery sweep does', async () => {
    const card = testCardFor('visa', 'no-answer');
    const sentAt = new Date(Date.now() - 1_000);
    const request = { ...authorizeRequest(card, 2_000n), sentAt };
    expect(await connector.authorize(request)).toMatchObject({ status: 'unknown', reason: 'timeout', sentAt });
    expect(account(card).pendingMinor).toBe(2_000n);
    const reversal = await connector.reverse({
      operationId: 'op_sweep',
      amount: request.amount,
      original: {
        attemptId: request.attemptId,
        reference: '',
        amount: request.amount,
        card: { pan: card.pan, expiryYymm: card.expiryYymm, brand: card.brand },
        merchant,
        sentAt,
      },
    });
    expect(reversal).toMatchObject({ status: 'approved', responseCode: '00' });
    expect(account(card).pendingMinor).toBe(0n);
  });

  it('treats a resend of the same attempt at the same send time as the same message: same answer, one hold', async () => {
    const card = testCardFor('american-express', 'approved');
    const before = account(card);
    const request = { ...authorizeRequest(card, 4_000n), sentAt: new Date() };
    const first = await connector.authorize(request);
    const second = await connector.authorize(request);
    expect(first.status).toBe('approved');
    expect(second).toEqual(first);
    expect(account(card).pendingMinor).toBe(before.pendingMinor + 4_000n);
  });
});

describe('UnionPay numbers outside Luhn', () => {
  it('approves the non-Luhn card and refuses the listed one with 14', async () => {
    expect(await connector.authorize(authorizeRequest(testCardFor('unionpay', 'approved-non-luhn'), 100n))).toMatchObject({
      status: 'approved',
    });
    expect(await connector.authorize(authorizeRequest(testCardFor('unionpay', 'invalid-number'), 100n))).toMatchObject({
      status: 'declined',
      responseCode: '14',
    });
  });
});

describe('money at the issuer', () => {
  const card = testCards.find((c) => c.brand === 'mastercard' && c.outcome === 'approved')!;

  it('captures up to the authorized amount and posts exactly that', async () => {
    const before = account(card);
    const request = authorizeRequest(card, 10_000n);
    const auth = await connector.authorize(request);
    expect(auth.status).toBe('approved');
    expect(account(card).pendingMinor).toBe(before.pendingMinor + 10_000n);
    expect(await connector.capture(followUp(request, auth, 10_001n))).toMatchObject({ status: 'declined', responseCode: '13' });
    const capture = await connector.capture(followUp(request, auth, 7_500n));
    expect(capture).toMatchObject({
      status: 'approved',
      responseCode: '00',
      authorizationCode: (auth as { authorizationCode: string }).authorizationCode,
    });
    expect(account(card)).toMatchObject({ pendingMinor: before.pendingMinor, postedMinor: before.postedMinor + 7_500n });
  });

  it('voids an authorization once, however often the reversal is sent', async () => {
    const before = account(card);
    const request = authorizeRequest(card, 2_500n);
    const auth = await connector.authorize(request);
    for (let i = 0; i < 2; i++) expect(await connector.reverse(followUp(request, auth, 2_500n))).toMatchObject({ status: 'approved' });
    expect(account(card).availableMinor).toBe(before.availableMinor);
  });

  it('charges a purchase at once and credits a refund', async () => {
    const before = account(card);
    const request = authorizeRequest(card, 5_000n, { capture: true });
    const purchase = await connector.authorize(request);
    expect(purchase).toMatchObject({ status: 'approved', trace: { mti: '0200', processingCode: '000000' } });
    expect(account(card).postedMinor).toBe(before.postedMinor + 5_000n);
    const refund = await connector.refund(followUp(request, purchase, 1_200n));
    expect(refund).toMatchObject({ status: 'approved', trace: { mti: '0200', processingCode: '200000' } });
    expect(account(card).postedMinor).toBe(before.postedMinor + 3_800n);
  });

  it('bills a CNY payment on a GBP card in GBP', async () => {
    const before = account(card);
    const result = await connector.authorize(authorizeRequest(card, 10_000n, { currency: 'CNY' }));
    expect(result.status).toBe('approved');
    expect(account(card).pendingMinor - before.pendingMinor).toBe(1_120n); // CNY 100.00 at 0.14/1.25
  });

  it('does not charge twice for the same message (same STAN and transmission time)', async () => {
    const before = account(card);
    const client = new Iso8583Client({ host: world.host, port: world.acquirerPort });
    const message = buildAuthorization(authorizeRequest(card, 3_000n, { capture: true }), {
      stan: '900001',
      sentAt: new Date(),
      acquiringInstitutionId: '10000000001',
    }) as Iso8583Message;
    const first = await client.exchange(message, timeoutMs);
    const second = await client.exchange(message, timeoutMs);
    await client.close();
    expect(first.kind).toBe('answered');
    expect(second).toEqual(first);
    expect(account(card).postedMinor).toBe(before.postedMinor + 3_000n);
  });
});

describe('requests that are never sent', () => {
  it('refuses a brand or currency it does not accept, without touching the network', async () => {
    const card = testCardFor('visa', 'approved');
    const before = account(card);
    const chf = await connector.authorize(authorizeRequest(card, 100n, { currency: 'CHF' }));
    expect(chf).toMatchObject({ status: 'unknown', reason: 'invalid_request' });
    expect(chf.trace).toBeUndefined();
    const discover = await connector.authorize({
      ...authorizeRequest(card, 100n),
      card: { pan: '6011000995500000', expiryYymm: '4912', brand: 'discover' },
    });
    expect(discover).toMatchObject({ status: 'unknown', reason: 'invalid_request' });
    expect(account(card)).toEqual(before);
  });
});
