import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createHutong, type CreateOptions, type Hutong } from '../../src/app.js';
import type { ChannelsPort, ThreeDSecurePort } from '../../src/payments/index.js';
import { ManualClock } from '../../src/core/clock.js';
import type { FxSettings } from '../../src/fx/index.js';
import type { BankClient } from '../../src/channels/bank/client.js';
import type { HutongConfig } from '../../src/config.js';
import { freshStore, testConfig, type Dialect } from './stores.js';
import type { BillerConnectors } from '../../src/billpay/index.js';
import type { IdentityPort } from '../../src/risk/index.js';

export interface TestApp {
  hutong: Hutong;
  operatorKey: string;
  clock: ManualClock;
  /** fastify.inject with JSON in and out. */
  request(
    method: string,
    url: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  makeMerchant(name?: string): Promise<{ id: string; key: string }>;
  makeCustomer(merchantKey: string, name?: string): Promise<string>;
}

export interface TestAppOptions {
  /** The card channels for the suite (e.g. the sandbox card world), closed after it. */
  readonly channels?: () => Promise<ChannelsPort & { close(): Promise<void> }>;
  readonly threeDSecure?: () => Promise<{ port: ThreeDSecurePort; close(): Promise<void> }>;
  /** FX settings (src/fx); without them payments settle in their own currency, as before FX. */
  readonly fx?: Partial<FxSettings>;
  /** The settlement bank for the suite (e.g. the sandbox bank), closed after it. */
  readonly bank?: () => Promise<{ client: BankClient; close(): Promise<void> }>;
  /** Configuration over testConfig's (e.g. an empty webhook allow-list). */
  readonly config?: Partial<HutongConfig>;
  /** Customs: the single window's connector and customs' public key (e.g. the sandbox customs world), closed after. */
  readonly customs?: (clock: ManualClock) => Promise<{ options: NonNullable<CreateOptions['customs']>; close(): Promise<void> }>;
  /** The interconnection switch's URL (e.g. a sandbox switch started by an earlier beforeAll). */
  readonly interopSwitchUrl?: () => string;
  /** Biller connectors for bill payment (e.g. the sandbox billers), closed after the suite. */
  readonly billers?: () => Promise<{ connectors: BillerConnectors; close(): Promise<void> }>;
  /** The identity verification service for the suite (e.g. sandbox/identity), closed after it. */
  readonly identity?: () => Promise<{ port: IdentityPort; close(): Promise<void> }>;
}

/** Builds the whole service on a fresh store for the suite, with test factories. */
export function useTestApp(dialect: Dialect, options: TestAppOptions = {}): TestApp {
  const app = {} as TestApp;
  let drop: () => Promise<void> = async () => undefined;
  let closeChannels: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    const clock = new ManualClock(new Date('2026-03-01T08:00:00Z'));
    const channels = options.channels === undefined ? undefined : await options.channels();
    const threeDS = options.threeDSecure === undefined ? undefined : await options.threeDSecure();
    const bank = options.bank === undefined ? undefined : await options.bank();
    const customs = options.customs === undefined ? undefined : await options.customs(clock);
    const billers = options.billers === undefined ? undefined : await options.billers();
    const identity = options.identity === undefined ? undefined : await options.identity();
    closeChannels = async () => {
      await customs?.close();
      await billers?.close();
      await channels?.close();
      await threeDS?.close();
      await bank?.close();
      await identity?.close();
    };
    const hutong = await createHutong(
      { ...testConfig(fresh.store), ...options.config },
      {
        clock,
        logger: false,
        vaultKey: randomBytes(32),
        channels,
        threeDSecure: threeDS?.port,
        fx: options.fx,
        bank: bank?.client,
        customs: customs?.options,
        interopSwitchUrl: options.interopSwitchUrl?.(),
        billers: billers?.connectors,
        identity: identity?.port,
      },
    );
    await hutong.server.ready();
    const { generated } = await hutong.services.parties.ensureOperatorKey(undefined);
    app.hutong = hutong;
    app.clock = clock;
    app.operatorKey = generated as string;
    app.request = async (method, url, options = {}) => {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
      const response = await hutong.server.inject({
        method: method as 'GET',
        url,
        headers,
        ...(options.body === undefined ? {} : { payload: options.body as object }),
      });
      const text = response.body;
      return { status: response.statusCode, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
    };
    app.makeMerchant = async (name = 'Shop') => {
      const res = await app.request('POST', '/v1/merchants', {
        key: app.operatorKey,
        body: { name, country: 'CN', settlement_currency: 'CNY' },
      });
      if (res.status !== 201) throw new Error(`makeMerchant: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.id, key: res.body.api_key.secret_key };
    };
    app.makeCustomer = async (merchantKey, name = 'Li Lei') => {
      const res = await app.request('POST', '/v1/customers', { key: merchantKey, body: { name } });
      if (res.status !== 201) throw new Error(`makeCustomer: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    };
  });
  afterAll(async () => {
    await app.hutong?.close();
    await closeChannels();
    await drop();
  });
  return app;
}
