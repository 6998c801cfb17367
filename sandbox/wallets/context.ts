import type { Clock } from '../../src/core/clock.js';
import type { WalletStore } from './model.js';
import type { Notifier } from './notifier.js';
import type { WalletName } from './profiles.js';

/** What the three sandbox wallets share inside one world. */
export interface WalletWorldContext {
  readonly stores: Readonly<Record<WalletName, WalletStore>>;
  /** The HMAC key each wallet shares with the merchant (Hutong). */
  readonly keys: Readonly<Record<WalletName, string>>;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  readonly notifier: Notifier;
  /** Where shoppers reach this world (pay pages and QR codes start with it). */
  readonly publicBaseUrl: () => string;
  /** A pending order nobody paid within this time is closed. */
  readonly orderTtlMs: number;
  /** Field 59 of the QR codes (at most 25 characters) and field 60 (at most 15). */
  readonly merchantName: string;
  readonly merchantCity: string;
  /** The next sequence number of a wallet's order ids. */
  readonly nextSequence: (wallet: WalletName) => number;
}
