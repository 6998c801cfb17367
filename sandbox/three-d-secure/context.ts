import type { Clock } from '../../src/core/clock.js';
import type { TransactionStore } from './model.js';

/** What the directory server and the ACS share inside one sandbox world. */
export interface WorldContext {
  readonly store: TransactionStore;
  /** The HMAC key shared with Hutong for challenge results. */
  readonly secret: string;
  readonly otp: string;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Where browsers reach this world (challenge URLs start with it). */
  readonly publicBaseUrl: () => string;
  /** How long a challenge may stay open; a code submitted later fails it (status N). */
  readonly challengeTtlMs: number;
}
