import { startCardWorld, type CardWorld } from '../../sandbox/card-world/index.js';
import { http, serverEnv, startServer, type ServerProcess } from '../support/process.js';
import { freshStore, type Dialect } from '../support/stores.js';

/**
 * A started `hutong` (a child process, as an operator runs it) whose acquirer is a sandbox card
 * world in the test's own process, so a test can see what the issuer did to each card while it
 * drives Hutong over HTTP.
 */
/** The machine these run on is shared: a cold start under load may take long. */
const startTimeoutMs = 120_000;

export interface SafetyWorld {
  readonly server: ServerProcess;
  readonly cards: CardWorld;
  readonly env: Record<string, string>;
  readonly operatorKey: string;
  merchant(name: string): Promise<string>;
  restart(extraEnv?: Record<string, string>): Promise<ServerProcess>;
  close(): Promise<void>;
}

export async function startSafetyWorld(dialect: Dialect, extraEnv: Record<string, string> = {}): Promise<SafetyWorld> {
  const fresh = await freshStore(dialect);
  const cards = await startCardWorld({ port: 0 });
  const { env: base, operatorKey } = serverEnv(fresh.store);
  const env = { ...base, HUTONG_ACQUIRER_HOST: '127.0.0.1', HUTONG_ACQUIRER_PORT: String(cards.acquirerPort), ...extraEnv };
  let server = await startServer(env, { readyTimeoutMs: startTimeoutMs });
  const world: SafetyWorld = {
    get server() {
      return server;
    },
    cards,
    env,
    operatorKey,
    async merchant(name) {
      const created = await http(server.url, 'POST', '/v1/merchants', {
        key: operatorKey,
        body: { name, country: 'CN', settlement_currency: 'CNY' },
      });
      if (created.status !== 201) throw new Error(`create merchant: ${created.status} ${JSON.stringify(created.body)}`);
      return created.body.api_key.secret_key as string;
    },
    async restart(more = {}) {
      await server.kill();
      server = await startServer({ ...env, ...more }, { readyTimeoutMs: startTimeoutMs });
      return server;
    },
    async close() {
      await server.kill();
      await cards.close();
      await fresh.drop();
    },
  };
  return world;
}

let panSeq = 0;

/** A fresh Visa number (the sandbox approves any valid number it has no rule for), one per test card. */
export function freshVisa(): string {
  const body = `4539${String(Date.now() % 1e6).padStart(6, '0')}${String(panSeq++ % 1e5).padStart(5, '0')}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}
