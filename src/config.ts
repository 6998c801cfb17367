import { dirname, join } from 'node:path';
import { parseDatabaseUrl, type StoreConfig } from './store/config.js';

/** Everything Hutong reads from its environment, read in one place. */
export interface HutongConfig {
  readonly port: number;
  readonly host: string;
  readonly store: StoreConfig;
  /** Where the embedded store keeps files that are not the database (the generated vault key). */
  readonly dataDir: string | undefined;
  readonly adminKey: string | undefined;
  readonly logLevel: string;
  readonly writer: { readonly batchSizeMax: number; readonly windowMs: number; readonly flushesMax: number };
  /**
   * The card acquirer Hutong talks ISO 8583 to. Unset host: `hutong start` runs the sandbox card
   * world in-process (on `sandboxAcquirerPort`, 0 = any free port) and points the connector at it.
   */
  /** Where shoppers' browsers reach Hutong (3-D Secure returns, later the cashier). */
  readonly publicBaseUrl: string;
  /**
   * 3-D Secure: the directory server and the secret its results are signed with. Unset URL:
   * `hutong start` runs the sandbox 3-D Secure world in-process.
   */
  readonly threeDSecure: { readonly url: string | undefined; readonly secret: string | undefined };
  readonly acquirer: {
    readonly host: string | undefined;
    readonly port: number;
    readonly timeoutMs: number;
    readonly sandboxAcquirerPort: number;
    /**
     * Several acquirers, in failover order: HUTONG_ACQUIRERS=`name=kind://host:port,…` (kinds in
     * src/channels/catalogue.ts; `iso8583` is ISO 8583 over TCP). Empty: the one acquirer above.
     */
    readonly list?: readonly AcquirerEndpoint[];
  };
  /**
   * FX (docs/fx.md): the rate feed (ECB XML or CSV, a URL or file path) polled every
   * `feedIntervalMs`; unset URL: `hutong start` runs the sandbox feed. Optional so that older
   * configurations (tests) need not name it.
   */
  /**
   * Slow and greedy clients (issue 12): how long a client may take to send its headers and its whole
   * request, how many connections one address may hold open, and how long SIGTERM waits for a clean
   * stop before exiting anyway. Optional so that older configurations (tests) need not name it.
   */
  readonly http?: {
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly connectionsPerIpMax: number;
    readonly shutdownTimeoutMs: number;
  };
  /**
   * Webhook destinations (src/events/destinations.ts): hosts exempt from the private-address check,
   * e.g. the sandbox receivers on 127.0.0.1. Optional so that older configurations need not name it.
   */
  readonly webhooks?: { readonly allowedHosts: readonly string[] };
  readonly interop?: InteropConfig;
  readonly fx?: {
    readonly feedUrl: string | undefined;
    readonly feedIntervalMs: number;
    readonly staleAfterMs: number;
    readonly quoteTtlMs: number;
    readonly markupBpsDefault: number;
    readonly convertToSettlement: boolean;
  };
  /**
   * Idempotency-Key reservations (src/api/idempotency.ts): the lease a request holds its key for
   * (renewed while it runs; a retry after a crash takes the key over once it ends) and how long
   * a same-key request waits for the first answer before a 409 that says retry.
   */
  readonly idempotency?: { readonly leaseMs: number; readonly waitMs: number };
  /**
   * The payment recovery sweep (src/payments/sweeper.ts): how long an attempt or a capture/cancel
   * claim may stay unanswered before the sweep treats its request as dead and repairs it.
   */
  readonly recovery?: { readonly inFlightGraceMs: number };
  /**
   * Customs declarations (docs/customs.md): the single window's URL (unset: `hutong start` runs the
   * sandbox customs world), Hutong's signing key file (PEM; unset: `customs.key` in the data
   * directory, made at first start), its certificate number, customs' public key (PEM file; unset
   * with the sandbox, which hands it over), and Hutong's own customs codes.
   */
  readonly customs?: {
    readonly url: string | undefined;
    readonly keyFile: string | undefined;
    readonly certNo: string;
    readonly customsPublicKeyFile: string | undefined;
    readonly payCode: string;
    readonly payName: string;
    readonly pushLeaseMs: number;
  };
  /**
   * Bill payment (docs/billpay.md): where each biller connector reaches its biller and the key it
   * signs with. Unset `billerUrls`: `hutong start` runs the sandbox billers in-process.
   */
  readonly billpay?: {
    readonly billerUrls: Record<string, string> | undefined;
    readonly billerKeys: Record<string, string>;
    readonly billerTimeoutMs: number;
    readonly fetchWaitMs: number;
    readonly recheckDelayMs: number;
    readonly postingGraceMs: number;
    readonly sweepIntervalMs: number;
  };
  /**
   * Risk (docs/risk.md): the identity verification service (unset URL: `hutong start` runs the
   * sandbox one in-process) and the sanctions screening threshold (Jaro-Winkler × 1000).
   */
  readonly risk?: {
    readonly identityUrl: string | undefined;
    readonly identityKey: string | undefined;
    readonly screeningThresholdPermille: number;
    /** The hour (0–23, China time) of the daily AML scan of the day before (src/risk/daily.ts). */
    readonly dailyScanHour?: number;
    /** Where the daily large-value report files go (default: `risk-reports` in the data directory). */
    readonly reportDir?: string;
  };
  /**
   * PostgreSQL failover (docs/failover.md): with a multi-host DATABASE_URL, how long a connection
   * waits for a read-write host after the primary is lost, and how long the writer asks whether a
   * COMMIT that lost its connection committed.
   */
  readonly failover?: { readonly reconnectTimeoutMs: number };
  /** ISO 20022 bank files (docs/settlement.md, issue 12): see BankFilesConfig. */
  readonly bankFiles?: BankFilesConfig;
}

/** One configured acquirer: the connector's name, its kind (a catalogue entry) and where it listens. */
export interface AcquirerEndpoint {
  readonly name: string;
  readonly kind: string;
  readonly host: string;
  readonly port: number;
}

/** A configuration longer than this is a typo, not a routing table. */
export const acquirersMax = 16;

/** HUTONG_ACQUIRERS: `name=kind://host:port` entries, comma-separated, most preferred first. */
export function parseAcquirers(text: string | undefined): readonly AcquirerEndpoint[] {
  if (text === undefined || text.trim() === '') return [];
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length > acquirersMax) throw new Error(`HUTONG_ACQUIRERS names at most ${acquirersMax} acquirers (got ${entries.length})`);
  const seen = new Set<string>();
  return entries.map((entry) => {
    const match = /^([a-z][a-z0-9_-]{0,39})=([a-z][a-z0-9-]{0,19}):\/\/([^:/\s]+):([0-9]{1,5})$/.exec(entry);
    const port = Number(match?.[4]);
    if (match === null || port < 1 || port > 65535)
      throw new Error(`HUTONG_ACQUIRERS: ${JSON.stringify(entry)} is not name=kind://host:port (e.g. main=iso8583://10.0.0.5:5800)`);
    const [, name, kind, host] = match as unknown as [string, string, string, string];
    if (seen.has(name)) throw new Error(`HUTONG_ACQUIRERS names ${name} twice`);
    seen.add(name);
    return { name, kind, host, port };
  });
}

/** `name=value,name=value` (biller URLs and keys), or undefined when unset. */
function pairsFrom(env: NodeJS.ProcessEnv, name: string): Record<string, string> | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const pairs: Record<string, string> = {};
  for (const part of text.split(',')) {
    const at = part.indexOf('=');
    if (at < 1) throw new Error(`${name} is a list of name=value, got ${JSON.stringify(part)}`);
    pairs[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return pairs;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer from ${min} to ${max} (got ${text})`);
  return value;
}

/**
 * The operator key from the environment must look like one (`ok_` and 8–200 URL-safe characters in
 * all, what the Authorization header accepts): any other value would start fine and never work.
 */
const operatorKeyPattern = /^ok_[A-Za-z0-9_-]{5,197}$/;

function operatorKeyFrom(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!operatorKeyPattern.test(value))
    throw new Error(
      'HUTONG_ADMIN_KEY must start with ok_ and use only A-Z a-z 0-9 _ - (8 to 200 characters), e.g. ok_ followed by a random token',
    );
  return value;
}

/**
 * Interconnection (docs/interop.md): the switch's URL (unset: `hutong start` runs the sandbox switch)
 * and the HMAC key Hutong and the switch sign their messages with. Optional so older
 * configurations (tests) need not name it; the sandbox key is the default.
 */
export interface InteropConfig {
  readonly switchUrl: string | undefined;
  readonly switchKey: string | undefined;
  /** The sandbox switch's port under `hutong start` (0 = any free port). */
  readonly sandboxSwitchPort: number;
  /** How long a shopper may take to confirm a payment code in the wallet app before the till's charge is reversed. */
  readonly paymentCodeConfirmMs?: number;
  /** The sandbox switch's journal (its durable bookings) under `hutong start`; unset: `switch-journal.jsonl` in the data directory. */
  readonly sandboxSwitchJournal?: string;
}

export function interopConfig(env: NodeJS.ProcessEnv = process.env): InteropConfig {
  return {
    switchUrl: env.HUTONG_SWITCH_URL === '' ? undefined : env.HUTONG_SWITCH_URL,
    switchKey: env.HUTONG_SWITCH_KEY === '' ? undefined : env.HUTONG_SWITCH_KEY,
    sandboxSwitchPort: intFrom(env, 'SANDBOX_SWITCH_PORT', 0, 0, 65535),
    paymentCodeConfirmMs: intFrom(env, 'HUTONG_PAYMENT_CODE_CONFIRM_MS', 30_000, 1_000, 600_000),
    sandboxSwitchJournal: env.SANDBOX_SWITCH_JOURNAL === '' ? undefined : env.SANDBOX_SWITCH_JOURNAL,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HutongConfig {
  const store = parseDatabaseUrl(env.DATABASE_URL);
  const postgres = store.dialect === 'postgres';
  return {
    port: intFrom(env, 'PORT', 4000, 0, 65535),
    host: env.HOST ?? '127.0.0.1',
    store,
    dataDir: store.dialect === 'sqlite' && store.path !== ':memory:' ? dirname(store.path) : undefined,
    adminKey: operatorKeyFrom(env.HUTONG_ADMIN_KEY),
    logLevel: env.LOG_LEVEL ?? 'info',
    publicBaseUrl: (env.HUTONG_PUBLIC_URL ?? `http://127.0.0.1:${env.PORT ?? 4000}`).replace(/\/+$/, ''),
    threeDSecure: {
      url: env.HUTONG_3DS_URL === '' ? undefined : env.HUTONG_3DS_URL,
      secret: env.HUTONG_3DS_SECRET === '' ? undefined : env.HUTONG_3DS_SECRET,
    },
    acquirer: {
      host: env.HUTONG_ACQUIRER_HOST === '' ? undefined : env.HUTONG_ACQUIRER_HOST,
      port: intFrom(env, 'HUTONG_ACQUIRER_PORT', 5800, 1, 65535),
      timeoutMs: intFrom(env, 'HUTONG_ACQUIRER_TIMEOUT_MS', 2000, 50, 60_000),
      sandboxAcquirerPort: intFrom(env, 'SANDBOX_ACQUIRER_PORT', 0, 0, 65535),
      list: parseAcquirers(env.HUTONG_ACQUIRERS),
    },
    writer: {
      // Measured on the 2-core machine (docs/benchmarks.md): SQLite is best with one large batch
      // at a time; PostgreSQL with 8 small ones in flight (fewer shared accounts, more overlap).
      batchSizeMax: intFrom(env, 'HUTONG_BATCH_SIZE_MAX', postgres ? 32 : 256, 1, 10_000),
      windowMs: intFrom(env, 'HUTONG_BATCH_WINDOW_MS', 0, 0, 100),
      // SQLite has one write connection. On PostgreSQL several batches run at once, on separate
      // connections, and never share an account (see store/writer.ts), so they cannot deadlock.
      flushesMax: intFrom(env, 'HUTONG_WRITER_FLUSHES_MAX', postgres ? 8 : 1, 1, 64),
    },
    http: {
      headersTimeoutMs: intFrom(env, 'HUTONG_HEADERS_TIMEOUT_MS', 10_000, 100, 120_000),
      requestTimeoutMs: intFrom(env, 'HUTONG_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
      connectionsPerIpMax: intFrom(env, 'HUTONG_CONNECTIONS_PER_IP_MAX', 256, 1, 100_000),
      shutdownTimeoutMs: intFrom(env, 'HUTONG_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 120_000),
    },
    webhooks: {
      allowedHosts: (env.HUTONG_WEBHOOK_ALLOWED_HOSTS ?? '')
        .split(',')
        .map((h) =>
          h
            .trim()
            .toLowerCase()
            .replace(/^\[|\]$/g, ''),
        )
        .filter((h) => h !== ''),
    },
    interop: interopConfig(env),
    fx: {
      feedUrl: env.HUTONG_FX_FEED_URL === '' ? undefined : env.HUTONG_FX_FEED_URL,
      feedIntervalMs: intFrom(env, 'HUTONG_FX_FEED_INTERVAL_MS', 60_000, 1_000, 86_400_000),
      staleAfterMs: intFrom(env, 'HUTONG_FX_STALE_AFTER_MS', 4 * 24 * 60 * 60 * 1000, 1_000, 30 * 24 * 60 * 60 * 1000),
      quoteTtlMs: intFrom(env, 'HUTONG_FX_QUOTE_TTL_MS', 15 * 60 * 1000, 1_000, 24 * 60 * 60 * 1000),
      markupBpsDefault: intFrom(env, 'HUTONG_FX_MARKUP_BPS', 50, 0, 1_000),
      convertToSettlement: env.HUTONG_FX_CONVERT !== 'off',
    },
    idempotency: {
      leaseMs: intFrom(env, 'HUTONG_IDEMPOTENCY_LEASE_MS', 5_000, 1_000, 3_600_000),
      waitMs: intFrom(env, 'HUTONG_IDEMPOTENCY_WAIT_MS', 10_000, 0, 60_000),
    },
    recovery: { inFlightGraceMs: intFrom(env, 'HUTONG_RECOVERY_GRACE_MS', 30_000, 1_000, 3_600_000) },
    customs: {
      url: env.HUTONG_CUSTOMS_URL === '' ? undefined : env.HUTONG_CUSTOMS_URL,
      keyFile: env.HUTONG_CUSTOMS_KEY_FILE === '' ? undefined : env.HUTONG_CUSTOMS_KEY_FILE,
      certNo: env.HUTONG_CUSTOMS_CERT_NO || 'HUTONG-CUSTOMS-01',
      customsPublicKeyFile: env.HUTONG_CUSTOMS_PUBLIC_KEY_FILE === '' ? undefined : env.HUTONG_CUSTOMS_PUBLIC_KEY_FILE,
      payCode: env.HUTONG_CUSTOMS_PAY_CODE || '110196000T',
      payName: env.HUTONG_CUSTOMS_PAY_NAME || 'Hutong Payment (互通支付)',
      pushLeaseMs: intFrom(env, 'HUTONG_CUSTOMS_PUSH_LEASE_MS', 30_000, 1_000, 600_000),
    },
    billpay: {
      billerUrls: pairsFrom(env, 'HUTONG_BILLERS'),
      billerKeys: pairsFrom(env, 'HUTONG_BILLER_KEYS') ?? {},
      billerTimeoutMs: intFrom(env, 'HUTONG_BILLER_TIMEOUT_MS', 2_000, 50, 60_000),
      fetchWaitMs: intFrom(env, 'HUTONG_BILLPAY_FETCH_WAIT_MS', 1_500, 10, 60_000),
      recheckDelayMs: intFrom(env, 'HUTONG_BILLPAY_RECHECK_MS', 2_000, 10, 600_000),
      postingGraceMs: intFrom(env, 'HUTONG_BILLPAY_POSTING_GRACE_MS', 30_000, 100, 3_600_000),
      sweepIntervalMs: intFrom(env, 'HUTONG_BILLPAY_SWEEP_MS', 1_000, 50, 600_000),
    },
    risk: {
      identityUrl: env.HUTONG_IDENTITY_URL === '' ? undefined : env.HUTONG_IDENTITY_URL,
      identityKey: env.HUTONG_IDENTITY_KEY === '' ? undefined : env.HUTONG_IDENTITY_KEY,
      screeningThresholdPermille: intFrom(env, 'HUTONG_RISK_SCREENING_THRESHOLD', 900, 500, 1000),
      dailyScanHour: intFrom(env, 'HUTONG_RISK_SCAN_HOUR', 1, 0, 23),
      reportDir: env.HUTONG_RISK_REPORT_DIR === '' ? undefined : env.HUTONG_RISK_REPORT_DIR,
    },
    failover: { reconnectTimeoutMs: intFrom(env, 'HUTONG_PG_RECONNECT_MS', 30_000, 100, 600_000) },
    bankFiles: bankFilesConfig(env),
  };
}

export function vaultKeyFile(config: HutongConfig): string | undefined {
  return config.dataDir === undefined ? undefined : join(config.dataDir, 'vault.key');
}

/**
 * ISO 20022 bank files (issue 12, docs/settlement.md):
 * - `accountIds`: HUTONG_BANK_ACCOUNT_IDS=`<bank's id>=HUTONG-RESERVE-EUR,…` maps the account ids a
 *   real bank writes in its camt.053 (an IBAN or its own `Othr/Id`) to Hutong's account names;
 * - `debtorAgentBic`: HUTONG_BANK_BIC, the BIC of Hutong's bank (pain.001 `DbtrAgt`);
 * - `chargeBearer`: HUTONG_BANK_CHARGE_BEARER, who pays the banks' charges of a cross-border
 *   payout (`ChrgBr`: SHAR, DEBT or CRED; SLEV is written for SEPA-style IBAN payouts in EUR).
 */
export interface BankFilesConfig {
  readonly accountIds: ReadonlyMap<string, string>;
  readonly debtorAgentBic: string;
  readonly chargeBearer: 'SHAR' | 'DEBT' | 'CRED';
}

const bicPattern = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

export function bankFilesConfig(env: NodeJS.ProcessEnv = process.env): BankFilesConfig {
  const accountIds = new Map<string, string>();
  for (const [bankId, name] of Object.entries(pairsFrom(env, 'HUTONG_BANK_ACCOUNT_IDS') ?? {})) {
    if (!/^HUTONG-(RESERVE|SETTLEMENT)-[A-Z]{3}$/.test(name))
      throw new Error(`HUTONG_BANK_ACCOUNT_IDS maps ${bankId} to ${name}: name one of Hutong's accounts, e.g. HUTONG-RESERVE-EUR`);
    accountIds.set(bankId.replace(/\s/g, '').toUpperCase(), name);
  }
  const debtorAgentBic = (env.HUTONG_BANK_BIC || 'SBOXCNSHXXX').toUpperCase();
  if (!bicPattern.test(debtorAgentBic))
    throw new Error(`HUTONG_BANK_BIC must be a BIC (8 or 11 letters and digits), got ${debtorAgentBic}`);
  const chargeBearer = (env.HUTONG_BANK_CHARGE_BEARER || 'SHAR').toUpperCase();
  if (chargeBearer !== 'SHAR' && chargeBearer !== 'DEBT' && chargeBearer !== 'CRED')
    throw new Error(`HUTONG_BANK_CHARGE_BEARER is SHAR, DEBT or CRED, got ${chargeBearer}`);
  return { accountIds, debtorAgentBic, chargeBearer };
}
