import assert from 'node:assert/strict';
import type { Clock } from '../../src/core/clock.js';
import type { Order } from './model.js';
import { walletProfiles, type WalletName } from './profiles.js';
import { signMessage } from './signing.js';

/**
 * Asynchronous payment notifications: POST the signed message to the order's notifyUrl until the
 * merchant answers 2xx with the wallet's acknowledgement, at most `attemptsMax` times, waiting
 * `retryDelayMs`, then twice as long each time, never more than `retryDelayMsMax`. Each attempt
 * is signed afresh, so its time is within the merchant's window. Waits use real timers, not the
 * world's clock (a test with a manual clock still sees its retries).
 */
export interface NotifierOptions {
  readonly keys: Readonly<Record<WalletName, string>>;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  readonly attemptsMax: number;
  readonly retryDelayMs: number;
  readonly retryDelayMsMax: number;
  /** One attempt, connecting and reading the answer included. */
  readonly timeoutMs: number;
}

/** An acknowledgement is a few bytes; an answer above this is read no further (not an ack). */
export const ackBytesMax = 1024;

export class Notifier {
  readonly #options: NotifierOptions;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #closing = new AbortController();

  constructor(options: NotifierOptions) {
    assert.ok(Number.isInteger(options.attemptsMax) && options.attemptsMax >= 1, 'notifyAttemptsMax must be a positive integer');
    assert.ok(Number.isInteger(options.retryDelayMs) && options.retryDelayMs >= 0, 'notifyRetryDelayMs must be a non-negative integer');
    assert.ok(options.retryDelayMsMax >= options.retryDelayMs, 'the retry delay bound is at least the first delay');
    this.#options = options;
  }

  /** Starts delivering the order's notification in the background. */
  start(order: Order): void {
    assert.equal(order.status, 'paid', 'only a paid order is notified');
    const delivery = this.#deliver(order).catch((error: unknown) => {
      this.#options.log(`wallets: notification of ${order.orderId} failed: ${String(error)}`);
    });
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
  }

  /** Resolves when every delivery started so far has finished (acknowledged or given up). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** Stops every delivery at its next step. */
  close(): void {
    this.#closing.abort();
  }

  delayMsBefore(attempt: number): number {
    return Math.min(this.#options.retryDelayMs * 2 ** (attempt - 2), this.#options.retryDelayMsMax);
  }

  async #deliver(order: Order): Promise<void> {
    const { attemptsMax, log } = this.#options;
    for (let attempt = 1; attempt <= attemptsMax; attempt++) {
      if (attempt > 1) await sleep(this.delayMsBefore(attempt), this.#closing.signal);
      if (this.#closing.signal.aborted) return;
      order.notification.attempts = attempt;
      const error = await this.#attempt(order);
      if (error === undefined) {
        order.notification.acknowledged = true;
        delete order.notification.lastError;
        return;
      }
      order.notification.lastError = error;
      log(`wallets: ${order.wallet} notification of ${order.orderId}, attempt ${attempt}/${attemptsMax}: ${error}`);
    }
  }

  /** One delivery; undefined when acknowledged, else why not. */
  async #attempt(order: Order): Promise<string | undefined> {
    assert.ok(order.paidAt !== undefined);
    const fields = {
      orderId: order.orderId,
      walletOrderId: order.walletOrderId,
      status: 'paid',
      amountMinor: order.amountMinor.toString(),
      currency: order.currency,
      paidAt: order.paidAt.toISOString(),
    };
    const message = signMessage(order.wallet, this.#options.keys[order.wallet], 'notification', fields, this.#options.clock.now());
    const signal = AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.#options.timeoutMs)]);
    try {
      const response = await fetch(order.notifyUrl, {
        method: 'POST',
        headers: { ...message.headers, 'content-type': message.contentType },
        body: message.body,
        signal,
        redirect: 'manual',
      });
      const body = await readAtMost(response, ackBytesMax);
      if (response.status < 200 || response.status > 299) return `HTTP ${response.status}`;
      return walletProfiles[order.wallet].isAck(body) ? undefined : 'the answer is not the acknowledgement';
    } catch (error) {
      return signal.aborted ? 'no answer in time' : String((error as { cause?: unknown }).cause ?? error);
    }
  }
}

async function readAtMost(response: Response, bytesMax: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let sizeBytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    sizeBytes += value.byteLength;
    if (sizeBytes > bytesMax) {
      await reader.cancel();
      return '';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
