import { describe, expect, it } from 'vitest';
import { formatOriginalData, type Iso8583Message } from '../../src/protocols/iso8583/index.js';
import { createAcquirerProcessor, type Processor } from './acquirer.js';
import { createNetworks, networkFor, type CardNetwork } from './networks.js';
import { testCardFor, type SandboxBrand, type TestCardOutcome } from './test-cards.js';

/**
 * The acquirer, networks and issuers without sockets: requests in, answers out, and the
 * issuer's accounts inspected after each step.
 */
const now = new Date('2026-06-15T10:30:00Z');

function world(options: { switchInoperative?: boolean } = {}): { process: Processor; networks: readonly CardNetwork[] } {
  const clock = (): Date => now;
  const networks = createNetworks(clock);
  return {
    networks,
    process: createAcquirerProcessor({ networks, clock, log: () => undefined, switchInoperative: options.switchInoperative ?? false }),
  };
}

let stanSequence = 0;

function request(mti: string, pan: string, overrides: Record<number, string> = {}): Iso8583Message {
  stanSequence += 1;
  return {
    mti,
    fields: {
      2: pan,
      3: '000000',
      4: '000000001000',
      7: '0615103000',
      11: String(stanSequence).padStart(6, '0'),
      14: '4912',
      32: '10000000001',
      41: 'TERM0001',
      42: 'MERCHANT0000001',
      49: '840',
      ...overrides,
    },
  };
}

function naming(original: Iso8583Message): string {
  const f = original.fields;
  return formatOriginalData({
    mti: original.mti,
    stan: f[11]!,
    transmissionDateTime: f[7]!,
    acquirerId: f[32]!,
    forwardingId: '',
  }) as string;
}

function followUp(mti: string, original: Iso8583Message, overrides: Record<number, string> = {}): Iso8583Message {
  return request(mti, original.fields[2]!, {
    3: original.fields[3]!,
    4: original.fields[4]!,
    49: original.fields[49]!,
    90: naming(original),
    ...overrides,
  });
}

function code(answer: Iso8583Message | undefined): string | undefined {
  return answer?.fields[39];
}

function available(networks: readonly CardNetwork[], pan: string): bigint | undefined {
  return networkFor(networks, pan)?.issuer.cardholder(pan)?.availableMinor;
}

const visa = testCardFor('visa', 'approved').pan;
const limit = 100_000_000n;

describe('issuer: authorization, completion, reversal', () => {
  it('holds on 0100, posts part of it on 0220 and releases the rest', () => {
    const { process, networks } = world();
    const auth = request('0100', visa, { 4: '000000010000' });
    const approved = process(auth)!;
    expect(approved).toMatchObject({ mti: '0110', fields: { 39: '00', 4: '000000010000', 49: '840', 11: auth.fields[11] } });
    expect(approved.fields[38]).toMatch(/^[0-9]{6}$/);
    expect(approved.fields[37]).toMatch(/^6166[0-9]{8}$/); // 2026, day 166, 10 h
    expect(available(networks, visa)).toBe(limit - 10_000n);
    expect(code(process(followUp('0220', auth, { 4: '000000007500' })))).toBe('00');
    const account = networkFor(networks, visa)!.issuer.cardholder(visa)!;
    expect(account).toMatchObject({ postedMinor: 7_500n, pendingMinor: 0n, availableMinor: limit - 7_500n });
  });

  it('refuses a completion above the authorization (13) and one without an authorization (25)', () => {
    const { process, networks } = world();
    const auth = request('0100', visa);
    process(auth);
    expect(code(process(followUp('0220', auth, { 4: '000000001001' })))).toBe('13');
    expect(code(process(followUp('0220', { ...auth, fields: { ...auth.fields, 11: '999999' } })))).toBe('25');
    expect(available(networks, visa)).toBe(limit - 1_000n);
  });

  it('answers a repeated completion for the same amount 00 without posting twice', () => {
    const { process, networks } = world();
    const auth = request('0100', visa);
    process(auth);
    expect(code(process(followUp('0220', auth)))).toBe('00');
    expect(code(process(followUp('0221', auth)))).toBe('00');
    expect(code(process(followUp('0220', auth, { 4: '000000000500' })))).toBe('12');
    expect(available(networks, visa)).toBe(limit - 1_000n);
  });

  it('releases a hold on 0400, once, however often the reversal comes', () => {
    const { process, networks } = world();
    const auth = request('0100', visa);
    process(auth);
    for (let i = 0; i < 3; i++) expect(code(process(followUp('0400', auth)))).toBe('00');
    expect(available(networks, visa)).toBe(limit);
    expect(code(process(followUp('0220', auth)))).toBe('12'); // nothing left to complete
  });

  it('returns a completed authorization and a purchase on reversal, and re-debits a reversed refund', () => {
    const { process, networks } = world();
    const auth = request('0100', visa);
    process(auth);
    process(followUp('0220', auth));
    expect(code(process(followUp('0400', auth)))).toBe('00');
    expect(available(networks, visa)).toBe(limit);
    const purchase = request('0200', visa, { 4: '000000002000' });
    expect(code(process(purchase))).toBe('00');
    expect(available(networks, visa)).toBe(limit - 2_000n);
    expect(code(process(followUp('0400', purchase)))).toBe('00');
    expect(available(networks, visa)).toBe(limit);
    const refund = request('0200', visa, { 3: '200000', 4: '000000000300' });
    expect(code(process(refund))).toBe('00');
    expect(available(networks, visa)).toBe(limit + 300n);
    expect(code(process(followUp('0400', refund)))).toBe('00');
    expect(available(networks, visa)).toBe(limit);
  });

  it('refuses a partial reversal (DE 4 other than the original) with 13 and keeps the hold', () => {
    const { process, networks } = world();
    const auth = request('0100', visa);
    process(auth);
    expect(code(process(followUp('0400', auth, { 4: '000000000999' })))).toBe('13');
    expect(available(networks, visa)).toBe(limit - 1_000n);
  });

  it('answers 00 to the reversal of an unknown original and then declines that original (05)', () => {
    const { process, networks } = world();
    const lost = request('0100', visa);
    expect(code(process(followUp('0400', lost)))).toBe('00');
    expect(code(process(lost))).toBe('05');
    expect(available(networks, visa)).toBe(limit);
  });
});

describe('issuer: duplicates', () => {
  it('replays the first answer to the same STAN and time, charging once', () => {
    const { process, networks } = world();
    const purchase = request('0200', visa, { 4: '000000004000' });
    const first = process(purchase);
    const second = process(purchase);
    expect(second).toEqual(first);
    expect(available(networks, visa)).toBe(limit - 4_000n);
  });

  it('answers 94 to the same STAN and time with another amount', () => {
    const { process, networks } = world();
    const purchase = request('0200', visa);
    process(purchase);
    expect(code(process({ ...purchase, fields: { ...purchase.fields, 4: '000000009999' } }))).toBe('94');
    expect(available(networks, visa)).toBe(limit - 1_000n);
  });

  it('treats the same STAN at another transmission time as another transaction', () => {
    const { process, networks } = world();
    const purchase = request('0200', visa);
    process(purchase);
    process({ ...purchase, fields: { ...purchase.fields, 7: '0615103001' } });
    expect(available(networks, visa)).toBe(limit - 2_000n);
  });
});

describe('issuer: the test-card outcomes', () => {
  const amounts: Readonly<Record<SandboxBrand, string>> = {
    visa: '840',
    mastercard: '826',
    'american-express': '840',
    jcb: '392',
    unionpay: '156',
  };
  const cases: readonly [TestCardOutcome, string | undefined][] = [
    ['approved', '00'],
    ['do-not-honor', '05'],
    ['insufficient-funds', '51'],
    ['expired', '54'],
    ['issuer-inoperative', '91'],
    ['no-answer', undefined],
    ['3ds-challenge', '00'],
  ];
  for (const brand of ['visa', 'mastercard', 'american-express', 'jcb', 'unionpay'] as const) {
    it.each(cases)(`${brand}: %s → %s`, (outcome, expected) => {
      const { process } = world();
      const card = testCardFor(brand, outcome);
      expect(code(process(request('0100', card.pan, { 14: card.expiryYymm, 49: amounts[brand] })))).toBe(expected);
    });
  }

  it('approves up to the tiny limit of the insufficient-funds card', () => {
    const { process } = world();
    const pan = testCardFor('jcb', 'insufficient-funds').pan;
    expect(code(process(request('0100', pan, { 4: '000000000100', 49: '392' })))).toBe('00');
    expect(code(process(request('0100', pan, { 4: '000000000001', 49: '392' })))).toBe('51');
  });

  it('acts on the no-answer card though it stays silent, and answers its reversal', () => {
    const { process, networks } = world();
    const pan = testCardFor('visa', 'no-answer').pan;
    const auth = request('0100', pan);
    expect(process(auth)).toBeUndefined();
    expect(available(networks, pan)).toBe(limit - 1_000n);
    expect(code(process(followUp('0400', auth)))).toBe('00');
    expect(available(networks, pan)).toBe(limit);
  });

  it('checks Luhn (14), except for UnionPay numbers it does not list', () => {
    const { process } = world();
    expect(code(process(request('0100', '4111111111111112')))).toBe('14');
    expect(code(process(request('0100', '411111111111111')))).toBe('14'); // Visa does not issue 15 digits
    expect(code(process(request('0100', testCardFor('unionpay', 'approved-non-luhn').pan, { 49: '156' })))).toBe('00');
    expect(code(process(request('0100', '6212345678901234567', { 49: '156' })))).toBe('00');
    expect(code(process(request('0100', testCardFor('unionpay', 'invalid-number').pan, { 49: '156' })))).toBe('14');
  });

  it('opens unknown valid cards with the default limit and answers 54 to an expiry before now', () => {
    const { process, networks } = world();
    expect(code(process(request('0100', '4242424242424242')))).toBe('00');
    expect(networkFor(networks, '4242424242424242')!.issuer.cardholder('4242424242424242')).toMatchObject({
      country: 'US',
      currency: 'USD',
      creditLimitMinor: limit,
      availableMinor: limit - 1_000n,
    });
    expect(code(process(request('0100', '4242424242424242', { 14: '2605' })))).toBe('54');
    expect(code(process(request('0100', '4242424242424242', { 14: '2606' })))).toBe('00');
  });

  it('bills a transaction in another currency in the card currency, rounding up', () => {
    const { process, networks } = world();
    expect(code(process(request('0100', visa, { 4: '000000010001', 49: '156' })))).toBe('00'); // CNY 100.01
    expect(available(networks, visa)).toBe(limit - 1_401n); // USD 14.0014 → 14.01
    expect(code(process(request('0100', visa, { 49: '784' })))).toBe('12'); // AED: no sandbox rate
  });
});

describe('acquirer host', () => {
  it('answers network management itself and checks DE 70', () => {
    const { process } = world();
    const echo = process({ mti: '0800', fields: { 7: '0615103000', 11: '000001', 70: '301' } });
    expect(echo).toEqual({ mti: '0810', fields: { 7: '0615103000', 11: '000001', 70: '301', 39: '00' } });
    expect(code(process({ mti: '0800', fields: { 7: '0615103000', 11: '000002', 70: '999' } }))).toBe('12');
  });

  it('answers 30 when a required element is missing, 92 when no network owns the card, 12 for other MTIs', () => {
    const { process } = world();
    const fields = Object.fromEntries(Object.entries(request('0100', visa).fields).filter(([field]) => field !== '4'));
    expect(code(process({ mti: '0100', fields }))).toBe('30');
    expect(code(process(request('0400', visa)))).toBe('30'); // no DE 90
    expect(code(process(request('0100', '6011000995500000')))).toBe('92');
    expect(process(request('0300', visa))?.mti).toBe('0310');
    expect(code(process(request('0300', visa)))).toBe('12');
    expect(process(request('0110', visa))).toBeUndefined(); // a response is not answered
  });

  it('answers 91 to everything financial when the switch is down, but still echoes', () => {
    const { process, networks } = world({ switchInoperative: true });
    expect(code(process(request('0100', visa)))).toBe('91');
    expect(available(networks, visa)).toBe(limit);
    expect(code(process({ mti: '0800', fields: { 7: '0615103000', 11: '000001', 70: '301' } }))).toBe('00');
  });
});
