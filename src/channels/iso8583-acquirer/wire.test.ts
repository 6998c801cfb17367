import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIso8583Failure, packMessage, parseOriginalData, type Iso8583Message } from '../../protocols/iso8583/index.js';
import { UnknownReason, type AuthorizeRequest, type FollowUpRequest, type MerchantDescriptor } from '../connector.js';
import { createStanCounter, stanMax, stanOf } from './stan.js';
import { outcomeOf } from './status.js';
import {
  acceptorFields,
  asciiText,
  buildAuthorization,
  buildCompletion,
  buildRefund,
  buildReversal,
  messageTrace,
  type WireContext,
} from './wire.js';

const merchant: MerchantDescriptor = { id: 'mer_0001', name: 'Hutong Test Shop', country: 'CN', mcc: '5999' };
const sentAt = new Date('2026-06-15T10:30:05.250Z');
const context: WireContext = { stan: '000042', sentAt, acquiringInstitutionId: '12345' };

function authorizeRequest(overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
  return {
    attemptId: 'att_1',
    card: { pan: '4111111111111004', expiryYymm: '4912', securityCode: '123', brand: 'visa' },
    amount: { minor: 1999n, currency: 'USD' },
    merchant,
    capture: false,
    ...overrides,
  };
}

function followUp(amountMinor: bigint, trace = { mti: '0100', stan: '000007', processingCode: '000000' }): FollowUpRequest {
  return {
    operationId: 'op_1',
    amount: { minor: amountMinor, currency: 'USD' },
    original: {
      attemptId: 'att_1',
      reference: '616610000001',
      authorizationCode: '000001',
      amount: { minor: 1999n, currency: 'USD' },
      card: { pan: '4111111111111004', expiryYymm: '4912', brand: 'visa' },
      merchant,
      sentAt: new Date('2026-06-15T10:29:59Z'),
      trace,
    },
  };
}

function without<T extends object>(value: T, key: keyof T): T {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

function built(message: Iso8583Message | string): Iso8583Message {
  if (typeof message === 'string') throw new Error(message);
  expect(isIso8583Failure(packMessage(message))).toBe(false);
  return message;
}

describe('wire: requests', () => {
  it('builds a 0100 with every element Hutong sends, the security code only in DE 48 subelement 92', () => {
    const message = built(buildAuthorization(authorizeRequest(), context));
    expect(message.mti).toBe('0100');
    expect(message.fields).toMatchObject({
      2: '4111111111111004',
      3: '000000',
      4: '000000001999',
      7: '0615103005',
      11: '000042',
      12: '103005',
      13: '0615',
      14: '4912',
      18: '5999',
      22: '812',
      32: '12345',
      42: 'mer_0001       ',
      48: '9203123',
      49: '840',
    });
    expect(Object.keys(message.fields).map(Number)).toEqual([2, 3, 4, 7, 11, 12, 13, 14, 18, 22, 32, 41, 42, 43, 48, 49]);
    expect(JSON.stringify({ ...message.fields, 48: undefined })).not.toContain('123"');
  });

  it('builds a 0200 when capturing at once', () => {
    expect(built(buildAuthorization(authorizeRequest({ capture: true }), context)).mti).toBe('0200');
  });

  it('lays out DE 43 as name 23, city 13, state 2, country 2 in printable ASCII', () => {
    const fields = acceptorFields({ ...merchant, name: 'Café Zürich — 北京店 Outlet Store Number One' }) as Record<number, string>;
    expect(fields[43]).toHaveLength(40);
    expect(fields[43]!.slice(0, 23)).toBe('Cafe Zurich Outlet Stor');
    expect(fields[43]!.slice(38)).toBe('CN');
    const chineseOnly = acceptorFields({ ...merchant, name: '北京商店' }) as Record<number, string>;
    expect(chineseOnly[43]!.startsWith('mer_0001')).toBe(true);
    expect(asciiText('  a\tb  ')).toBe('a b');
  });

  it('digests merchant ids longer than DE 42 so that distinct ids stay distinct', () => {
    const a = acceptorFields({ ...merchant, id: 'mer_01HZX3K4M5N6P7Q8R9S0T1U2V3' }) as Record<number, string>;
    const b = acceptorFields({ ...merchant, id: 'mer_01HZX3K4M5N6P7Q8R9S0T1U2V4' }) as Record<number, string>;
    expect(a[42]).toMatch(/^[0-9A-F]{15}$/);
    expect(a[42]).not.toBe(b[42]);
    expect(a[41]).toMatch(/^[0-9A-F]{8}$/);
  });

  it.each([
    ['an amount beyond DE 4 (n12)', authorizeRequest({ amount: { minor: 1_000_000_000_000n, currency: 'USD' } }), /n12/],
    ['a negative amount', authorizeRequest({ amount: { minor: -1n, currency: 'USD' } }), /n12/],
    ['a currency without ISO numeric code', authorizeRequest({ amount: { minor: 1n, currency: 'XTS' } }), /numeric/],
    ['a PAN with letters', authorizeRequest({ card: { pan: '4111x', expiryYymm: '4912', brand: 'visa' } }), /DE 2/],
    ['an expiry month 13', authorizeRequest({ card: { pan: '4111111111111004', expiryYymm: '4913', brand: 'visa' } }), /DE 14/],
    ['an MCC that is not 4 digits', authorizeRequest({ merchant: { ...merchant, mcc: '59' } }), /merchant category/],
  ])('refuses %s before sending', (_name, request, problem) => {
    expect(buildAuthorization(request, context)).toMatch(problem);
  });

  it('builds a refund as 0200 with processing code 200000 for the refund amount', () => {
    const message = built(buildRefund(followUp(500n), context));
    expect(message).toMatchObject({ mti: '0200', fields: { 3: '200000', 4: '000000000500' } });
    expect(message.fields[90]).toBeUndefined();
  });

  it('names the original in DE 90 of a completion (its amount) and a reversal (the original amount)', () => {
    const completion = built(buildCompletion(followUp(1500n), context));
    expect(completion).toMatchObject({ mti: '0220', fields: { 3: '000000', 4: '000000001500' } });
    const reversal = built(buildReversal(followUp(1500n, { mti: '0200', stan: '000009', processingCode: '200000' }), context));
    expect(reversal).toMatchObject({ mti: '0400', fields: { 3: '200000', 4: '000000001999' } });
    expect(parseOriginalData(reversal.fields[90]!)).toEqual({
      mti: '0200',
      stan: '000009',
      transmissionDateTime: '0615102959',
      acquirerId: '00000012345',
      forwardingId: '00000000000',
    });
    expect(completion.fields[90]!.slice(0, 10)).toBe('0100000007');
  });

  it('names an original without trace by the STAN derived from its attempt id, as an authorization', () => {
    const original = without(followUp(1n).original, 'trace');
    const reversal = built(buildReversal({ ...followUp(1n), original }, context));
    expect(reversal.fields[3]).toBe('000000');
    expect(parseOriginalData(reversal.fields[90]!)).toMatchObject({
      mti: '0100',
      stan: stanOf('att_1'),
      transmissionDateTime: '0615102959',
    });
  });
});

describe('status: from the wire to an outcome', () => {
  const request = built(buildAuthorization(authorizeRequest(), context));
  const trace = messageTrace(request);
  const answer = (fields: Record<number, string>): Iso8583Message => ({
    mti: '0110',
    fields: { ...request.fields, 37: '616610000001', ...fields },
  });
  const outcome = (response: Iso8583Message) => outcomeOf({ kind: 'answered', response }, { request, sentAt, trace });

  it('approves on 00 with the reference, authorization code and trace', () => {
    expect(outcome(answer({ 39: '00', 38: 'A1B2C3' }))).toEqual({
      status: 'approved',
      reference: '616610000001',
      authorizationCode: 'A1B2C3',
      responseCode: '00',
      sentAt,
      trace: { mti: '0100', stan: '000042', processingCode: '000000' },
    });
  });

  it('declines with the response code and its reason', () => {
    expect(outcome(answer({ 39: '51' }))).toMatchObject({ status: 'declined', responseCode: '51', reason: 'insufficient funds' });
    expect(outcome(answer({ 39: '91' }))).toMatchObject({ status: 'declined', responseCode: '91' });
  });

  it.each([
    ['another amount', { 4: '000000001998' }],
    ['another currency', { 49: '156' }],
    ['another card', { 2: '4111111111111053' }],
  ])('does not believe an answer with %s (integrity)', (_name, fields) => {
    expect(outcome(answer({ 39: '00', ...fields }))).toEqual({ status: 'unknown', reason: UnknownReason.Integrity, sentAt, trace });
  });

  it('does not believe an answer without amount, or without response code', () => {
    expect(outcome({ mti: '0110', fields: without(answer({ 39: '00' }).fields, 4) })).toMatchObject({
      status: 'unknown',
      reason: 'integrity',
    });
    expect(outcome({ mti: '0110', fields: without(answer({}).fields, 39) })).toMatchObject({
      status: 'unknown',
      reason: 'malformed_response',
    });
  });

  it('maps silence and broken connections to unknown', () => {
    expect(outcomeOf({ kind: 'timeout' }, { request, sentAt, trace })).toMatchObject({ status: 'unknown', reason: 'timeout', trace });
    expect(outcomeOf({ kind: 'connection_lost', detail: 'x' }, { request, sentAt, trace })).toMatchObject({ reason: 'connection_lost' });
    expect(outcomeOf({ kind: 'not_sent', detail: 'x' }, { request, sentAt, trace })).toMatchObject({ reason: 'not_sent' });
  });
});

describe('STAN derived from the operation id', () => {
  it('is stable, six digits, never 000000, and spreads over the range', () => {
    expect(stanOf('att_1')).toBe(stanOf('att_1'));
    fc.assert(
      fc.property(fc.string(), (id) => {
        expect(stanOf(id)).toMatch(/^(?!000000)[0-9]{6}$/);
      }),
    );
    const stans = new Set(Array.from({ length: 1_000 }, (_, i) => stanOf(`att_${i}`)));
    expect(stans.size).toBeGreaterThan(995);
  });
});

describe('STAN counter (network management)', () => {
  it('counts 000001–999999 and wraps to 000001, never 000000', () => {
    const next = createStanCounter(stanMax - 1);
    expect([next(), next(), next()]).toEqual(['999998', '999999', '000001']);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: stanMax }), fc.integer({ min: 1, max: 50 }), (start, count) => {
        const counter = createStanCounter(start);
        for (let i = 0; i < count; i++) expect(counter()).toMatch(/^(?!000000)[0-9]{6}$/);
      }),
    );
  });
});
