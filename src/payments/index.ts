export * from './errors.js';
export * from './fees.js';
export * from './model.js';
export * from './state.js';
import { createFollowUps } from './follow-ups.js';
import { createPayments, type PaymentHooks, type PaymentsDeps } from './service.js';
import { createExternalWalletFlows } from './external-wallets.js';
import { createPaymentCodeFlows } from './payment-codes.js';
import { createPaymentSweeper, defaultSweepSettings, type RecoveryLog, type SweepSettings } from './sweeper.js';

export type { RecoveryAction, RecoveryLog, StuckCounts, SweepSettings } from './sweeper.js';
export { createPayments, defaultPaymentSettings, type PaymentSettings, type PaymentsDeps } from './service.js';

/** The payment services the API uses: the core flows and the follow-ups, wired together. */
export function createPaymentServices(deps: PaymentsDeps, recovery: { sweep?: Partial<SweepSettings>; log?: RecoveryLog } = {}) {
  const hooks: PaymentHooks = {};
  const core = createPayments(deps, hooks);
  const externals = createExternalWalletFlows(deps, core);
  hooks.confirmExternal = externals.confirm;
  const codes = createPaymentCodeFlows(deps, core);
  hooks.confirmPaymentCode = codes.confirm;
  const followUps = createFollowUps(deps, core);
  const sweeper = createPaymentSweeper(
    deps,
    core,
    followUps.resumePendingRefunds,
    // Late outside-wallet orders, and payment codes still open at the switch (polled, reversed on timeout).
    async (olderThan, batchMax) => (await externals.queryLate(olderThan, batchMax)) + (await codes.poll(batchMax)),
    { ...defaultSweepSettings, ...recovery.sweep },
    recovery.log,
  );
  return {
    create: core.create,
    get: core.get,
    details: core.details,
    list: core.list,
    confirm: core.confirm,
    completeChallenge: core.completeChallenge,
    applyPresentment: core.applyPresentment,
    feePlanOf: core.feePlanOf,
    setFeePlan: core.setFeePlan,
    sweeper,
    acceptWalletNotification: externals.acceptNotification,
    pollPaymentCodes: codes.poll,
    ...followUps,
  };
}

export type PaymentServices = ReturnType<typeof createPaymentServices>;
export type { FxPort, PaymentFxInput } from './fx-port.js';
export { conversionKeys } from './postings.js';
export type { Conversion } from './postings.js';
