import type { Clock } from '../core/index.js';
import type { Events } from '../events/index.js';
import type { Ledger } from '../ledger/index.js';
import type { Parties, Principal } from '../parties/index.js';
import type { Store } from '../store/index.js';
import type { Writer } from '../store/index.js';
import type { Wallets } from '../wallets/index.js';
import type { PaymentServices } from '../payments/index.js';
import type { CardVault } from '../cards/index.js';
import type { Metrics } from './metrics.js';
import type { Web } from '../web/index.js';
import type { Fx } from '../fx/index.js';
import type { EscrowService } from '../escrow/index.js';
import type { TestClocks, Timers } from '../events/index.js';
import type { SettlementServices } from '../settlement/index.js';
import type { BankClient } from '../channels/bank/index.js';
import type { CustomsService } from '../customs/index.js';
import type { InteropService } from '../interop/index.js';
import type { BillpayService } from '../billpay/index.js';
import type { RiskService } from '../risk/index.js';

/** What the routes may use: the business services, wired once in src/app.ts. */
export interface ApiServices {
  readonly store: Store;
  readonly writer: Writer;
  readonly ledger: Ledger;
  readonly parties: Parties;
  readonly wallets: Wallets;
  readonly payments: PaymentServices;
  readonly cards: CardVault;
  readonly events: Events;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly web: Web;
  readonly fx: Fx;
  readonly escrow: EscrowService;
  readonly timers: Timers;
  /** Test clocks: simulated time for test-mode objects (src/events/test-clocks.ts). */
  readonly testClocks: TestClocks;
  readonly settlement: SettlementServices['settlement'];
  readonly payouts: SettlementServices['payouts'];
  readonly clearing: SettlementServices['clearing'];
  readonly reconciliation: SettlementServices['reconciliation'];
  readonly cycle: SettlementServices['cycle'];
  /** The settlement bank's connector, if one is configured. */
  readonly bank: () => BankClient | undefined;
  /** Real-name tiers and limits, sanctions screening (src/risk). */
  readonly risk: RiskService;
  readonly billpay: BillpayService;
  /** Interconnection: QR decoding, collection codes, the switch (src/interop). */
  readonly interop: InteropService;
  readonly customs: CustomsService;
  /** Idempotency-Key reservation bounds (src/api/idempotency.ts); defaults when absent. */
  readonly idempotency?: IdempotencySettings;
}

/** Idempotency-Key reservation bounds (src/api/idempotency.ts). */
export interface IdempotencySettings {
  /** How long a reservation is held unless renewed (a running request renews it); then a retry may take it over. */
  readonly leaseMs: number;
  /** How long a same-key request waits for the first one's answer before answering 409. */
  readonly waitMs: number;
}

export type AuthRequirement = 'none' | 'merchant' | 'operator' | 'any';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    idempotency: { scope: string; key: string; digest: string } | undefined;
  }
  interface FastifyContextConfig {
    auth?: AuthRequirement;
    /** A checkout session's token may call this route for its own payment (params.id). */
    checkout?: boolean;
  }
}
