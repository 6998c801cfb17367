import { join } from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { ApiServices } from './api/context.js';
import { createMetrics, registerRecoveryMetrics, registerWriterMetrics } from './api/metrics.js';
import { buildServer } from './api/server.js';
import { systemClock, type Clock } from './core/clock.js';
import { vaultKeyFile, type HutongConfig } from './config.js';
import { createLedger } from './ledger/index.js';
import { createRollups, observeLedger } from './read-models/index.js';
import { createParties } from './parties/service.js';
import { openStore } from './store/database.js';
import { createWriter } from './store/writer.js';
import { createCipher, loadVaultKey } from './vault/cipher.js';
import { createWallets } from './wallets/service.js';
import { cardFingerprint, createCardVault, deriveFingerprintKey } from './cards/index.js';
import { paymentOutcomes } from './read-models/index.js';
import { walletDayMovements } from './read-models/index.js';
import { crossBorderDayTotals, walletDayTotals } from './read-models/index.js';
import { createPaymentServices, type ChannelsPort, type ThreeDSecurePort, type WalletsPort } from './payments/index.js';
import { createEvents, createWebhookDispatcher, type Events, type WebhookDispatcher } from './events/index.js';
import { paymentView, refundView } from './api/routes/payments.js';
import type { EventsPort, Payment, Refund } from './payments/index.js';
import { createWeb } from './web/index.js';
import { createFx, lookupBin, type FxSettings } from './fx/index.js';
import { createTimers, type Timers } from './events/timers.js';
import { createTestClocks } from './events/index.js';
import { createBuyerTokens, createEscrow } from './escrow/index.js';
import type { EscrowPort } from './payments/index.js';
import type { CustomsRefundPort } from './payments/index.js';
import type { BankClient } from './channels/bank/index.js';
import { createSettlementServices } from './settlement/index.js';
import {
  createCustomsService,
  createImportLimits,
  createKeyFileSigner,
  type CustomsGateway,
  type CustomsPaymentsPort,
  type CustomsSettings,
  type CustomsTables,
  type CustomsWriter,
  type RefundPlan as CustomsRefundPlan,
} from './customs/index.js';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './store/schema.js';
import { createSingleWindowClient } from './channels/customs/index.js';
import { customsDeclarationView } from './api/presenters/customs.js';
import { loadCustomsKey } from './customs-key.js';
import { isFailure } from './core/index.js';
import { createInteropService, defaultInteropSettings, defaultParticipants, defaultPaymentCodeRules } from './interop/index.js';
import { collectionCodeOrderView } from './api/presenters/interop.js';
import type { CodeOrder, InteropService } from './interop/index.js';
import type { PaymentCodePort } from './payments/index.js';
import { billpaySettingsDefault, createBillpayService, type BillerConnectors } from './billpay/index.js';
import { autopayRunView, billerPaymentView, billPaymentView } from './api/presenters/billpay.js';
import { createRiskService, type HeldPaymentPort, type IdentityPort, type PaymentFraudPort } from './risk/index.js';
import { createDailyScan, type DailyScan } from './risk/index.js';
import type { BillCardCharge, BillpayCardsPort } from './billpay/index.js';
import { derivedId } from './core/index.js';
import type { PaymentServices } from './payments/index.js';

/**
 * Card and identity fields never reach the logs, whatever object they ride on (DESIGN.md §8).
 * Fastify logs requests without bodies; these paths guard any object a module chooses to log.
 */
export const redactPaths = [
  'req.headers.authorization',
  '*.card_number',
  '*.number',
  '*.pan',
  '*.cvv',
  '*.cvc',
  '*.security_code',
  '*.securityCode',
  '*.id_number',
  '*.identity.number',
  '*.secret_key',
  '*.secret',
];

export function createLogger(level: string): FastifyBaseLogger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' } });
}

export interface Hutong {
  readonly services: ApiServices;
  readonly dispatcher: WebhookDispatcher;
  readonly server: FastifyInstance;
  /** Durable timers (escrow auto-confirm/close); `hutong start` runs their worker loop. */
  readonly timers: Timers;
  /** The daily AML scan and large-value report (src/risk/daily.ts); `hutong start` schedules it. */
  readonly riskDaily: DailyScan;
  /** Hutong as a customs declarant: register this certificate with the single window. */
  readonly customsDeclarant: { readonly copCode: string; readonly copName: string; readonly certNo: string; readonly publicKeyPem: string };
  /** Sets customs' public key (receipts are checked with it), e.g. once the sandbox hands it over. */
  setCustomsPublicKey(pem: string): void;
  close(): Promise<void>;
}

export interface CreateOptions {
  readonly clock?: Clock;
  readonly logger?: FastifyBaseLogger | false;
  /** Tests without a data directory pass a key; production reads HUTONG_VAULT_KEY. */
  readonly vaultKey?: Buffer;
  readonly env?: NodeJS.ProcessEnv;
  /** The card channels (acquirer connectors and routing); none configured means cards are refused. */
  readonly channels?: ChannelsPort;
  /** 3-D Secure for card payments; none configured means cards are authorized without it. */
  readonly threeDSecure?: ThreeDSecurePort;
  /** Outside wallets; none configured means `external_wallet` payments are refused. */
  readonly wallets?: WalletsPort;
  /** FX settings (staleness bound, quote lifetime, import limits); defaults in src/fx/service.ts. */
  readonly fx?: Partial<FxSettings>;
  /** The settlement bank (pain.001 / pain.002 / camt.053); none configured means payouts wait. */
  readonly bank?: BankClient;
  /**
   * Customs: the single window (default: HUTONG_CUSTOMS_URL, none = declarations wait in their
   * queue), customs' public key for receipts, and settings (push backoff, limits).
   */
  readonly customs?: {
    readonly gateway?: CustomsGateway;
    readonly customsPublicKeyPem?: string;
    readonly settings?: Partial<CustomsSettings>;
    /** Where the single window (and, in the sandbox, the platform and the carrier) listen, for the operator. */
    readonly endpoints?: { readonly singleWindowUrl: string; readonly sandboxPartnersUrl?: string };
  };
  /** The interconnection switch's URL (the sandbox switch under `hutong start`). */
  readonly interopSwitchUrl?: string;
  /** The biller connectors by name (src/channels/billers); none configured means bill payment has no billers. */
  readonly billers?: BillerConnectors;
  /** Bill payment timings (tests shorten them); defaults from the configuration. */
  readonly billpay?: Partial<typeof billpaySettingsDefault>;
  /** The identity verification service (real-name checks); none configured means verifications answer 503. */
  readonly identity?: IdentityPort;
}

/** No acquirer configured: every card payment is refused as unroutable, wallets still work. */
export const noChannels: ChannelsPort = { route: () => [], connector: () => undefined };

/** Payments emit their models; an event carries what the API shows of the object (its GET view). */
function paymentEvents(events: Events): EventsPort {
  const views: Record<string, (data: unknown) => unknown> = {
    payment: (data) => paymentView(data as Payment),
    refund: (data) => refundView(data as Refund),
  };
  return {
    async record(trx, event) {
      const view = views[event.objectType];
      await events.recordEvent(trx, { ...event, data: view === undefined ? event.data : view(event.data) });
    },
  };
}

/** The composition root: every service is built here, with its dependencies made explicit. */
export async function createHutong(config: HutongConfig, options: CreateOptions = {}): Promise<Hutong> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const warn = (message: string) => (logger === false ? process.emitWarning(message) : logger.warn(message));
  const vaultKey =
    options.vaultKey ??
    (config.store.dialect === 'sqlite' && config.dataDir === undefined
      ? randomBytes(32)
      : loadVaultKey(options.env ?? process.env, vaultKeyFile(config), warn));

  // Each batch in flight holds a connection; a few more serve reads.
  const store = await openStore(config.store, {
    poolSizeMax: config.writer.flushesMax + 4,
    reconnectTimeoutMs: config.failover?.reconnectTimeoutMs,
    log: warn,
  });
  const writer = createWriter(store.db, store.exec, { ...config.writer, commitProbe: store.commitProbe });
  // Every recorded payment entry also moves the report rollups, in its own unit (src/read-models, issue 17).
  const ledger = observeLedger(createLedger({ clock, exec: store.exec, dialect: store.dialect }), createRollups({ exec: store.exec }));
  const cipher = createCipher(vaultKey);
  const parties = createParties({ store, clock, cipher });
  const risk = createRiskService({
    store,
    writer,
    clock,
    identity: options.identity,
    merchantName: async (merchantId) => (await parties.getMerchant(merchantId))?.name,
    customerExists: async (merchantId, customerId) => (await parties.firstMissingCustomer(merchantId, [customerId])) === undefined,
    screeningThresholdPermille: config.risk?.screeningThresholdPermille,
    heldPayments: () => heldSlot.port,
    paymentOutcomes: (ids) => paymentOutcomes(store.reader, ids),
    onRuleError: (errors) => warn(`fraud rule failed to evaluate; its fail mode applied: ${JSON.stringify(errors)}`),
    dayMovements: (range) => walletDayMovements(store.reader, range),
    sealer: cipher,
  });
  // Migration 029's data step: TOTP secrets stored in the clear are sealed with the vault key.
  await risk.operators.sealPlainSecrets();
  // Review decisions capture or cancel through payments, which are built further down.
  const heldSlot: { port?: HeldPaymentPort } = {};
  const fingerprintKey = deriveFingerprintKey(vaultKey);
  const fraudCard = (card: { pan: string; brand: string }) => ({
    fingerprint: cardFingerprint(fingerprintKey, card.pan),
    bin: card.pan.slice(0, 6),
    brand: card.brand,
    last4: card.pan.slice(-4),
  });
  const fraud: PaymentFraudPort = {
    evaluate: ({ card, ...check }) => risk.fraud.evaluate({ ...check, card: fraudCard(card) }),
    prepare: ({ card, ...check }) => risk.fraud.prepare({ ...check, card: fraudCard(card) }),
    hold: risk.fraud.hold,
    captureAllowed: risk.fraud.captureAllowed,
  };
  const wallets = createWallets({ store, writer, ledger, parties, clock, risk: risk.debits });
  const vault = createCardVault({ store, cipher, clock, fingerprintKey: deriveFingerprintKey(vaultKey), writer });
  // Webhooks never reach private addresses unless the operator allow-lists the host (issue 12).
  const destinations = { allowedHosts: config.webhooks?.allowedHosts ?? [] };
  const events = createEvents({ store, cipher, clock, destinations });
  // The import limits are customs' (src/customs/limits.ts): payments (through fx) and declarations apply one rule.
  const importLimits = createImportLimits(options.customs?.settings, clock);
  const fx = createFx({
    store,
    writer,
    parties,
    clock,
    personKeySecret: createHmac('sha256', vaultKey).update('hutong/fx/person-key').digest(),
    importLimits: {
      settings: importLimits.settings,
      yearOf: (at) => importLimits.yearOf(at),
      checkOrder: (cny) => importLimits.checkOrder(cny),
      checkAnnual: (trx, check) => importLimits.checkAnnual(trx as unknown as Transaction<CustomsTables>, check),
      remaining: (used) => importLimits.remaining(used),
    },
    settings: {
      ...(config.fx === undefined
        ? { convertToSettlement: false }
        : {
            staleAfterMs: config.fx.staleAfterMs,
            quoteTtlMs: config.fx.quoteTtlMs,
            markupBpsDefault: config.fx.markupBpsDefault,
            convertToSettlement: config.fx.convertToSettlement,
          }),
      ...options.fx,
    },
    screenPayer: (payer) => risk.screen({ ...payer, partyType: 'customer', context: 'cross_border' }),
  });
  // Escrow is built on payments, and payments call escrow back in their capture/refund units.
  const escrowSlot: { port?: EscrowPort } = {};
  const lateEscrow: EscrowPort = {
    fundsOf: (db, paymentId) => (escrowSlot.port === undefined ? Promise.resolve('merchant') : escrowSlot.port.fundsOf(db, paymentId)),
    captured: (trx, payment) => (escrowSlot.port as EscrowPort).captured(trx, payment),
    refunded: (trx, payment, refund) => (escrowSlot.port as EscrowPort).refunded(trx, payment, refund),
    releasedConversion: (trx, payment, refund) => (escrowSlot.port as EscrowPort).releasedConversion(trx, payment, refund),
    refundKeys: (payment) => (escrowSlot.port === undefined ? Promise.resolve([]) : escrowSlot.port.refundKeys(payment)),
  };
  // Payment codes at tills go through the switch (src/interop), built below: bound late.
  let interopLate: InteropService | undefined;
  const interopOf = (): InteropService => {
    if (interopLate === undefined) throw new Error('interop is not built yet');
    return interopLate;
  };
  const paymentCodes: PaymentCodePort = {
    institutionOf: (code) => interopOf().institutionOfPaymentCode(code),
    charge: (input) => interopOf().tillCharge(input),
    query: (reference) => interopOf().tillQuery(reference),
    reverse: (reference) => interopOf().tillReverse(reference),
    refund: (input) => interopOf().tillRefund(input),
    confirmTimeoutMs: config.interop?.paymentCodeConfirmMs ?? 30_000,
  };
  // Customs is built after payments; a refund asks it through this late-bound port (src/customs/refund.ts).
  const customsRefundSlot: { port?: CustomsRefundPort } = {};
  const lateCustomsRefunds: CustomsRefundPort = {
    prepare: (payment, refundMinor) =>
      customsRefundSlot.port === undefined
        ? Promise.resolve({ plan: undefined, keys: [] })
        : customsRefundSlot.port.prepare(payment, refundMinor),
    reserved: (trx, plan, refundId) =>
      customsRefundSlot.port === undefined || plan === undefined
        ? Promise.resolve(undefined)
        : customsRefundSlot.port.reserved(trx, plan, refundId),
  };
  const payments = createPaymentServices(
    {
      store,
      writer,
      ledger,
      parties,
      clock,
      vault,
      channels: options.channels ?? noChannels,
      events: paymentEvents(events),
      threeDSecure: options.threeDSecure,
      wallets: options.wallets,
      publicBaseUrl: config.publicBaseUrl,
      fx: fx.port,
      escrow: lateEscrow,
      risk: risk.debits,
      paymentCodes,
      fraud,
      customs: lateCustomsRefunds,
    },
    {
      sweep: config.recovery,
      // Every repair after a crash is an operator's business: logged at warn, counted in /metrics.
      log: (action, detail) =>
        logger === false
          ? process.emitWarning(`payment recovery: ${action} ${JSON.stringify(detail)}`)
          : logger.warn({ recovery: action, ...detail }, `payment recovery: ${action.replace(/_/g, ' ')}`),
    },
  );
  heldSlot.port = {
    capture: (merchantId, id) => payments.capture(merchantId, id),
    cancel: (merchantId, id) => payments.cancel(merchantId, id),
  };
  const timers = createTimers({ store, writer, clock, onError: (error) => warn(`timers: ${String(error)}`) });
  const testClocks = createTestClocks({ store, writer, clock, timers, events, onError: (error) => warn(`test clocks: ${String(error)}`) });
  const riskDaily = createDailyScan({
    store,
    writer,
    clock,
    timers: {
      register: (kind, handler) => timers.register(kind, handler),
      schedule: (trx, job) => timers.schedule(trx, job),
      scheduleIfAbsent: (trx, job) => timers.scheduleIfAbsent(trx, job),
      get: (key) => timers.get(key),
    },
    hour: config.risk?.dailyScanHour ?? 1,
    scanCases: (day) => risk.scanCases(day),
    dayTotals: async (range) => [...(await walletDayTotals(store.reader, range)), ...(await crossBorderDayTotals(store.reader, range))],
    reportDir: config.risk?.reportDir ?? (config.dataDir === undefined ? undefined : join(config.dataDir, 'risk-reports')),
  });
  const escrow = createEscrow({
    store,
    writer,
    ledger,
    clock,
    parties,
    payments,
    events,
    timers,
    testClocks,
    buyerTokens: createBuyerTokens(vaultKey),
    publicBaseUrl: config.publicBaseUrl,
    fx: { convertNow: (merchantId, amount, to) => fx.convertNow(merchantId, amount, to) },
  });
  escrowSlot.port = escrow.port;
  const dispatcher = createWebhookDispatcher({
    store,
    cipher,
    clock,
    destinations,
    onError: (error) => warn(`webhook dispatcher: ${String(error)}`),
  });
  const metrics = createMetrics();
  registerWriterMetrics(metrics, writer);
  registerRecoveryMetrics(metrics, payments.sweeper);
  const web = createWeb({ store, clock, parties, publicBaseUrl: config.publicBaseUrl });
  const settlementServices = createSettlementServices({
    store,
    writer,
    ledger,
    clock,
    events,
    bank: () => options.bank,
    // Billers' end-of-day files are matched against bill payments (created below; issue 15).
    billerBooks: () => billpay.books,
    log: warn,
    timers,
    beneficiaries: {
      // The payee, and the merchant's own onboarding screening (itself, legal person, owners).
      screen: async (b) => {
        const payee = await risk.screen({
          partyId: b.accountId,
          partyType: 'beneficiary',
          merchantId: b.merchantId,
          name: b.name,
          context: 'payout',
        });
        return payee === 'clear' ? risk.merchantScreening(b.merchantId) : payee;
      },
    },
    bankFiles: config.bankFiles,
  });
  const customsKey = loadCustomsKey(config, warn);
  const customsSlot: { publicKeyPem?: string } = { publicKeyPem: options.customs?.customsPublicKeyPem ?? customsKey.customsPublicKeyPem };
  const customsPayments: CustomsPaymentsPort = {
    async paymentOf(merchantId, paymentId) {
      const p = await payments.get(merchantId, paymentId);
      if (isFailure(p)) return undefined;
      let payer: { name: string; idType: string; idNumber: string; idNumberMasked: string } | null = null;
      if (p.customerId !== null) {
        const customer = await parties.getCustomer(merchantId, p.customerId);
        const number = await parties.revealIdNumber(merchantId, p.customerId);
        if (!isFailure(customer) && customer.identity !== null && number !== null)
          payer = { name: customer.name, idType: customer.identity.type, idNumber: number, idNumberMasked: customer.identity.numberMasked };
      }
      // Customs sees CNY: the payment itself, or what its locked rate made of it in CNY.
      const settled = p.settlement;
      const cny =
        p.amount.currency === 'CNY'
          ? { minor: p.amountCapturedMinor, rate: null }
          : settled?.currency === 'CNY' && settled.amountMinor !== null
            ? { minor: settled.amountMinor, rate: settled.fxRate }
            : undefined;
      return {
        id: p.id,
        merchantId: p.merchantId,
        status: p.status,
        amount: p.amount,
        capturedMinor: p.amountCapturedMinor,
        refundedMinor: p.amountRefundedMinor,
        cny,
        paidAt: p.updatedAt,
        payer,
      };
    },
    // The export side: the card's issuing country by its BIN (the number is opened here, only its first six digits used).
    async exportPaymentOf(merchantId, paymentId) {
      const p = await payments.get(merchantId, paymentId);
      const merchant = await parties.getMerchant(merchantId);
      if (isFailure(p) || merchant === undefined) return undefined;
      let cardCountry: string | null = null;
      if (p.method?.type === 'card' && p.method.cardId !== null) {
        const card = await vault.cardholderData(merchantId, p.method.cardId);
        if (!isFailure(card)) cardCountry = lookupBin(card.pan.slice(0, 6))?.country ?? null;
      }
      return {
        id: p.id,
        status: p.status,
        amount: { minor: p.amountCapturedMinor, currency: p.amount.currency },
        cardCountry,
        merchantCountry: merchant.country,
        paidAt: p.updatedAt,
      };
    },
  };
  // Customs sees only its own tables: the same store and writer, typed as such.
  const asDatabase = (trx: Transaction<CustomsTables>) => trx as unknown as Transaction<Database>;
  const customs = createCustomsService({
    store: { db: store.db as unknown as Kysely<CustomsTables>, reader: store.reader as unknown as Kysely<CustomsTables> },
    writer: writer as unknown as CustomsWriter,
    clock,
    payments: customsPayments,
    gateway: options.customs?.gateway ?? (config.customs?.url === undefined ? undefined : createSingleWindowClient(config.customs.url)),
    signer: createKeyFileSigner({ privateKeyPem: customsKey.privateKeyPem, certNo: customsKey.certNo }),
    customsPublicKeyPem: () => customsSlot.publicKeyPem,
    events: {
      record: async (trx, event) => {
        await events.recordEvent(asDatabase(trx), {
          ...event,
          data: customsDeclarationView(event.data as Parameters<typeof customsDeclarationView>[0]),
        });
      },
    },
    timers: { register: (kind, handler) => timers.register(kind, handler), schedule: (trx, job) => timers.schedule(asDatabase(trx), job) },
    seal: (text) => cipher.seal(text, 'customs.message'),
    open: (sealed) => cipher.open(sealed, 'customs.message'),
    personKey: (idType, idNumber) => createHmac('sha256', vaultKey).update(`customs.person:${idType}:${idNumber}`).digest('hex'),
    log: warn,
    endpoints: options.customs?.endpoints ?? (config.customs?.url === undefined ? undefined : { singleWindowUrl: config.customs.url }),
    settings: {
      payCode: customsKey.payCode,
      payName: customsKey.payName,
      ...(config.customs === undefined ? {} : { pushLeaseMs: config.customs.pushLeaseMs }),
      ...options.customs?.settings,
    },
  });
  customsRefundSlot.port = {
    async prepare(payment, refundMinor) {
      const settled = payment.settlement;
      const cnyTotalMinor =
        payment.amount.currency === 'CNY'
          ? payment.amountCapturedMinor
          : settled?.currency === 'CNY' && settled.amountMinor !== null
            ? settled.amountMinor
            : undefined;
      return customs.refunds.prepare(payment.merchantId, {
        paymentId: payment.id,
        refundMinor,
        capturedMinor: payment.amountCapturedMinor,
        cnyTotalMinor,
      });
    },
    reserved: (trx, plan, refundId) =>
      customs.refunds.reserved(trx as unknown as Transaction<CustomsTables>, plan as CustomsRefundPlan, refundId),
  };
  const billpay = createBillpayService({
    store,
    writer,
    ledger,
    clock,
    parties: {
      customerExists: async (merchantId, customerId) => (await parties.firstMissingCustomer(merchantId, [customerId])) === undefined,
      merchantExists: async (merchantId) => (await parties.getMerchant(merchantId)) !== undefined,
    },
    connectors: options.billers ?? (() => undefined),
    cards: billpayCardsPort(payments),
    events: {
      record: async (trx, event) => {
        await events.recordEvent(trx, {
          merchantId: event.merchantId,
          type: event.type,
          objectType: 'bill_payment',
          objectId: event.payment.id,
          data: billPaymentView(event.payment),
        });
      },
      recordForBiller: async (trx, event) => {
        await events.recordEvent(trx, {
          merchantId: event.merchantId,
          type: event.type,
          objectType: 'biller_payment',
          objectId: event.payment.id,
          data: billerPaymentView(event.payment),
        });
      },
      recordRun: async (trx, event) => {
        await events.recordEvent(trx, {
          merchantId: event.merchantId,
          type: event.type,
          objectType: 'bill_autopay_run',
          objectId: event.run.id,
          data: autopayRunView(event.run),
        });
      },
    },
    timers: { register: (kind, handler) => timers.register(kind, handler), schedule: (trx, job) => timers.schedule(trx, job) },
    settings: {
      ...billpaySettingsDefault,
      ...(config.billpay === undefined
        ? {}
        : {
            fetchWaitMs: config.billpay.fetchWaitMs,
            recheckDelayMs: config.billpay.recheckDelayMs,
            postingGraceMs: config.billpay.postingGraceMs,
            sweepIntervalMs: config.billpay.sweepIntervalMs,
          }),
      ...options.billpay,
    },
    log: warn,
  });
  const services: ApiServices = {
    store,
    writer,
    ledger,
    parties,
    wallets,
    payments,
    cards: vault,
    events,
    metrics,
    clock,
    web,
    fx,
    escrow,
    timers,
    testClocks,
    ...settlementServices,
    bank: () => options.bank,
    idempotency: config.idempotency,
    customs,
    interop: (interopLate = createInteropService({
      participants: defaultParticipants,
      paymentCodeRules: defaultPaymentCodeRules,
      db: store.db,
      writer,
      ledger,
      clock,
      merchants: { merchant: (id) => parties.getMerchant(id) },
      switchFiles: {
        async clearingFile(url, participant, date) {
          const response = await fetch(`${url}/clearing/${encodeURIComponent(participant)}?date=${date}`, {
            signal: AbortSignal.timeout(10_000),
          });
          if (!response.ok) throw new Error(`switch clearing file ${participant} ${date}: HTTP ${response.status}`);
          return response.text();
        },
        async post(url, path, body, signature) {
          try {
            const response = await fetch(`${url}${path}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'switch-signature': signature },
              body,
              signal: AbortSignal.timeout(10_000),
            });
            return {
              status: response.status,
              body: await response.text(),
              signature: response.headers.get('switch-signature') ?? undefined,
            };
          } catch {
            return undefined;
          }
        },
        async pay(url, body, signature) {
          try {
            const response = await fetch(`${url}/participants/hutong/pay`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'switch-signature': signature },
              body,
              signal: AbortSignal.timeout(10_000),
            });
            return {
              status: response.status,
              body: await response.text(),
              signature: response.headers.get('switch-signature') ?? undefined,
            };
          } catch {
            return undefined;
          }
        },
      },
      customers: {
        belongsTo: async (merchantId, customerId) => (await parties.firstMissingCustomer(merchantId, [customerId])) === undefined,
      },
      timers: { register: (kind, handler) => timers.register(kind, handler), schedule: (trx, job) => timers.schedule(trx, job) },
      events: {
        record: (trx, event) =>
          events.recordEvent(trx, { ...event, data: collectionCodeOrderView(event.data as CodeOrder) }).then(() => undefined),
      },
      settings: {
        ...defaultInteropSettings,
        switchKey: config.interop?.switchKey ?? defaultInteropSettings.switchKey,
        switchUrl: options.interopSwitchUrl ?? config.interop?.switchUrl,
      },
    })),
    billpay,
    risk,
  };
  const server = await buildServer(services, { logger, connections: config.http });
  dispatcher.start();

  return {
    services,
    server,
    dispatcher,
    // The timers' loop also resumes test clock advances whose process stopped.
    timers: {
      ...timers,
      start() {
        timers.start();
        testClocks.start();
      },
      async stop() {
        await testClocks.stop();
        await timers.stop();
      },
    },
    riskDaily,
    customsDeclarant: {
      copCode: customsKey.payCode,
      copName: customsKey.payName,
      certNo: customsKey.certNo,
      publicKeyPem: customsKey.publicKeyPem,
    },
    setCustomsPublicKey(pem) {
      customsSlot.publicKeyPem = pem;
    },
    async close() {
      fx.stopPolling();
      await customs.stopPolling();
      await billpay.sweeper.stop();
      await server.close();
      await dispatcher.stop();
      await testClocks.stop();
      await timers.stop();
      await writer.close();
      await store.close();
    },
  };
}

/** Where a card payment stands, as bill payment sees it. */
function billCardChargeOf(p: Payment): BillCardCharge {
  const status = p.status === 'succeeded' ? 'succeeded' : p.status === 'failed' || p.status === 'canceled' ? 'failed' : 'pending';
  return {
    status,
    paymentId: p.id,
    capturedMinor: p.amountCapturedMinor,
    detail: p.lastError === null ? (status === 'failed' ? `the card payment is ${p.status}` : null) : p.lastError.message,
    nextActionUrl: p.nextAction?.url ?? null,
  };
}

/**
 * Bill payment's card port (src/billpay BillpayCardsPort) over the payment gateway: an automatic
 * capture card payment of the payer's merchant, keyed by the bill payment, in the bill's own
 * currency (never converted), with `metadata.bill_payment` naming the bill payment.
 */
function billpayCardsPort(payments: PaymentServices): BillpayCardsPort {
  // The id src/payments derives from an Idempotency-Key (payments' create), to find a card payment by its key.
  const paymentIdOf = (merchantId: string, key: string) => derivedId('pay', `${merchantId}/payments`, key);
  const refundIdOf = (merchantId: string, key: string) => derivedId('re', `${merchantId}/refunds`, key);
  async function close(merchantId: string, id: string, detail: string): Promise<BillCardCharge> {
    const closed = await payments.cancel(merchantId, id);
    if (!isFailure(closed)) return { ...billCardChargeOf(closed), status: 'failed', detail };
    const now = await payments.get(merchantId, id);
    if (isFailure(now)) throw new Error(`bill card payment ${id}: ${now.detail}`);
    return billCardChargeOf(now);
  }
  return {
    async charge(merchantId, input) {
      const created = await payments.create(
        merchantId,
        {
          amount: input.amount,
          merchantOrderId: `bill:${input.billPaymentId}`,
          description: input.description,
          metadata: { bill_payment: input.billPaymentId },
          captureMethod: 'automatic',
          customerId: input.customerId,
          fx: { settlementCurrency: input.amount.currency },
        },
        input.key,
      );
      if (isFailure(created)) return { status: 'failed', paymentId: null, capturedMinor: 0n, detail: created.detail, nextActionUrl: null };
      if (created.status !== 'requires_payment_method') return billCardChargeOf(created);
      const method = 'cardId' in input.card ? { type: 'card' as const, ...input.card } : { type: 'card' as const, card: input.card.card };
      const confirmed = await payments.confirm(merchantId, created.id, method);
      if (!isFailure(confirmed)) return billCardChargeOf(confirmed);
      // Declined or refused: the card payment is closed, so nothing can charge it under this bill later.
      return close(merchantId, created.id, confirmed.detail);
    },
    async settle(merchantId, key, options) {
      const found = await payments.get(merchantId, paymentIdOf(merchantId, key));
      if (isFailure(found)) return undefined;
      if (found.status === 'requires_payment_method') return close(merchantId, found.id, 'the card was never charged');
      if (found.status === 'requires_action' && options.closeAwaitingAction)
        return close(merchantId, found.id, 'the cardholder did not finish 3-D Secure in time');
      return billCardChargeOf(found);
    },
    async refund(merchantId, paymentId, key) {
      const done = await payments.getRefund(merchantId, refundIdOf(merchantId, key));
      if (!isFailure(done)) return true;
      const payment = await payments.get(merchantId, paymentId);
      if (isFailure(payment)) return false;
      const made = await payments.refund(
        merchantId,
        { paymentId, amountMinor: payment.amountCapturedMinor, reason: 'the biller refused the bill payment' },
        key,
      );
      return !isFailure(made);
    },
  };
}
