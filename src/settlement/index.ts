import type { Clock } from '../core/index.js';
import type { Events } from '../events/index.js';
import type { Ledger } from '../ledger/index.js';
import type { Store } from '../store/index.js';
import type { Writer } from '../store/index.js';
import type { BankClient } from '../channels/bank/index.js';
import { createReconciliation, type BillerBooksPort } from '../reconciliation/index.js';
import { createClearing } from './clearing.js';
import { createPayouts } from './payouts.js';
import { createSettlement } from './service.js';
import { createSettlementCycle } from './cycle.js';
import type { Timers } from '../events/index.js';
import type { BeneficiaryScreen } from '../risk/index.js';

export * from './arithmetic.js';
export * from './errors.js';
export * from './service.js';
export * from './payouts.js';
export * from './clearing.js';
export * from './cycle.js';

/** Settlement, payouts, clearing and reconciliation, wired once (src/app.ts). */
export function createSettlementServices(deps: {
  store: Store;
  writer: Writer;
  ledger: Ledger;
  clock: Clock;
  events: Events;
  bank: () => BankClient | undefined;
  log?: (message: string) => void;
  timers: Timers;
  beneficiaries?: BeneficiaryScreen;
  /** ISO 20022 file settings (HUTONG_BANK_*): debtor agent BIC, charge bearer, the bank's account ids. */
  bankFiles?: NonNullable<Parameters<typeof createPayouts>[0]['bankFiles']> & { readonly accountIds: ReadonlyMap<string, string> };
  /** Bill payments, for billers' end-of-day files (src/billpay's books, bound in app.ts). */
  billerBooks?: () => BillerBooksPort | undefined;
}) {
  const settlement = createSettlement(deps);
  const payouts = createPayouts(deps);
  const reconciliation = createReconciliation({ ...deps, bankAccountIds: deps.bankFiles?.accountIds });
  return {
    settlement,
    payouts,
    clearing: createClearing(deps),
    reconciliation,
    /** The daily cycle on the timers (cycle.ts); `hutong start` starts it. */
    cycle: createSettlementCycle({ ...deps, settlement, payouts, reconciliation }),
  };
}

export type SettlementServices = ReturnType<typeof createSettlementServices>;
