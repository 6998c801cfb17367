/**
 * The sandbox's cardholders: one issuer per card network, each with a table of test cards whose
 * outcome is fixed, and a default for every other valid number (approved, default limit).
 * docs/test-cards.md is the same table for people; a test keeps the two in step.
 *
 * Numbers follow one pattern per brand: a fixed prefix, two digits that recall the outcome
 * (00 approved, 05, 51, 54, 91 the response code, 68 "response received too late" for the card
 * that never answers, 33 for the 3-D Secure challenge), then the Luhn check digit.
 */
export type SandboxBrand = 'visa' | 'mastercard' | 'american-express' | 'jcb' | 'unionpay';

export const sandboxBrands: readonly SandboxBrand[] = ['visa', 'mastercard', 'american-express', 'jcb', 'unionpay'];

export type TestCardOutcome =
  | 'approved'
  | 'do-not-honor'
  | 'insufficient-funds'
  | 'expired'
  | 'issuer-inoperative'
  | 'no-answer'
  | '3ds-challenge'
  /** UnionPay only: a number that fails Luhn and is still a real card (domain.md §2). */
  | 'approved-non-luhn'
  /** UnionPay only: a non-Luhn number the issuer lists as invalid. */
  | 'invalid-number';

/** Who issues a brand's sandbox cards, where, in what currency, and the limits they grant. */
export interface IssuerProfile {
  readonly brand: SandboxBrand;
  readonly issuerName: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  /** ISO 4217 code of the cardholder's account (the billing currency). */
  readonly currency: string;
  /** The limit of a card that is not in the table: 1,000,000.00 (JPY 1,000,000) in minor units. */
  readonly defaultCreditLimitMinor: bigint;
  /** Card number lengths this brand issues, in digits (domain.md §2). */
  readonly panLengths: readonly number[];
  /** Whether the issuer refuses numbers that fail Luhn (UnionPay: only those it lists). */
  readonly luhnRequired: boolean;
}

export const issuerProfiles: Readonly<Record<SandboxBrand, IssuerProfile>> = {
  visa: {
    brand: 'visa',
    issuerName: 'Sandbox Visa Issuer (US)',
    country: 'US',
    currency: 'USD',
    defaultCreditLimitMinor: 100_000_000n,
    panLengths: [16, 18, 19],
    luhnRequired: true,
  },
  mastercard: {
    brand: 'mastercard',
    issuerName: 'Sandbox Mastercard Issuer (GB)',
    country: 'GB',
    currency: 'GBP',
    defaultCreditLimitMinor: 100_000_000n,
    panLengths: [16],
    luhnRequired: true,
  },
  'american-express': {
    brand: 'american-express',
    issuerName: 'Sandbox Amex Issuer (US)',
    country: 'US',
    currency: 'USD',
    defaultCreditLimitMinor: 100_000_000n,
    panLengths: [15],
    luhnRequired: true,
  },
  jcb: {
    brand: 'jcb',
    issuerName: 'Sandbox JCB Issuer (JP)',
    country: 'JP',
    currency: 'JPY',
    defaultCreditLimitMinor: 1_000_000n,
    panLengths: [16, 17, 18, 19],
    luhnRequired: true,
  },
  unionpay: {
    brand: 'unionpay',
    issuerName: 'Sandbox UnionPay Issuer (CN)',
    country: 'CN',
    currency: 'CNY',
    defaultCreditLimitMinor: 100_000_000n,
    panLengths: [14, 15, 16, 17, 18, 19],
    luhnRequired: false,
  },
};

/** Far enough ahead to stay valid for the life of this sandbox; DE 14 is YYMM. */
export const testCardExpiryYymm = '4912';
/** January 2024: expired against any clock this sandbox will run with. */
export const expiredCardExpiryYymm = '2401';
/** The limit of the insufficient-funds card: 100 minor units (USD 1.00, JPY 100). */
export const tinyCreditLimitMinor = 100n;

export interface TestCard {
  readonly pan: string;
  readonly brand: SandboxBrand;
  readonly outcome: TestCardOutcome;
  /** DE 39 for an authorization or purchase within the limit; undefined: the answer never comes. */
  readonly responseCode: string | undefined;
  readonly expiryYymm: string;
  readonly country: string;
  readonly currency: string;
  readonly creditLimitMinor: bigint;
  readonly threeDSecure?: 'challenge';
}

const brandPrefixes: Readonly<Record<SandboxBrand, string>> = {
  visa: '4111111111111',
  mastercard: '5105105105105',
  'american-express': '378282246310',
  jcb: '3566111111111',
  unionpay: '6212345678901',
};

/** Outcome digits and the last digit of each brand's number (the Luhn check digit, computed once). */
const outcomeNumbers: readonly (readonly [TestCardOutcome, string, Readonly<Record<SandboxBrand, string>>])[] = [
  ['approved', '00', { visa: '4', mastercard: '1', 'american-express': '5', jcb: '6', unionpay: '0' }],
  ['do-not-honor', '05', { visa: '3', mastercard: '0', 'american-express': '4', jcb: '5', unionpay: '9' }],
  ['insufficient-funds', '51', { visa: '7', mastercard: '4', 'american-express': '8', jcb: '9', unionpay: '3' }],
  ['expired', '54', { visa: '1', mastercard: '8', 'american-express': '2', jcb: '3', unionpay: '7' }],
  ['issuer-inoperative', '91', { visa: '3', mastercard: '0', 'american-express': '4', jcb: '5', unionpay: '9' }],
  ['no-answer', '68', { visa: '1', mastercard: '8', 'american-express': '2', jcb: '3', unionpay: '7' }],
  ['3ds-challenge', '33', { visa: '5', mastercard: '2', 'american-express': '6', jcb: '7', unionpay: '1' }],
];

const responseCodeOf: Readonly<Record<TestCardOutcome, string | undefined>> = {
  approved: '00',
  'do-not-honor': '05',
  'insufficient-funds': '51',
  expired: '54',
  'issuer-inoperative': '91',
  'no-answer': undefined,
  '3ds-challenge': '00',
  'approved-non-luhn': '00',
  'invalid-number': '14',
};

function makeCard(brand: SandboxBrand, outcome: TestCardOutcome, pan: string): TestCard {
  const profile = issuerProfiles[brand];
  const card: TestCard = {
    pan,
    brand,
    outcome,
    responseCode: responseCodeOf[outcome],
    expiryYymm: outcome === 'expired' ? expiredCardExpiryYymm : testCardExpiryYymm,
    country: profile.country,
    currency: profile.currency,
    creditLimitMinor: outcome === 'insufficient-funds' ? tinyCreditLimitMinor : profile.defaultCreditLimitMinor,
  };
  return outcome === '3ds-challenge' ? { ...card, threeDSecure: 'challenge' } : card;
}

export const testCards: readonly TestCard[] = Object.freeze([
  ...outcomeNumbers.flatMap(([outcome, digits, checkDigits]) =>
    [...sandboxBrands].map((brand) => makeCard(brand, outcome, brandPrefixes[brand] + digits + checkDigits[brand])),
  ),
  // Luhn would want check digit 0 and 2 here; the last digits are deliberately off by one.
  makeCard('unionpay', 'approved-non-luhn', '6212345678901001'),
  makeCard('unionpay', 'invalid-number', '6212345678901142'),
]);

const cardsByPan: ReadonlyMap<string, TestCard> = new Map(testCards.map((card) => [card.pan, card]));

export function findTestCard(pan: string): TestCard | undefined {
  return cardsByPan.get(pan);
}

/** The table's card for a brand and outcome; throws when the table has none (a test bug). */
export function testCardFor(brand: SandboxBrand, outcome: TestCardOutcome): TestCard {
  const card = testCards.find((c) => c.brand === brand && c.outcome === outcome);
  if (card === undefined) throw new Error(`no ${outcome} test card for ${brand}`);
  return card;
}
