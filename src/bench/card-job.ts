/** What the parent asks of the card-payment load generator (card-client.ts), and what it answers. */

/** One approved test card and the payment made with it, in its issuer's currency. */
export interface CardUse {
  readonly brand: string;
  readonly number: string;
  readonly cvc: string;
  readonly currency: string;
  readonly amountMinor: number;
}

export interface CardClientJob {
  /** e.g. http://127.0.0.1:41234 */
  readonly base: string;
  readonly secretKey: string;
  /** Virtual shoppers, each paying again as soon as its last payment settled (closed loop). */
  readonly shoppers: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly cards: readonly CardUse[];
  readonly expMonth: number;
  readonly expYear: number;
  /** Makes merchant_order_id unique: `${orderPrefix}-${n}`, n counting every payment of the run. */
  readonly orderPrefix: string;
}

export interface LatencyFigures {
  readonly averageMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface CardClientFigures {
  readonly shoppers: number;
  /** The measured interval, including the drain of payments started before its end. */
  readonly durationMs: number;
  /** Payments started in the measured interval. */
  readonly paymentsCount: number;
  /** Payments whose create answered 201 and confirm 200 with status `succeeded`. */
  readonly succeededCount: number;
  readonly succeededPerSec: number;
  /** Every other outcome, e.g. "confirm 402 card_declined" or "create error ECONNRESET". */
  readonly failures: Readonly<Record<string, number>>;
  /** Create + confirm, as the shopper waits for both. */
  readonly pair: LatencyFigures;
  readonly create: LatencyFigures;
  readonly confirm: LatencyFigures;
  /** Succeeded payments over warm-up and measurement: what the database must hold. */
  readonly succeededTotalCount: number;
}

export type CardClientReply = { readonly ok: true; readonly figures: CardClientFigures } | { readonly ok: false; readonly error: string };
