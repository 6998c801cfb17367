import type { Clock } from '../../src/core/clock.js';

/**
 * What a biller booked, keyed by the payer platform's reference (Hutong's payment id): a second
 * posting under the same reference is answered with the first receipt and books nothing.
 */
export interface Booking {
  readonly reference: string;
  readonly receipt: string;
  readonly account: string;
  readonly amountMinor: bigint;
  readonly bookedAt: string;
}

/** Bookings kept in memory at most; the sandbox refuses more rather than grow without bound. */
export const bookingsMax = 200_000;

export class Book {
  readonly #bookings = new Map<string, Booking>();
  /** References left out of the end-of-day file (a planted discrepancy). */
  readonly #hiddenFromFile = new Set<string>();
  /** Amounts the end-of-day file misstates (a planted discrepancy). */
  readonly #misstated = new Map<string, bigint>();
  #sequence = 0;

  constructor(
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {}

  find(reference: string): Booking | undefined {
    return this.#bookings.get(reference);
  }

  /** Books once; `apply` runs only for a new reference (it moves the biller's own balances). */
  book(reference: string, account: string, amountMinor: bigint, apply: () => void): { booking: Booking; duplicate: boolean } {
    const found = this.#bookings.get(reference);
    if (found !== undefined) return { booking: found, duplicate: true };
    if (this.#bookings.size >= bookingsMax) throw new Error('sandbox biller book is full');
    apply();
    this.#sequence += 1;
    const booking: Booking = {
      reference,
      receipt: `${this.prefix}${String(this.#sequence).padStart(8, '0')}`,
      account,
      amountMinor,
      bookedAt: this.clock.now().toISOString(),
    };
    this.#bookings.set(reference, booking);
    return { booking, duplicate: false };
  }

  /** A planted discrepancy: the booking's amount in the end-of-day file is another one. */
  misstateInFile(reference: string, amountMinor: bigint): boolean {
    if (!this.#bookings.has(reference)) return false;
    this.#misstated.set(reference, amountMinor);
    return true;
  }

  /** A planted discrepancy: the biller loses a booking (a query no longer finds it; a new posting books it again). */
  forget(reference: string): boolean {
    this.#hiddenFromFile.delete(reference);
    this.#misstated.delete(reference);
    return this.#bookings.delete(reference);
  }

  hideFromFile(reference: string): boolean {
    if (!this.#bookings.has(reference)) return false;
    this.#hiddenFromFile.add(reference);
    return true;
  }

  /** The end-of-day file: what the biller booked on that UTC date, one CSV line per booking. */
  dailyFile(date: string): string {
    const lines = ['reference,receipt_no,account,amount_minor,booked_at'];
    for (const b of this.#bookings.values()) {
      if (!b.bookedAt.startsWith(date) || this.#hiddenFromFile.has(b.reference)) continue;
      const amount = this.#misstated.get(b.reference) ?? b.amountMinor;
      lines.push([b.reference, b.receipt, b.account, amount.toString(), b.bookedAt].join(','));
    }
    return `${lines.join('\n')}\n`;
  }
}
