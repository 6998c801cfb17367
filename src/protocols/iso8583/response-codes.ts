/**
 * DE 39 response codes, ISO 8583:1987 (domain.md §3). `approved` codes are the ones after which
 * the issuer has taken the transaction; every other code is a decline with its reason.
 * 25 is not in domain.md's list but is the 1987 code for "unable to locate original" that
 * advices name. N7 is not in the 1987 table either: it is Visa's "decline for CVV2 failure", the
 * answer to a wrong security code (DE 48 subelement 92, see the acquirer connector).
 */
export const ResponseCode = {
  Approved: '00',
  ReferToIssuer: '01',
  InvalidMerchant: '03',
  PickUpCard: '04',
  DoNotHonor: '05',
  HonorWithIdentification: '08',
  ApprovedVip: '11',
  InvalidTransaction: '12',
  InvalidAmount: '13',
  InvalidCardNumber: '14',
  NoSuchIssuer: '15',
  UnableToLocateOriginal: '25',
  FormatError: '30',
  LostCard: '41',
  StolenCard: '43',
  InsufficientFunds: '51',
  ExpiredCard: '54',
  NotPermittedToCardholder: '57',
  SuspectedFraud: '59',
  ExceedsAmountLimit: '61',
  IssuerInoperative: '91',
  RoutingError: '92',
  DuplicateTransaction: '94',
  SystemMalfunction: '96',
  IncorrectSecurityCode: 'N7',
} as const;

export type ResponseCodeValue = (typeof ResponseCode)[keyof typeof ResponseCode];

export interface ResponseCodeInfo {
  readonly code: string;
  readonly reason: string;
  readonly approved: boolean;
}

const reasons: Readonly<Record<ResponseCodeValue, string>> = {
  '00': 'approved',
  '01': 'refer to card issuer',
  '03': 'invalid merchant',
  '04': 'pick up card',
  '05': 'do not honor',
  '08': 'honor with identification',
  '11': 'approved (VIP)',
  '12': 'invalid transaction',
  '13': 'invalid amount',
  '14': 'invalid card number',
  '15': 'no such issuer',
  '25': 'unable to locate original transaction',
  '30': 'format error',
  '41': 'lost card',
  '43': 'stolen card',
  '51': 'insufficient funds',
  '54': 'expired card',
  '57': 'transaction not permitted to cardholder',
  '59': 'suspected fraud',
  '61': 'exceeds amount limit',
  '91': 'issuer or switch inoperative',
  '92': 'routing error',
  '94': 'duplicate transaction',
  '96': 'system malfunction',
  N7: 'security code check failed',
};

const approvedCodes: ReadonlySet<string> = new Set(['00', '08', '11']);

export const responseCodes: ReadonlyMap<string, ResponseCodeInfo> = new Map(
  Object.entries(reasons).map(([code, reason]) => [code, Object.freeze({ code, reason, approved: approvedCodes.has(code) })]),
);

/** The meaning of a DE 39 value; a code outside the table is a decline with a generic reason. */
export function describeResponseCode(code: string): ResponseCodeInfo {
  return responseCodes.get(code) ?? { code, reason: `response code ${code}`, approved: false };
}
