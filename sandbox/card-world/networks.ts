import type { Iso8583Message } from '../../src/protocols/iso8583/index.js';
import { Issuer, type IssuerAnswer } from './issuer.js';
import { sandboxBrands, testCards, type SandboxBrand } from './test-cards.js';

/**
 * The card networks (schemes) of the sandbox. Each owns IIN ranges (domain.md §2, after
 * braintree/credit-card-type) and forwards what the acquirer sends it to its issuer. When
 * ranges overlap, the most specific (longest) prefix wins, as in the card-type table.
 */
export interface IinRange {
  /** Inclusive bounds, both of the same number of digits. */
  readonly low: string;
  readonly high: string;
}

export const networkRanges: Readonly<Record<SandboxBrand, readonly IinRange[]>> = {
  visa: [{ low: '4', high: '4' }],
  mastercard: [
    { low: '51', high: '55' },
    { low: '2221', high: '2720' },
  ],
  'american-express': [
    { low: '34', high: '34' },
    { low: '37', high: '37' },
  ],
  jcb: [
    { low: '3528', high: '3589' },
    { low: '2131', high: '2131' },
    { low: '1800', high: '1800' },
  ],
  unionpay: [
    { low: '62', high: '62' },
    { low: '8100', high: '8171' },
  ],
};

const networkNames: Readonly<Record<SandboxBrand, string>> = {
  visa: 'VisaNet (sandbox)',
  mastercard: 'Mastercard Banknet (sandbox)',
  'american-express': 'American Express network (sandbox)',
  jcb: 'JCB network (sandbox)',
  unionpay: 'China UnionPay network (sandbox)',
};

export interface CardNetwork {
  readonly brand: SandboxBrand;
  readonly name: string;
  readonly ranges: readonly IinRange[];
  readonly issuer: Issuer;
  route(request: Iso8583Message): IssuerAnswer;
}

export function createNetworks(clock: () => Date): readonly CardNetwork[] {
  return sandboxBrands.map((brand) => {
    const issuer = new Issuer({ brand, clock }, testCards);
    return { brand, name: networkNames[brand], ranges: networkRanges[brand], issuer, route: (request) => issuer.handle(request) };
  });
}

/** Digits of the longest range of `ranges` that contains the PAN's prefix; 0 when none does. */
function matchLength(ranges: readonly IinRange[], pan: string): number {
  let best = 0;
  for (const { low, high } of ranges) {
    const prefix = pan.slice(0, low.length);
    if (prefix.length === low.length && prefix >= low && prefix <= high) best = Math.max(best, low.length);
  }
  return best;
}

/** The network that owns a card number, by its most specific IIN range. */
export function networkFor(networks: readonly CardNetwork[], pan: string): CardNetwork | undefined {
  let chosen: CardNetwork | undefined;
  let chosenLength = 0;
  for (const network of networks) {
    const length = matchLength(network.ranges, pan);
    if (length > chosenLength) {
      chosen = network;
      chosenLength = length;
    }
  }
  return chosen;
}
