import {
  formatYymm,
  isIso8583Failure,
  originalMtiOf,
  parseOriginalData,
  ResponseCode,
  type Iso8583Message,
} from '../../src/protocols/iso8583/index.js';
import { convertMinor, currencyByCode, currencyByNumeric, type SandboxCurrency } from './fx.js';
import { luhnValid } from './luhn.js';
import { respond } from './messages.js';
import {
  findTestCard,
  issuerProfiles,
  testCardExpiryYymm,
  type IssuerProfile,
  type SandboxBrand,
  type TestCard,
  type TestCardOutcome,
} from './test-cards.js';

/**
 * An issuing bank in the sandbox: it keeps its cardholders' credit accounts in memory and answers
 * authorizations (0100), purchases and refunds (0200), completion advices (0220) and reversals
 * (0400) the way docs/test-cards.md describes.
 *
 * Money on an account, in minor units of the card's billing currency:
 *   available = creditLimit − posted − pending
 * An authorization places a hold (pending); its completion posts it (releasing the rest); a
 * reversal voids the hold or undoes a posting. A purchase posts at once; a refund posts a credit.
 *
 * A transaction is known by PAN + acquiring institution (DE 32) + STAN (DE 11) + transmission
 * time (DE 7). The same key with the same content replays the first answer (no second charge);
 * the same key with other content is answered 94 (duplicate transaction).
 */
export type IssuerAnswer = { readonly kind: 'answer'; readonly response: Iso8583Message } | { readonly kind: 'silent' };

export interface CardholderSnapshot {
  readonly pan: string;
  readonly brand: SandboxBrand;
  readonly country: string;
  readonly currency: string;
  readonly expiryYymm: string;
  readonly creditLimitMinor: bigint;
  readonly postedMinor: bigint;
  readonly pendingMinor: bigint;
  readonly availableMinor: bigint;
}

export interface IssuerOptions {
  readonly brand: SandboxBrand;
  readonly clock: () => Date;
  /** Cardholders created on first use (any valid number not in the table); beyond it: 96. */
  readonly accountsMax?: number;
  /** Transactions remembered for duplicates and reversals; the oldest are forgotten first. */
  readonly transactionsMax?: number;
}

type Behaviour = TestCardOutcome;

interface Account {
  readonly pan: string;
  readonly currency: SandboxCurrency;
  readonly expiryYymm: string;
  readonly behaviour: Behaviour;
  readonly creditLimitMinor: bigint;
  postedMinor: bigint;
  pendingMinor: bigint;
}

type TransactionKind = 'authorization' | 'purchase' | 'refund' | 'completion' | 'reversal';

interface Transaction {
  readonly kind: TransactionKind;
  /** What makes a repeat "the same message": a repeat with other content is a duplicate (94). */
  readonly fingerprint: string;
  readonly amountMinor: bigint;
  readonly currencyNumeric: string;
  /** Held (authorization) or posted (purchase, refund), in the billing currency. */
  billingMinor: bigint;
  state: 'pending' | 'posted' | 'reversed' | 'declined' | 'done';
  /** For a completed authorization: the amount the completion named. */
  completedAmountMinor?: bigint;
  answer: IssuerAnswer;
}

/** A reversal that arrived before (or instead of) its original: the original must then have no effect. */
const reversedBeforeArrival = 'reversed-before-arrival';

const accountsMaxDefault = 100_000;
const transactionsMaxDefault = 100_000;
const institutionIdLength = 11;

function transactionKey(pan: string, acquirerId: string | undefined, stan: string, transmissionDateTime: string): string {
  return [pan, (acquirerId ?? '').padStart(institutionIdLength, '0'), stan, transmissionDateTime].join('|');
}

function fingerprintOf(request: Iso8583Message): string {
  const f = request.fields;
  return [originalMtiOf(request.mti), f[3], f[4], f[49], f[14], f[90]].join('|');
}

export class Issuer {
  readonly brand: SandboxBrand;
  readonly #profile: IssuerProfile;
  readonly #billing: SandboxCurrency;
  readonly #clock: () => Date;
  readonly #accountsMax: number;
  readonly #transactionsMax: number;
  readonly #accounts = new Map<string, Account>();
  readonly #transactions = new Map<string, Transaction | typeof reversedBeforeArrival>();
  #authorizationCodeSequence = 0;

  constructor(options: IssuerOptions, cards: readonly TestCard[]) {
    this.brand = options.brand;
    this.#profile = issuerProfiles[options.brand];
    const billing = currencyByCode(this.#profile.currency);
    if (billing === undefined) throw new Error(`no sandbox rate for ${this.#profile.currency}`);
    this.#billing = billing;
    this.#clock = options.clock;
    this.#accountsMax = options.accountsMax ?? accountsMaxDefault;
    this.#transactionsMax = options.transactionsMax ?? transactionsMaxDefault;
    for (const card of cards.filter((c) => c.brand === options.brand)) this.#openAccount(card.pan, card);
  }

  /** Test inspection: the cardholder's account as the issuer sees it now. */
  cardholder(pan: string): CardholderSnapshot | undefined {
    const account = this.#accounts.get(pan);
    if (account === undefined) return undefined;
    const { postedMinor, pendingMinor, creditLimitMinor } = account;
    return {
      pan,
      brand: this.brand,
      country: this.#profile.country,
      currency: account.currency.code,
      expiryYymm: account.expiryYymm,
      creditLimitMinor,
      postedMinor,
      pendingMinor,
      availableMinor: creditLimitMinor - postedMinor - pendingMinor,
    };
  }

  /** Answers one request the acquirer routed here (required elements already checked). */
  handle(request: Iso8583Message): IssuerAnswer {
    const f = request.fields;
    const key = transactionKey(f[2] ?? '', f[32], f[11] ?? '', f[7] ?? '');
    const known = this.#transactions.get(key);
    if (known !== undefined && known !== reversedBeforeArrival) {
      return known.fingerprint === fingerprintOf(request) ? known.answer : answer(request, ResponseCode.DuplicateTransaction);
    }
    const mti = originalMtiOf(request.mti);
    if (known === reversedBeforeArrival && (mti === '0100' || mti === '0200')) {
      // Its reversal came first: the requester already counts it as undone.
      return this.#remember(key, request, this.#declined(request, 'authorization', ResponseCode.DoNotHonor));
    }
    return this.#remember(key, request, this.#dispatch(mti, request));
  }

  #dispatch(mti: string, request: Iso8583Message): Transaction {
    const processing = (request.fields[3] ?? '').slice(0, 2);
    if (mti === '0100' && processing === '00') return this.#debit(request, 'authorization');
    if (mti === '0200' && processing === '00') return this.#debit(request, 'purchase');
    if (mti === '0200' && processing === '20') return this.#refund(request);
    if (mti === '0220') return this.#complete(request);
    if (mti === '0400') return this.#reverse(request);
    return this.#declined(request, 'authorization', ResponseCode.InvalidTransaction);
  }

  #remember(key: string, request: Iso8583Message, transaction: Transaction): IssuerAnswer {
    // The card that never answers: the issuer acts, the answer is lost on the way back.
    const account = this.#accounts.get(request.fields[2] ?? '');
    const originating = transaction.kind === 'authorization' || transaction.kind === 'purchase' || transaction.kind === 'refund';
    if (account?.behaviour === 'no-answer' && originating) transaction.answer = { kind: 'silent' };
    this.#store(key, transaction);
    return transaction.answer;
  }

  #store(key: string, entry: Transaction | typeof reversedBeforeArrival): void {
    this.#transactions.set(key, entry);
    if (this.#transactions.size <= this.#transactionsMax) return;
    const oldest = this.#transactions.keys().next();
    if (oldest.done !== true) this.#transactions.delete(oldest.value);
  }

  // --- originating messages -------------------------------------------------------------------

  #debit(request: Iso8583Message, kind: 'authorization' | 'purchase'): Transaction {
    const account = this.#accountFor(request);
    if (typeof account === 'string') return this.#declined(request, kind, account);
    const currency = this.#screen(account, request, { checkExpiry: true });
    if (typeof currency === 'string') return this.#declined(request, kind, currency);
    const billingMinor = convertMinor(BigInt(request.fields[4] ?? '0'), currency, account.currency, 'up');
    if (billingMinor > account.creditLimitMinor - account.postedMinor - account.pendingMinor) {
      return this.#declined(request, kind, ResponseCode.InsufficientFunds);
    }
    if (kind === 'authorization') account.pendingMinor += billingMinor;
    else account.postedMinor += billingMinor;
    const state = kind === 'authorization' ? 'pending' : 'posted';
    return this.#approved(request, kind, billingMinor, state);
  }

  #refund(request: Iso8583Message): Transaction {
    const account = this.#accountFor(request);
    if (typeof account === 'string') return this.#declined(request, 'refund', account);
    const currency = this.#screen(account, request, { checkExpiry: false });
    if (typeof currency === 'string') return this.#declined(request, 'refund', currency);
    const billingMinor = convertMinor(BigInt(request.fields[4] ?? '0'), currency, account.currency, 'down');
    account.postedMinor -= billingMinor;
    return this.#approved(request, 'refund', billingMinor, 'posted');
  }

  /** Card-level checks, in the order an issuer answers them: a response code, or the transaction currency if all pass. */
  #screen(account: Account, request: Iso8583Message, options: { checkExpiry: boolean }): SandboxCurrency | string {
    if (account.behaviour === 'invalid-number') return ResponseCode.InvalidCardNumber;
    if (account.behaviour === 'do-not-honor') return ResponseCode.DoNotHonor;
    if (account.behaviour === 'issuer-inoperative') return ResponseCode.IssuerInoperative;
    // The security code is checked when the authorization carries one (DE 48 subelement 92).
    if (options.checkExpiry && !securityCodeMatches(request.fields[48], account.pan)) return ResponseCode.IncorrectSecurityCode;
    const now = formatYymm(this.#clock());
    // YYMM compares as text within one century; the sandbox lives in the 2000s.
    if (options.checkExpiry && (account.expiryYymm < now || (request.fields[14] ?? account.expiryYymm) < now)) {
      return ResponseCode.ExpiredCard;
    }
    // The sandbox issuer bills only currencies it has a rate for.
    return currencyByNumeric(request.fields[49] ?? '') ?? ResponseCode.InvalidTransaction;
  }

  #accountFor(request: Iso8583Message): Account | string {
    const pan = request.fields[2] ?? '';
    const existing = this.#accounts.get(pan);
    if (existing !== undefined) return existing;
    const lengthOk = this.#profile.panLengths.includes(pan.length);
    if (!lengthOk || (this.#profile.luhnRequired && !luhnValid(pan))) return ResponseCode.InvalidCardNumber;
    if (this.#accounts.size >= this.#accountsMax) return ResponseCode.SystemMalfunction;
    return this.#openAccount(pan, findTestCard(pan), request.fields[14]);
  }

  #openAccount(pan: string, card: TestCard | undefined, requestedExpiry?: string): Account {
    const account: Account = {
      pan,
      currency: this.#billing,
      expiryYymm: card?.expiryYymm ?? requestedExpiry ?? testCardExpiryYymm,
      behaviour: card?.outcome ?? 'approved',
      creditLimitMinor: card?.creditLimitMinor ?? this.#profile.defaultCreditLimitMinor,
      postedMinor: 0n,
      pendingMinor: 0n,
    };
    this.#accounts.set(pan, account);
    return account;
  }

  // --- messages that name an original (DE 90) --------------------------------------------------

  #original(request: Iso8583Message): { key: string; entry: Transaction | typeof reversedBeforeArrival | undefined } | undefined {
    const original = parseOriginalData(request.fields[90] ?? '');
    if (isIso8583Failure(original)) return undefined;
    const key = transactionKey(request.fields[2] ?? '', original.acquirerId, original.stan, original.transmissionDateTime);
    return { key, entry: this.#transactions.get(key) };
  }

  /** 0220: posts an approved authorization for up to its amount and releases the rest of the hold. */
  #complete(request: Iso8583Message): Transaction {
    const found = this.#original(request);
    if (found === undefined) return this.#declined(request, 'completion', ResponseCode.FormatError);
    const original = found.entry;
    if (
      original === undefined ||
      original === reversedBeforeArrival ||
      original.kind !== 'authorization' ||
      original.state === 'declined'
    ) {
      return this.#declined(request, 'completion', ResponseCode.UnableToLocateOriginal);
    }
    const amountMinor = BigInt(request.fields[4] ?? '0');
    if (request.fields[49] !== original.currencyNumeric || amountMinor > original.amountMinor) {
      return this.#declined(request, 'completion', ResponseCode.InvalidAmount);
    }
    if (original.state === 'posted') {
      // A second completion for the same amount is the same instruction again.
      const same = original.completedAmountMinor === amountMinor;
      return same
        ? this.#approved(request, 'completion', 0n, 'done')
        : this.#declined(request, 'completion', ResponseCode.InvalidTransaction);
    }
    if (original.state !== 'pending') return this.#declined(request, 'completion', ResponseCode.InvalidTransaction);
    this.#post(request, original, amountMinor);
    return this.#approved(request, 'completion', original.billingMinor, 'done');
  }

  #post(request: Iso8583Message, original: Transaction, amountMinor: bigint): void {
    const account = this.#accounts.get(request.fields[2] ?? '');
    const currency = currencyByNumeric(original.currencyNumeric);
    if (account === undefined || currency === undefined) throw new Error('an approved authorization lost its account');
    const held = original.billingMinor;
    const posted =
      amountMinor === original.amountMinor ? held : minBigint(held, convertMinor(amountMinor, currency, account.currency, 'up'));
    account.pendingMinor -= held;
    account.postedMinor += posted;
    original.billingMinor = posted;
    original.state = 'posted';
    original.completedAmountMinor = amountMinor;
  }

  /**
   * 0400: undoes the original, once. A reversal of an original the issuer never saw, or of one
   * already reversed, is answered 00: the requester wants the original to have no effect, and
   * that is now true (a late original is then declined).
   */
  #reverse(request: Iso8583Message): Transaction {
    const found = this.#original(request);
    if (found === undefined) return this.#declined(request, 'reversal', ResponseCode.FormatError);
    const original = found.entry;
    if (original === undefined || original === reversedBeforeArrival) {
      this.#store(found.key, reversedBeforeArrival);
      return this.#approved(request, 'reversal', 0n, 'done');
    }
    if (original.kind === 'completion' || original.kind === 'reversal') {
      return this.#declined(request, 'reversal', ResponseCode.InvalidTransaction);
    }
    if (original.state === 'reversed') return this.#approved(request, 'reversal', 0n, 'done');
    if (request.fields[4] !== request4(original) || request.fields[49] !== original.currencyNumeric) {
      // Partial reversals (DE 95) are not supported: the amount must be the original's.
      return this.#declined(request, 'reversal', ResponseCode.InvalidAmount);
    }
    this.#undo(request, original);
    return this.#approved(request, 'reversal', 0n, 'done');
  }

  #undo(request: Iso8583Message, original: Transaction): void {
    const account = this.#accounts.get(request.fields[2] ?? '');
    if (account !== undefined && original.state !== 'declined') {
      if (original.state === 'pending') account.pendingMinor -= original.billingMinor;
      else if (original.kind === 'refund') account.postedMinor += original.billingMinor;
      else account.postedMinor -= original.billingMinor;
    }
    original.state = 'reversed';
  }

  // --- answers -------------------------------------------------------------------------------

  #approved(request: Iso8583Message, kind: TransactionKind, billingMinor: bigint, state: Transaction['state']): Transaction {
    const originating = kind === 'authorization' || kind === 'purchase' || kind === 'refund';
    const extra: Record<number, string> = originating ? { 38: this.#nextAuthorizationCode() } : {};
    return this.#transaction(request, kind, billingMinor, state, answer(request, ResponseCode.Approved, extra));
  }

  #declined(request: Iso8583Message, kind: TransactionKind, responseCode: string): Transaction {
    return this.#transaction(request, kind, 0n, 'declined', answer(request, responseCode));
  }

  #transaction(
    request: Iso8583Message,
    kind: TransactionKind,
    billingMinor: bigint,
    state: Transaction['state'],
    result: IssuerAnswer,
  ): Transaction {
    return {
      kind,
      fingerprint: fingerprintOf(request),
      amountMinor: BigInt(request.fields[4] ?? '0'),
      currencyNumeric: request.fields[49] ?? '',
      billingMinor,
      state,
      answer: result,
    };
  }

  #nextAuthorizationCode(): string {
    this.#authorizationCodeSequence = (this.#authorizationCodeSequence % 999_999) + 1;
    return String(this.#authorizationCodeSequence).padStart(6, '0');
  }
}

function answer(request: Iso8583Message, responseCode: string, extra: Readonly<Record<number, string>> = {}): IssuerAnswer {
  return { kind: 'answer', response: respond(request, responseCode, extra) };
}

function request4(transaction: Transaction): string {
  return transaction.amountMinor.toString().padStart(12, '0');
}

function minBigint(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * Every sandbox card's security code is 123, or 1234 for a 15-digit American Express number (its
 * 4-digit CID), as docs/test-cards.md says. DE 48 is read as tag-length-value subelements (2-digit
 * tag, 2-digit length); an authorization without subelement 92 is not checked (card on file).
 */
function securityCodeMatches(additionalData: string | undefined, pan: string): boolean {
  const sent = subelement(additionalData ?? '', '92');
  if (sent === undefined) return true;
  const expected = pan.length === 15 && /^3[47]/.test(pan) ? '1234' : '123';
  return sent === expected;
}

function subelement(data: string, tag: string): string | undefined {
  let at = 0;
  while (at + 4 <= data.length) {
    const id = data.slice(at, at + 2);
    const length = Number(data.slice(at + 2, at + 4));
    if (!Number.isInteger(length)) return undefined;
    if (id === tag) return data.slice(at + 4, at + 4 + length);
    at += 4 + length;
  }
  return undefined;
}
