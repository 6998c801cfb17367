import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAcquirers } from '../config.js';
import { UnknownReason, type AuthorizeRequest, type CardConnector, type ChannelOutcome } from './connector.js';
import {
  checkBankConnector,
  checkThreeDSecureConnector,
  checkWalletConnector,
  type BankConnector,
  type ThreeDSecureConnector,
  type WalletConnector,
} from './contracts.js';
import { authorizeWithFailover, failoverAttemptsMax, stepAfter } from './failover.js';

/** The failover rule as a property: over any script of answers, it never charges twice. */
const sentAt = new Date('2026-06-15T10:30:00Z');

const request: AuthorizeRequest = {
  attemptId: 'att_p',
  card: { pan: '4111111111111111', expiryYymm: '3012', brand: 'visa', securityCode: '123' },
  amount: { minor: 500n, currency: 'USD' },
  merchant: { id: 'mer_p', name: 'P', country: 'CN', mcc: '5999' },
  capture: true,
};

const outcomes: Record<string, ChannelOutcome> = {
  approved: { status: 'approved', reference: 'R', authorizationCode: 'A', responseCode: '00', sentAt },
  refused: { status: 'declined', responseCode: '51', reason: 'insufficient funds', unavailable: false, sentAt },
  unavailable: { status: 'declined', responseCode: '91', reason: 'issuer or switch inoperative', unavailable: true, sentAt },
  notSent: { status: 'unknown', reason: UnknownReason.NotSent, sentAt },
  timeout: { status: 'unknown', reason: UnknownReason.Timeout, sentAt },
};
const names = Object.keys(outcomes);

/** A connector answering from a script, logging every call in one shared log. */
function scripted(name: string, answer: ChannelOutcome, reversal: ChannelOutcome, log: string[]): CardConnector {
  const none = async (): Promise<ChannelOutcome> => {
    throw new Error('not expected');
  };
  return {
    name,
    capabilities: { authorize: true, capture: true, void: true, refund: true, inquiry: false },
    brands: ['visa'],
    currencies: ['USD'],
    authorize: async () => {
      log.push(`${name}:authorize`);
      return answer;
    },
    reverse: async () => {
      log.push(`${name}:reverse`);
      return reversal;
    },
    capture: none,
    refund: none,
    close: async () => undefined,
  };
}

describe('the failover rule', () => {
  it('reads no response code: only the neutral outcome decides', () => {
    expect(stepAfter({ ...outcomes.refused!, responseCode: '91' } as ChannelOutcome)).toBe('final');
    expect(stepAfter({ ...outcomes.unavailable!, responseCode: '05' } as ChannelOutcome)).toBe('next');
  });

  it('over any answers: at most one approval, reversal before moving on, bounded attempts', async () => {
    const answer = fc.constantFrom(...names);
    const reversalAnswered = fc.boolean();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(answer, reversalAnswered), { minLength: 1, maxLength: 5 }), async (script) => {
        const log: string[] = [];
        const connectors = script.map(([a, r], i) =>
          scripted(`c${i}`, outcomes[a]!, r ? outcomes.approved! : { status: 'unknown', reason: UnknownReason.Timeout, sentAt }, log),
        );
        const result = await authorizeWithFailover(connectors, request);
        const asked = log.filter((l) => l.endsWith(':authorize'));
        expect(asked.length).toBeLessThanOrEqual(failoverAttemptsMax);
        expect(result.attempts.filter((a) => a.outcome.status === 'approved').length).toBeLessThanOrEqual(1);
        // Every connector asked after the first was asked only once the one before it is settled:
        // it answered unavailable or not-sent, or its unknown answer was reversed and the reversal answered.
        for (const [i, attempt] of result.attempts.entries()) {
          const last = i === result.attempts.length - 1;
          if (!last) {
            const step = stepAfter(attempt.outcome);
            expect(step).not.toBe('final');
            if (step === 'reverse') expect(attempt.reversal?.outcome.status).toBe('approved');
            expect(log.indexOf(`c${i + 1}:authorize`)).toBeGreaterThan(
              log.indexOf(`c${i}:${step === 'reverse' ? 'reverse' : 'authorize'}`),
            );
          }
        }
        // Distinct attempt ids: two connectors never carry one message.
        expect(new Set(result.attempts.map((a) => a.attemptId)).size).toBe(result.attempts.length);
        expect(result.needsReversal).toBe(
          result.outcome.status === 'unknown' &&
            result.attempts.at(-1)?.reversal?.outcome.status !== 'approved' &&
            stepAfter(result.outcome) === 'reverse',
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('HUTONG_ACQUIRERS', () => {
  it('reads name=kind://host:port entries in order', () => {
    expect(parseAcquirers('main=iso8583://10.0.0.5:5800, backup=iso8583://acq.example:6000')).toEqual([
      { name: 'main', kind: 'iso8583', host: '10.0.0.5', port: 5800 },
      { name: 'backup', kind: 'iso8583', host: 'acq.example', port: 6000 },
    ]);
    expect(parseAcquirers(undefined)).toEqual([]);
    expect(parseAcquirers(' ')).toEqual([]);
  });

  it('refuses what it cannot read, with the entry named', () => {
    expect(() => parseAcquirers('main=10.0.0.5:5800')).toThrow(/"main=10.0.0.5:5800" is not name=kind:\/\/host:port/);
    expect(() => parseAcquirers('main=iso8583://h:0')).toThrow(/not name=kind/);
    expect(() => parseAcquirers('main=iso8583://h:70000')).toThrow(/not name=kind/);
    expect(() => parseAcquirers('a=iso8583://h:1,a=iso8583://h:2')).toThrow(/names a twice/);
    expect(() => parseAcquirers(Array.from({ length: 17 }, (_, i) => `a${i}=iso8583://h:1`).join(','))).toThrow(/at most 16/);
  });
});

describe('contracts of the other kinds, checked at registration', () => {
  const wallet = {
    name: 'wallet_a',
    capabilities: { createOrder: true, query: true, refund: true, notifications: true },
    currencies: ['CNY'],
  };
  it('refuses a wallet that cannot be queried, or names a non-ISO currency', () => {
    const base = wallet as unknown as WalletConnector;
    expect(checkWalletConnector(base)).toBe(base);
    expect(() => checkWalletConnector({ ...base, capabilities: { ...wallet.capabilities, query: false } })).toThrow(/must support query/);
    expect(() => checkWalletConnector({ ...base, currencies: ['RMB'] })).toThrow(/RMB is not ISO 4217/);
  });
  it('refuses a 3-D Secure connector that authenticates nothing, and a bank without statements', () => {
    const none = { capabilities: { frictionless: false, challenge: false } } as unknown as ThreeDSecureConnector;
    expect(() => checkThreeDSecureConnector(none)).toThrow(/supports no authentication/);
    const bank = {
      capabilities: { payouts: true, statements: false },
      formats: { payouts: 'p', statements: 's' },
    } as unknown as BankConnector;
    expect(() => checkBankConnector(bank)).toThrow(/payouts and statements/);
  });
});
