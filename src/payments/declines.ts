/**
 * Each issuer decline reason gets its own stable `decline_code` (issue 12), on the problem a
 * confirm answers and on the payment's `last_error`, with a sentence a shopper understands. The
 * codes follow Stripe's decline codes where one exists, so integrators recognise them. Source of
 * the response codes: ISO 8583:1987 DE 39 (domain.md §3); N7 is Visa's "CVV2 failure" code, which
 * the 1987 table lacks.
 */
export enum DeclineCode {
  InsufficientFunds = 'insufficient_funds',
  DoNotHonor = 'do_not_honor',
  ExpiredCard = 'expired_card',
  InvalidCard = 'invalid_card',
  IncorrectCvc = 'incorrect_cvc',
  IssuerUnavailable = 'issuer_unavailable',
  LostCard = 'lost_card',
  StolenCard = 'stolen_card',
  PickUpCard = 'pickup_card',
  Fraudulent = 'fraudulent',
  NotPermitted = 'transaction_not_allowed',
  LimitExceeded = 'card_velocity_exceeded',
  InvalidAmount = 'invalid_amount',
  CallIssuer = 'call_issuer',
  Generic = 'generic_decline',
}

interface Decline {
  readonly code: DeclineCode;
  /** Shown to the shopper: what happened and what to do, without the issuer's internals. */
  readonly message: string;
}

const tryAnother = 'Please use another card or payment method.';

const byResponseCode: Readonly<Record<string, Decline>> = {
  '01': { code: DeclineCode.CallIssuer, message: `Your bank asks you to contact it before this payment can go through. ${tryAnother}` },
  '04': { code: DeclineCode.PickUpCard, message: `Your bank declined this card. ${tryAnother}` },
  '05': { code: DeclineCode.DoNotHonor, message: `Your bank declined the payment without giving a reason. ${tryAnother}` },
  '13': { code: DeclineCode.InvalidAmount, message: 'Your bank does not accept this amount on this card.' },
  '14': { code: DeclineCode.InvalidCard, message: 'The card number is not valid. Check it and try again.' },
  '15': { code: DeclineCode.InvalidCard, message: 'No bank issues this card number. Check it and try again.' },
  '41': { code: DeclineCode.LostCard, message: `Your bank declined this card. ${tryAnother}` },
  '43': { code: DeclineCode.StolenCard, message: `Your bank declined this card. ${tryAnother}` },
  '51': { code: DeclineCode.InsufficientFunds, message: `The card does not have enough funds for this payment. ${tryAnother}` },
  '54': { code: DeclineCode.ExpiredCard, message: `The card has expired. ${tryAnother}` },
  '57': { code: DeclineCode.NotPermitted, message: `Your bank does not allow this kind of payment on this card. ${tryAnother}` },
  '59': { code: DeclineCode.Fraudulent, message: `Your bank declined the payment. ${tryAnother}` },
  '61': { code: DeclineCode.LimitExceeded, message: `The payment is above the card's spending limit. ${tryAnother}` },
  '91': {
    code: DeclineCode.IssuerUnavailable,
    message: 'Your bank could not be reached. Nothing was charged; try again in a few minutes or use another card.',
  },
  N7: { code: DeclineCode.IncorrectCvc, message: "The card's security code is incorrect. Check it and try again." },
};

const generic: Decline = { code: DeclineCode.Generic, message: `Your bank declined the payment. ${tryAnother}` };

export function declineFor(responseCode: string): Decline {
  return byResponseCode[responseCode] ?? generic;
}

/** A card decline as a failure value: the payment error plus the decline code and the shopper's text. */
export interface DeclineFailure {
  readonly failure: 'card_declined';
  readonly detail: string;
  readonly declineCode: DeclineCode;
  readonly declineMessage: string;
}

export function declinedFailure(responseCode: string, reason: string): DeclineFailure {
  const decline = declineFor(responseCode);
  return { failure: 'card_declined', detail: `${responseCode} ${reason}`, declineCode: decline.code, declineMessage: decline.message };
}
