import { afterEach, describe, expect, it } from 'vitest';
import {
  startCardWorld,
  startScriptedAcquirer,
  testCardFor,
  type CardWorld,
  type ScriptedAcquirer,
  type TestCard,
} from '../../../sandbox/card-world/index.js';
import { parseOriginalData, responseMtiOf, type Iso8583Message } from '../../protocols/iso8583/index.js';
import type { AuthorizeRequest, CardBrand, CardConnector, ChannelOutcome, FollowUpRequest } from '../connector.js';
import { authorizeWithFailover, failoverAttemptsMax } from '../failover.js';
import { createConnectorRegistry } from '../registry.js';
import { createIso8583Acquirer } from './flows.js';

/** Routing rules and failover, first with scripted connectors, then over real sockets. */
const sentAt = new Date('2026-06-15T10:30:00Z');
const trace = { mti: '0100', stan: '000001', processingCode: '000000' };

interface StubConnector extends CardConnector {
  readonly reversals: FollowUpRequest[];
  readonly authorizations: number;
}

/** A connector that answers authorizations and reversals from a script, in order. */
function stub(
  name: string,
  answers: readonly ChannelOutcome[],
  reversals: readonly ChannelOutcome[] = [],
  support: { brands?: CardBrand[]; currencies?: string[] } = {},
): StubConnector {
  const reversalRequests: FollowUpRequest[] = [];
  let authorizations = 0;
  const unexpected = async (): Promise<ChannelOutcome> => {
    throw new Error('not expected');
  };
  return {
    name,
    capabilities: { authorize: true, capture: true, void: true, refund: true, inquiry: false },
    brands: support.brands ?? ['visa', 'mastercard'],
    currencies: support.currencies ?? ['USD', 'CNY'],
    reversals: reversalRequests,
    get authorizations() {
      return authorizations;
    },
    async authorize() {
      const answer = answers[authorizations];
      authorizations += 1;
      if (answer === undefined) throw new Error(`${name}: no scripted answer`);
      return answer;
    },
    async reverse(request) {
      reversalRequests.push(request);
      const answer = reversals[reversalRequests.length - 1];
      if (answer === undefined) throw new Error(`${name}: no scripted reversal`);
      return answer;
    },
    capture: unexpected,
    refund: unexpected,
    close: async () => undefined,
  };
}

const approved: ChannelOutcome = { status: 'approved', reference: 'R1', authorizationCode: 'A1', responseCode: '00', sentAt, trace };
const declined = (responseCode: string): ChannelOutcome => ({
  status: 'declined',
  responseCode,
  reason: 'r',
  unavailable: responseCode === '91',
  sentAt,
  trace,
});
const unknown = (reason: string): ChannelOutcome => ({ status: 'unknown', reason, sentAt, trace });

function authorizeRequest(
  card: Pick<TestCard, 'pan' | 'expiryYymm' | 'brand' | 'currency'> = testCardFor('visa', 'approved'),
): AuthorizeRequest {
  return {
    attemptId: 'att_failover',
    card: {
      pan: card.pan,
      expiryYymm: card.expiryYymm,
      brand: card.brand,
      securityCode: card.brand === 'american-express' ? '1234' : '123',
    },
    amount: { minor: 1_000n, currency: card.currency },
    merchant: { id: 'mer_failover', name: 'Failover Shop', country: 'CN', mcc: '5999' },
    capture: false,
  };
}

describe('routing rules', () => {
  const a = stub('a', []);
  const b = stub('b', []);
  const c = stub('c', [], [], { brands: ['visa', 'unionpay'], currencies: ['CNY'] });
  const registry = createConnectorRegistry({
    connectors: [a, b, c],
    rules: [
      { merchantId: 'mer_vip', connectors: ['b', 'a'] },
      { brand: 'unionpay', connectors: ['c'] },
      { brand: 'visa', currency: 'CNY', connectors: ['c', 'b'] },
    ],
    defaultRoute: ['a', 'b'],
  });
  const names = (q: { brand: CardBrand; currency: string; merchantId: string }) => registry.route(q).map((x) => x.name);

  it('takes the first matching rule, else the default route', () => {
    expect(names({ brand: 'visa', currency: 'CNY', merchantId: 'mer_vip' })).toEqual(['b', 'a']);
    expect(names({ brand: 'visa', currency: 'CNY', merchantId: 'mer_1' })).toEqual(['c', 'b']);
    expect(names({ brand: 'visa', currency: 'USD', merchantId: 'mer_1' })).toEqual(['a', 'b']);
  });

  it('drops connectors that do not accept the brand or currency', () => {
    expect(names({ brand: 'unionpay', currency: 'CNY', merchantId: 'mer_1' })).toEqual(['c']);
    expect(names({ brand: 'unionpay', currency: 'USD', merchantId: 'mer_1' })).toEqual([]);
    expect(names({ brand: 'mastercard', currency: 'USD', merchantId: 'mer_vip' })).toEqual(['b', 'a']);
  });

  it('refuses a configuration that names unknown connectors, has catch-all rules or duplicate names', () => {
    expect(() => createConnectorRegistry({ connectors: [a], rules: [{ brand: 'visa', connectors: ['zz'] }] })).toThrow(/unknown connector/);
    expect(() => createConnectorRegistry({ connectors: [a], rules: [{ connectors: ['a'] }] })).toThrow(/no criteria/);
    expect(() => createConnectorRegistry({ connectors: [a, stub('a', [])] })).toThrow(/two connectors/);
    const plain = createConnectorRegistry({ connectors: [a, b] });
    expect(plain.route({ brand: 'visa', currency: 'USD', merchantId: 'm' }).map((x) => x.name)).toEqual(['a', 'b']);
    expect(plain.connector('b')).toBe(b);
    expect(plain.connector('zz')).toBeUndefined();
  });
});

describe('failover rule', () => {
  it('moves on after 91 and after not_sent, and reports who answered', async () => {
    const first = stub('first', [declined('91')]);
    const second = stub('second', [unknown('not_sent')]);
    const third = stub('third', [approved]);
    const result = await authorizeWithFailover([first, second, third], authorizeRequest());
    expect(result).toMatchObject({ connector: 'third', outcome: approved, needsReversal: false });
    expect(result.attempts.map((a) => [a.connector, a.attemptId, a.outcome.status])).toEqual([
      ['first', 'att_failover', 'declined'],
      ['second', 'att_failover.2', 'unknown'],
      ['third', 'att_failover.3', 'approved'],
    ]);
    expect(first.reversals).toHaveLength(0);
  });

  it('stops at a decline other than 91', async () => {
    const second = stub('second', [approved]);
    const result = await authorizeWithFailover([stub('first', [declined('51')]), second], authorizeRequest());
    expect(result).toMatchObject({ connector: 'first', outcome: { responseCode: '51' } });
    expect(second.authorizations).toBe(0);
  });

  it('reverses a timed-out authorization at the same acquirer before trying the next', async () => {
    const first = stub('first', [unknown('timeout')], [approved]);
    const result = await authorizeWithFailover([first, stub('second', [approved])], authorizeRequest());
    expect(result).toMatchObject({ connector: 'second', outcome: approved, needsReversal: false });
    const [reversal] = first.reversals;
    expect(reversal?.original).toMatchObject({ attemptId: 'att_failover', sentAt, trace, amount: { minor: 1_000n, currency: 'USD' } });
    expect(reversal?.original.card).toEqual({ pan: '4111111111111004', expiryYymm: '4912', brand: 'visa' }); // no security code
  });

  it('never tries another acquirer while a possibly approved request is not reversed', async () => {
    const second = stub('second', [approved]);
    const result = await authorizeWithFailover([stub('first', [unknown('integrity')], [unknown('timeout')]), second], authorizeRequest());
    expect(result).toMatchObject({ connector: 'first', outcome: { status: 'unknown', reason: 'integrity' }, needsReversal: true });
    expect(second.authorizations).toBe(0);
  });

  it(`tries at most ${failoverAttemptsMax} connectors`, async () => {
    const connectors = Array.from({ length: failoverAttemptsMax + 1 }, (_, i) => stub(`c${i}`, [declined('91')]));
    const result = await authorizeWithFailover(connectors, authorizeRequest());
    expect(result.attempts).toHaveLength(failoverAttemptsMax);
    expect(result).toMatchObject({ connector: `c${failoverAttemptsMax - 1}`, outcome: { responseCode: '91' } });
  });
});

describe('failover over real sockets', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function world(options: { switchInoperative?: boolean } = {}): Promise<CardWorld> {
    const started = await startCardWorld(options);
    closers.push(() => started.close());
    return started;
  }

  function connectorTo(name: string, port: number): CardConnector {
    const connector = createIso8583Acquirer({ name, host: '127.0.0.1', port, timeoutMs: 300 });
    closers.push(() => connector.close());
    return connector;
  }

  async function scripted(script: (message: Iso8583Message, reply: (m: Iso8583Message) => void) => void): Promise<ScriptedAcquirer> {
    const acquirer = await startScriptedAcquirer(script);
    closers.push(() => acquirer.close());
    return acquirer;
  }

  it('fails over from an acquirer answering 91 to a second acquirer', async () => {
    const down = await world({ switchInoperative: true });
    const up = await world();
    const card = testCardFor('visa', 'approved');
    const result = await authorizeWithFailover(
      [connectorTo('acquirer-a', down.acquirerPort), connectorTo('acquirer-b', up.acquirerPort)],
      authorizeRequest(card),
    );
    expect(result).toMatchObject({ connector: 'acquirer-b', outcome: { status: 'approved' } });
    expect(result.attempts[0]).toMatchObject({ connector: 'acquirer-a', outcome: { status: 'declined', responseCode: '91' } });
    expect(down.cardholder(card.pan)?.pendingMinor).toBe(0n);
    expect(up.cardholder(card.pan)?.pendingMinor).toBe(1_000n);
  });

  it('reverses at the silent acquirer, naming the original in DE 90, then approves at the next', async () => {
    const silent = await scripted((message, reply) => {
      if (message.mti === '0400') reply({ mti: responseMtiOf(message.mti), fields: { ...message.fields, 39: '00' } });
    });
    const up = await world();
    const result = await authorizeWithFailover(
      [connectorTo('silent', silent.port), connectorTo('up', up.acquirerPort)],
      authorizeRequest(),
    );
    expect(result).toMatchObject({ connector: 'up', outcome: { status: 'approved' } });
    const [authorization, reversal] = silent.received;
    expect(reversal?.mti).toBe('0400');
    expect(parseOriginalData(reversal!.fields[90]!)).toMatchObject({
      mti: '0100',
      stan: authorization!.fields[11],
      transmissionDateTime: authorization!.fields[7],
    });
    expect(reversal!.fields[4]).toBe(authorization!.fields[4]);
  });

  it('goes on to the next acquirer when the first cannot be reached', async () => {
    const gone = await startCardWorld();
    const port = gone.acquirerPort;
    await gone.close();
    const up = await world();
    const result = await authorizeWithFailover([connectorTo('gone', port), connectorTo('up', up.acquirerPort)], authorizeRequest());
    expect(result).toMatchObject({ connector: 'up', outcome: { status: 'approved' } });
    expect(result.attempts[0]).toMatchObject({ outcome: { status: 'unknown', reason: 'not_sent' } });
    expect(result.attempts[0]?.reversal).toBeUndefined();
  });

  it('leaves no hold anywhere when the card never answers at either acquirer', async () => {
    const a = await world();
    const b = await world();
    const card = testCardFor('jcb', 'no-answer');
    const result = await authorizeWithFailover(
      [connectorTo('a', a.acquirerPort), connectorTo('b', b.acquirerPort)],
      authorizeRequest(card),
    );
    expect(result).toMatchObject({ connector: 'b', outcome: { status: 'unknown', reason: 'timeout' }, needsReversal: false });
    expect(result.attempts.map((x) => x.reversal?.outcome.status)).toEqual(['approved', 'approved']);
    expect(a.cardholder(card.pan)?.availableMinor).toBe(card.creditLimitMinor);
    expect(b.cardholder(card.pan)?.availableMinor).toBe(card.creditLimitMinor);
  });
});
