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
  };
  /**
   * FX (docs/fx.md): the rate feed (ECB XML or CSV, a URL or file path) polled every
   * `feedIntervalMs`; unset URL: `hutong start` runs the sandbox feed. Optional so that older
   * configurations (tests) need not name it.
   */
  readonly fx?: {
    readonly feedUrl: string | undefined;
    readonly feedIntervalMs: number;
    readonly staleAfterMs: number;
    readonly quoteTtlMs: number;
    readonly markupBpsDefault: number;
    readonly convertToSettlement: boolean;
  };
  /**
   * Risk (docs/risk.md): the identity verification service (unset URL: `hutong start` runs the
   * sandbox one in-process) and the sanctions screening threshold (Jaro-Winkler × 1000).
   */
  readonly risk?: {
    readonly identityUrl: string | undefined;
    readonly identityKey: string | undefined;
    readonly screeningThresholdPermille: number;
  };
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer from ${min} to ${max} (got ${text})`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HutongConfig {
  const store = parseDatabaseUrl(env.DATABASE_URL);
  const postgres = store.dialect === 'postgres';
  return {
    port: intFrom(env, 'PORT', 4000, 0, 65535),
    host: env.HOST ?? '127.0.0.1',
    store,
    dataDir: store.dialect === 'sqlite' && store.path !== ':memory:' ? dirname(store.path) : undefined,
    adminKey: env.HUTONG_ADMIN_KEY,
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
    fx: {
      feedUrl: env.HUTONG_FX_FEED_URL === '' ? undefined : env.HUTONG_FX_FEED_URL,
      feedIntervalMs: intFrom(env, 'HUTONG_FX_FEED_INTERVAL_MS', 60_000, 1_000, 86_400_000),
      staleAfterMs: intFrom(env, 'HUTONG_FX_STALE_AFTER_MS', 4 * 24 * 60 * 60 * 1000, 1_000, 30 * 24 * 60 * 60 * 1000),
      quoteTtlMs: intFrom(env, 'HUTONG_FX_QUOTE_TTL_MS', 15 * 60 * 1000, 1_000, 24 * 60 * 60 * 1000),
      markupBpsDefault: intFrom(env, 'HUTONG_FX_MARKUP_BPS', 50, 0, 1_000),
      convertToSettlement: env.HUTONG_FX_CONVERT !== 'off',
    },
    risk: {
      identityUrl: env.HUTONG_IDENTITY_URL === '' ? undefined : env.HUTONG_IDENTITY_URL,
      identityKey: env.HUTONG_IDENTITY_KEY === '' ? undefined : env.HUTONG_IDENTITY_KEY,
      screeningThresholdPermille: intFrom(env, 'HUTONG_RISK_SCREENING_THRESHOLD', 900, 500, 1000),
    },
  };
}

export function vaultKeyFile(config: HutongConfig): string | undefined {
  return config.dataDir === undefined ? undefined : join(config.dataDir, 'vault.key');
}
