import assert from 'node:assert/strict';
import type { WalletName } from './profiles.js';

/**
 * What a sandbox wallet remembers: orders (pending → paid, or pending → closed when nobody paid in
 * time) and refunds. One name, one meaning: a wallet order is *pending* until the shopper pays.
 */
export type OrderStatus = 'pending' | 'paid' | 'closed';

export interface NotificationState {
  /** Deliveries tried so far (at most notifyAttemptsMax for one payment). */
  attempts: number;
  /** true once the merchant answered with the wallet's acknowledgement. */
  acknowledged: boolean;
  /** Why the last attempt was not acknowledged. */
  lastError?: string;
}

export interface Order {
  readonly wallet: WalletName;
  readonly orderId: string;
  readonly walletOrderId: string;
  /** Digest of the creation request, to tell a retry from a conflicting reuse of the order id. */
  readonly requestDigest: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly subject: string;
  readonly notifyUrl: string;
  readonly returnUrl?: string;
  readonly qrCode: string;
  readonly redirectUrl: string;
  readonly createdAt: Date;
  status: OrderStatus;
  paidAt?: Date;
  refundedMinor: bigint;
  readonly notification: NotificationState;
}

export interface Refund {
  readonly refundId: string;
  readonly orderId: string;
  readonly requestDigest: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  /** The answer given the first time, given again to every retry. */
  readonly outcome: { readonly status: 'succeeded' } | { readonly status: 'failed'; readonly reason: string };
  /** The wallet's own number of a refund it made (its bill's trade_no): R and 20 digits. */
  readonly walletRefundId?: string;
}

export interface OrderSnapshot {
  readonly wallet: WalletName;
  readonly orderId: string;
  readonly walletOrderId: string;
  readonly status: OrderStatus;
  readonly amountMinor: string;
  readonly currency: string;
  readonly subject: string;
  readonly notifyUrl: string;
  readonly returnUrl?: string;
  readonly qrCode: string;
  readonly redirectUrl: string;
  readonly createdAt: Date;
  readonly paidAt?: Date;
  readonly refundedMinor: string;
  readonly notification: Readonly<NotificationState>;
}

export function snapshotOf(order: Order): OrderSnapshot {
  const { amountMinor, refundedMinor, notification, ...rest } = order;
  const visible: Record<string, unknown> = { ...rest };
  delete visible.requestDigest;
  return Object.freeze({
    ...(visible as Omit<Order, 'requestDigest' | 'amountMinor' | 'refundedMinor' | 'notification'>),
    amountMinor: amountMinor.toString(),
    refundedMinor: refundedMinor.toString(),
    notification: Object.freeze({ ...notification }),
  });
}

/** Drops the oldest entry of a Map (insertion order) once it holds `max` entries. */
function makeRoom<K, V>(map: Map<K, V>, max: number, onDrop: (value: V) => void = () => undefined): void {
  while (map.size >= max) {
    const oldest = map.entries().next();
    assert.ok(oldest.done !== true, 'the map is not empty');
    map.delete(oldest.value[0]);
    onDrop(oldest.value[1]);
  }
}

/**
 * One wallet's orders (by merchant order id and by wallet order id) and refunds, bounded: past
 * `ordersMax` the oldest order is forgotten, past `refundsMax` the oldest refund (a sandbox
 * forgets; an answer about a forgotten order is a 404).
 */
export class WalletStore {
  readonly #orders = new Map<string, Order>();
  readonly #orderIdByWalletOrderId = new Map<string, string>();
  readonly #refunds = new Map<string, Refund>();
  readonly #ordersMax: number;
  readonly #refundsMax: number;

  constructor(ordersMax: number, refundsMax: number) {
    assert.ok(Number.isInteger(ordersMax) && ordersMax > 0, 'ordersMax must be a positive integer');
    assert.ok(Number.isInteger(refundsMax) && refundsMax > 0, 'refundsMax must be a positive integer');
    this.#ordersMax = ordersMax;
    this.#refundsMax = refundsMax;
  }

  addOrder(order: Order): void {
    assert.ok(!this.#orders.has(order.orderId), 'an order id names one order');
    assert.ok(!this.#orderIdByWalletOrderId.has(order.walletOrderId), 'wallet order ids are unique');
    makeRoom(this.#orders, this.#ordersMax, (dropped) => this.#orderIdByWalletOrderId.delete(dropped.walletOrderId));
    this.#orders.set(order.orderId, order);
    this.#orderIdByWalletOrderId.set(order.walletOrderId, order.orderId);
    assert.equal(this.#orders.size, this.#orderIdByWalletOrderId.size);
  }

  order(orderId: string): Order | undefined {
    return this.#orders.get(orderId);
  }

  orderByWalletOrderId(walletOrderId: string): Order | undefined {
    const orderId = this.#orderIdByWalletOrderId.get(walletOrderId);
    return orderId === undefined ? undefined : this.#orders.get(orderId);
  }

  addRefund(refund: Refund): void {
    assert.ok(!this.#refunds.has(refund.refundId), 'a refund id names one refund');
    makeRoom(this.#refunds, this.#refundsMax);
    this.#refunds.set(refund.refundId, refund);
  }

  refund(refundId: string): Refund | undefined {
    return this.#refunds.get(refundId);
  }

  /** Every order kept, for the wallet's bill (bill.ts). */
  orders(): IterableIterator<Order> {
    return this.#orders.values();
  }

  refunds(): IterableIterator<Refund> {
    return this.#refunds.values();
  }
}
