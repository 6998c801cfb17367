import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { ApiServices } from './api/context.js';
import { createMetrics, registerWriterMetrics } from './api/metrics.js';
import { buildServer } from './api/server.js';
import { systemClock, type Clock } from './core/clock.js';
import { vaultKeyFile, type HutongConfig } from './config.js';
import { createLedger } from './ledger/index.js';
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
  const ledger = createLedger({ clock, exec: store.exec, dialect: store.dialect });
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
  const events = createEvents({ store, cipher, clock });
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
  const payments = createPaymentServices({
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
  });
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
  const dispatcher = createWebhookDispatcher({ store, cipher, clock, onError: (error) => warn(`webhook dispatcher: ${String(error)}`) });
  const metrics = createMetrics();
  registerWriterMetrics(metrics, writer);
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
    risk,
  };
  const server = await buildServer(services, { logger });
  dispatcher.start();

  return {
    services,
    server,
    dispatcher,
    timers,
    async close() {
      fx.stopPolling();
      await server.close();
      await dispatcher.stop();
      await timers.stop();
      await writer.close();
      await store.close();
    },
  };
}
