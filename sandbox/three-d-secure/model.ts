import assert from 'node:assert/strict';

/**
 * What the sandbox directory server and ACS remember about one authentication. EMV 3-D Secure 2
 * calls the outcome `transStatus`; the sandbox uses three of its values:
 * C (challenge required, not decided yet), Y (authenticated) and N (not authenticated).
 */
export type TransactionStatus = 'C' | 'Y' | 'N';

export type AuthenticationFlow = 'frictionless' | 'challenge';

/** ECI of an authenticated cardholder (Visa's value; the sandbox uses it for every brand). */
export const eciAuthenticated = '05';
/** ECI of a failed or abandoned authentication (Visa's "not authenticated"). */
export const eciNotAuthenticated = '07';

export interface TransactionSnapshot {
  readonly acsTransactionId: string;
  readonly requestorTransactionId: string;
  readonly flow: AuthenticationFlow;
  readonly status: TransactionStatus;
  readonly merchantName: string;
  readonly amountMinor: string;
  readonly currency: string;
  /** The only part of the card number the sandbox keeps. */
  readonly panLast4: string;
  readonly notificationUrl: string;
  /** Wrong one-time codes entered so far. */
  readonly otpAttemptsFailed: number;
  readonly eci?: string;
  readonly authenticationValue?: string;
  readonly createdAt: Date;
  /** When the challenge result was issued (a challenge's result is issued once). */
  readonly resultIssuedAt?: Date;
}

/** The mutable record behind a snapshot, plus what recognises a repeated request. */
export interface Transaction {
  readonly acsTransactionId: string;
  readonly requestorTransactionId: string;
  /** SHA-256 of the request (card number included), to tell a retry from a conflicting reuse. */
  readonly requestDigest: string;
  readonly flow: AuthenticationFlow;
  status: TransactionStatus;
  readonly merchantName: string;
  readonly amountMinor: string;
  readonly currency: string;
  readonly panLast4: string;
  readonly notificationUrl: string;
  otpAttemptsFailed: number;
  eci?: string;
  authenticationValue?: string;
  readonly createdAt: Date;
  resultIssuedAt?: Date;
}

export function snapshotOf(transaction: Transaction): TransactionSnapshot {
  const snapshot: Record<string, unknown> = { ...transaction };
  delete snapshot.requestDigest;
  return Object.freeze(snapshot) as unknown as TransactionSnapshot;
}

/**
 * Transactions by ACS id and by requestor id, bounded: past `transactionsMax` the oldest is
 * dropped (a sandbox forgets; an answer for a forgotten transaction is a 404).
 */
export class TransactionStore {
  readonly #byAcsId = new Map<string, Transaction>();
  readonly #acsIdByRequestorId = new Map<string, string>();
  readonly #transactionsMax: number;

  constructor(transactionsMax: number) {
    assert.ok(Number.isInteger(transactionsMax) && transactionsMax > 0, 'transactionsMax must be a positive integer');
    this.#transactionsMax = transactionsMax;
  }

  get size(): number {
    return this.#byAcsId.size;
  }

  add(transaction: Transaction): void {
    assert.ok(!this.#byAcsId.has(transaction.acsTransactionId), 'ACS transaction ids are unique');
    assert.ok(!this.#acsIdByRequestorId.has(transaction.requestorTransactionId), 'a requestor id names one transaction');
    while (this.#byAcsId.size >= this.#transactionsMax) this.#dropOldest();
    this.#byAcsId.set(transaction.acsTransactionId, transaction);
    this.#acsIdByRequestorId.set(transaction.requestorTransactionId, transaction.acsTransactionId);
    assert.equal(this.#byAcsId.size, this.#acsIdByRequestorId.size);
  }

  byAcsId(acsTransactionId: string): Transaction | undefined {
    return this.#byAcsId.get(acsTransactionId);
  }

  byRequestorId(requestorTransactionId: string): Transaction | undefined {
    const acsId = this.#acsIdByRequestorId.get(requestorTransactionId);
    return acsId === undefined ? undefined : this.#byAcsId.get(acsId);
  }

  #dropOldest(): void {
    // A Map iterates in insertion order: the first key is the oldest transaction.
    const oldest = this.#byAcsId.values().next();
    assert.ok(oldest.done !== true, 'the store is not empty');
    this.#byAcsId.delete(oldest.value.acsTransactionId);
    this.#acsIdByRequestorId.delete(oldest.value.requestorTransactionId);
  }
}
