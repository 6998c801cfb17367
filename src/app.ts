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
import { createCardVault, deriveFingerprintKey } from './cards/index.js';
import { createPaymentServices, type ChannelsPort, type ThreeDSecurePort, type WalletsPort } from './payments/index.js';
import { createEvents, createWebhookDispatcher, type Events, type WebhookDispatcher } from './events/index.js';
import { paymentView, refundView } from './api/routes/payments.js';
import type { EventsPort, Payment, Refund } from './payments/index.js';
import { createWeb } from './web/service.js';
import { createFx, type FxSettings } from './fx/index.js';
import { createTimers, type Timers } from './events/timers.js';
import { createBuyerTokens, createEscrow } from './escrow/index.js';
import type { EscrowPort } from './payments/index.js';
import type { BankClient } from './channels/bank/client.js';
import { createSettlementServices } from './settlement/index.js';
import {
  createCustomsService,
  createKeyFileSigner,
  type CustomsGateway,
  type CustomsPaymentsPort,
  type CustomsSettings,
  type CustomsTables,
  type CustomsWriter,
} from './customs/index.js';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './store/schema.js';
import { createSingleWindowClient } from './channels/customs/index.js';
import { customsDeclarationView } from './api/presenters/customs.js';
import { loadCustomsKey } from './customs-key.js';
import { isFailure } from './core/index.js';
import { createInteropService, defaultInteropSettings, defaultParticipants, defaultPaymentCodeRules } from './interop/index.js';
import { collectionCodeOrderView } from './api/presenters/interop.js';
import type { CodeOrder } from './interop/index.js';
import { billpaySettingsDefault, createBillpayService, type BillerConnectors } from './billpay/index.js';
import { billPaymentView } from './api/presenters/billpay.js';
import { createRiskService, type IdentityPort } from './risk/index.js';

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
  const store = await openStore(config.store, { poolSizeMax: config.writer.flushesMax + 4 });
  const writer = createWriter(store.db, store.exec, config.writer);
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
  });
  const wallets = createWallets({ store, writer, ledger, parties, clock, risk: risk.debits });
  const vault = createCardVault({ store, cipher, clock, fingerprintKey: deriveFingerprintKey(vaultKey), writer });
  // Webhooks never reach private addresses unless the operator allow-lists the host (issue 12).
  const destinations = { allowedHosts: config.webhooks?.allowedHosts ?? [] };
  const events = createEvents({ store, cipher, clock, destinations });
  const fx = createFx({
    store,
    writer,
    parties,
    clock,
    personKeySecret: createHmac('sha256', vaultKey).update('hutong/fx/person-key').digest(),
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
  });
  // Escrow is built on payments, and payments call escrow back in their capture/refund units.
  const escrowSlot: { port?: EscrowPort } = {};
  const lateEscrow: EscrowPort = {
    fundsOf: (db, paymentId) => (escrowSlot.port === undefined ? Promise.resolve('merchant') : escrowSlot.port.fundsOf(db, paymentId)),
    captured: (trx, payment) => (escrowSlot.port as EscrowPort).captured(trx, payment),
    refunded: (trx, payment, refund) => (escrowSlot.port as EscrowPort).refunded(trx, payment, refund),
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
  const timers = createTimers({ store, writer, clock, onError: (error) => warn(`timers: ${String(error)}`) });
  const escrow = createEscrow({
    store,
    writer,
    ledger,
    clock,
    parties,
    payments,
    events,
    timers,
    buyerTokens: createBuyerTokens(vaultKey),
    publicBaseUrl: config.publicBaseUrl,
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
    },
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
    ...settlementServices,
    bank: () => options.bank,
    idempotency: config.idempotency,
    customs,
    interop: createInteropService({
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
      events: {
        record: (trx, event) =>
          events.recordEvent(trx, { ...event, data: collectionCodeOrderView(event.data as CodeOrder) }).then(() => undefined),
      },
      settings: {
        ...defaultInteropSettings,
        switchKey: config.interop?.switchKey ?? defaultInteropSettings.switchKey,
        switchUrl: options.interopSwitchUrl ?? config.interop?.switchUrl,
      },
    }),
    billpay,
    risk,
  };
  const server = await buildServer(services, { logger, connections: config.http });
  dispatcher.start();

  return {
    services,
    server,
    dispatcher,
    timers,
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
      await timers.stop();
      await writer.close();
      await store.close();
    },
  };
}
