import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { startCardWorld, type CardWorld } from '../../sandbox/card-world/index.js';
import { startThreeDSecureWorld } from '../../sandbox/three-d-secure/index.js';
import { startWalletWorld, walletNames, walletProfiles, type WalletName } from '../../sandbox/wallets/index.js';
import { createHutong, type Hutong } from '../../src/app.js';
import { createIso8583Acquirer } from '../../src/channels/iso8583-acquirer/index.js';
import { createConnectorRegistry } from '../../src/channels/registry.js';
import { createThreeDSecureClient } from '../../src/channels/three-d-secure/index.js';
import { createWalletConnector } from '../../src/channels/wallets/index.js';
import { systemClock } from '../../src/core/clock.js';
import type { FxSettings } from '../../src/fx/index.js';
import type { WalletConnectorPort } from '../../src/payments/index.js';
import { freePort } from '../support/process.js';
import { freshStore, testConfig, type Dialect } from '../support/stores.js';
import { ecbRates } from './fx-rates.js';
import { startSandboxBank, type SandboxBank } from '../../sandbox/bank/bank.js';
import { createBankClient } from '../../src/channels/bank/client.js';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { startCustomsWorld, type CustomsWorld } from '../../sandbox/customs/index.js';
import { createSingleWindowClient } from '../../src/channels/customs/index.js';
import { authenticator } from 'otplib';

/**
 * The whole platform on real ports, as a browser meets it: Hutong with the sandbox card world,
 * 3-D Secure and the outside wallets, plus a tiny "shop" that shoppers return to. 127.0.0.1 only.
 */
export const chromiumPath = await resolveChromium();
export const chromiumAvailable = true;

/**
 * The browser: HUTONG_CHROMIUM if set, else the Chromium that the devDependency @sparticuz/chromium
 * ships (unpacked on first use, never downloaded), so `npm ci && npm test` needs no apt step. Debian's
 * /usr/bin/chromium works too (HUTONG_CHROMIUM=/usr/bin/chromium).
 */
async function resolveChromium(): Promise<string> {
  const given = process.env.HUTONG_CHROMIUM;
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) throw new Error(`HUTONG_CHROMIUM=${given}: no such file`);
    return given;
  }
  const packaged = (await import('@sparticuz/chromium')).default;
  return packaged.executablePath();
}
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** A page signed in to the dashboard or the console through its login form, as a person would. */
export async function signInWithKey(
  browser: Browser,
  baseUrl: string,
  path: 'dashboard' | 'ops',
  key: string,
  context: BrowserContextOptions,
): Promise<Page> {
  if (path === 'ops') return signInOperator(browser, baseUrl, key, 'admin', context);
  const page = await (await browser.newContext(context)).newPage();
  await page.goto(`${baseUrl}/${path}/login`);
  await page.fill('#secret-key', key);
  await page.click('#sign-in');
  await page.waitForURL(`${baseUrl}/${path}`);
  return page;
}

let operatorSeq = 0;
/**
 * The console signs in with an operator account (issue 16), not the ok_ key: the key (automation)
 * enrols a fresh account with this role, and the page signs in with its email, password and TOTP code.
 */
export async function signInOperator(
  browser: Browser,
  baseUrl: string,
  operatorKey: string,
  role: 'admin' | 'finance' | 'risk' | 'support',
  context: BrowserContextOptions,
): Promise<Page> {
  const login = `${role}${++operatorSeq}.${randomBytes(3).toString('hex')}@ops.example`;
  const password = 'operator password 12+';
  const made = await fetch(`${baseUrl}/v1/operators`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ login, name: `Operator ${operatorSeq}`, role, password }),
  });
  const body = (await made.json()) as { totp_secret?: string };
  if (made.status !== 201 || body.totp_secret === undefined) throw new Error(`enrol operator: ${made.status} ${JSON.stringify(body)}`);
  const page = await (await browser.newContext(context)).newPage();
  await page.goto(`${baseUrl}/ops/login`);
  await page.fill('#email', login);
  await page.fill('#password', password);
  await page.fill('#code', authenticator.generate(body.totp_secret));
  await page.click('#sign-in');
  await page.waitForURL(`${baseUrl}/ops`);
  return page;
}

export interface WebWorld {
  hutong: Hutong;
  baseUrl: string;
  shopUrl: string;
  operatorKey: string;
  cards: CardWorld;
  /** The sandbox settlement bank, when the world was started with `bank: true`. */
  bank?: SandboxBank;
  /** The sandbox customs single window, platform and carrier, when started with `customs: true`. */
  customs?: CustomsWorld;
  close(): Promise<void>;
  /** JSON API call with a key. */
  api(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: any }>;
  merchant(name: string): Promise<{ id: string; key: string }>;
}

/**
 * `fx`: FX settings as test/fx.test.ts gives them (e.g. `{ convertToSettlement: true }`); the
 * world then also holds reference rates (test/web/fx-rates.ts) timed now. Without it, no FX.
 */
export async function startWebWorld(
  dialect: Dialect = 'sqlite',
  options: { fx?: Partial<FxSettings>; bank?: boolean; customs?: boolean } = {},
): Promise<WebWorld> {
  const fresh = await freshStore(dialect);
  const cards = await startCardWorld({ port: 0 });
  const registry = createConnectorRegistry({
    connectors: [createIso8583Acquirer({ name: 'sandbox_acquirer', host: '127.0.0.1', port: cards.acquirerPort, timeoutMs: 2000 })],
  });
  const secret = 'web-test-3ds-secret-0123456789';
  const threeDS = await startThreeDSecureWorld({ port: 0, secret, clock: systemClock });
  const wallets = await startWalletWorld({ port: 0, notifyRetryDelayMs: 50 });
  const connectors = new Map<string, WalletConnectorPort>();
  for (const name of walletNames)
    connectors.set(
      name,
      createWalletConnector(name, { baseUrl: wallets.baseUrl, key: walletProfiles[name as WalletName].keyDefault, clock: systemClock }),
    );

  const bank = options.bank === true ? await startSandboxBank({ port: 0 }) : undefined;
  const customs = options.customs === true ? await startCustomsWorld() : undefined;
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const hutong = await createHutong(
    { ...testConfig(fresh.store), publicBaseUrl: baseUrl },
    {
      logger: false,
      vaultKey: randomBytes(32),
      channels: { route: (q) => registry.route(q), connector: (n) => registry.connector(n) },
      threeDSecure: createThreeDSecureClient({ baseUrl: threeDS.baseUrl, secret, clock: systemClock }),
      wallets: { wallet: (name) => connectors.get(name) },
      fx: options.fx,
      bank: bank === undefined ? undefined : createBankClient(bank.baseUrl),
      customs:
        customs === undefined
          ? undefined
          : { gateway: createSingleWindowClient(customs.customs.baseUrl), customsPublicKeyPem: customs.customs.certificate.publicKeyPem },
    },
  );
  if (options.fx !== undefined) hutong.services.fx.loadEcbXml(ecbRates(new Date()));
  await hutong.server.listen({ port, host: '127.0.0.1' });
  const { generated } = await hutong.services.parties.ensureOperatorKey(undefined);

  const shop: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://shop');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Shop</title><h1 id="shop-return">Back at the shop</h1><p id="shop-status">${url.searchParams.get('status') === 'succeeded' ? 'succeeded' : 'other'}</p>`,
    );
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  const address = shop.address();
  const shopUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

  async function api(method: string, path: string, key: string, body?: unknown) {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  }
  const operatorKey = generated as string;
  return {
    hutong,
    baseUrl,
    shopUrl,
    operatorKey,
    cards,
    bank,
    customs,
    api,
    async merchant(name) {
      const res = await api('POST', '/v1/merchants', operatorKey, { name, country: 'CN', settlement_currency: 'CNY' });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      return { id: res.body.id, key: res.body.api_key.secret_key };
    },
    async close() {
      await hutong.close();
      await new Promise((r) => shop.close(r));
      await registry.close();
      await cards.close();
      await threeDS.close();
      await wallets.close();
      await bank?.close();
      await customs?.close();
      await fresh.drop();
    },
  };
}
