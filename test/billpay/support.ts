import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createHutong, type Hutong } from '../../src/app.js';
import type { BillpaySettings } from '../../src/billpay/index.js';
import { createBillerConnector, type BillerConnector, type BillerKind } from '../../src/channels/billers/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { sandboxBillerNames, startBillerWorld, type BillerWorld, type SandboxBillerName } from '../../sandbox/billers/index.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { freshStore, testConfig, type Dialect } from '../support/stores.js';

/** The registry entries of the five sandbox billers, as the operator registers them over the API. */
export function sandboxBillerBodies(merchants: Record<SandboxBillerName, string>): Record<SandboxBillerName, Record<string, unknown>> {
  return {
    electricity: {
      code: 'sh-electric',
      name: 'Shanghai Electric (sandbox)',
      name_zh: '上海电力（沙箱）',
      category: 'electricity',
      region: 'CN-SH',
      connector: 'electricity',
      model: 'fetch',
      account: { label: 'Account number', label_zh: '户号', pattern: '\\d{10}', length_min: 10, length_max: 10, check_digit: 'luhn' },
      amount_rule: 'exact',
      min_amount: 1,
      max_amount: 5_000_000,
      currency: 'CNY',
      biller_fee_bps: 20,
      merchant: merchants.electricity,
    },
    water_gas: {
      code: 'sh-water-gas',
      name: 'Shanghai Water & Gas (sandbox)',
      name_zh: '上海水务燃气（沙箱）',
      category: 'water_gas',
      region: 'CN-SH',
      connector: 'water_gas',
      model: 'fetch',
      account: {
        label: 'Customer number',
        label_zh: '用户编号',
        pattern: '\\d{9}',
        length_min: 9,
        length_max: 9,
        check_digit: 'weights_731',
      },
      amount_rule: 'at_most',
      min_amount: 1,
      max_amount: 5_000_000,
      currency: 'CNY',
      payer_fee: 100,
      biller_fee_bps: 15,
      merchant: merchants.water_gas,
    },
    mobile: {
      code: 'cn-mobile',
      name: 'China Mobile top-up (sandbox)',
      name_zh: '手机充值（沙箱）',
      category: 'mobile',
      region: 'CN',
      connector: 'mobile',
      model: 'validate',
      account: {
        label: 'Mobile number',
        label_zh: '手机号码',
        pattern: '1[3-9]\\d{9}',
        length_min: 11,
        length_max: 11,
        check_digit: 'none',
      },
      amount_rule: 'any',
      min_amount: 500,
      max_amount: 100_000,
      currency: 'CNY',
      biller_fee_bps: 30,
      merchant: merchants.mobile,
    },
    property: {
      code: 'sh01-property',
      name: 'Hutong Gardens property management (sandbox)',
      name_zh: '胡同花园物业（沙箱）',
      category: 'property',
      region: 'CN-SH',
      connector: 'property',
      model: 'fetch',
      account: {
        label: 'Unit',
        label_zh: '房号',
        pattern: '[A-Z]{2}\\d{2}-\\d{2}-\\d{4}',
        length_min: 12,
        length_max: 12,
        check_digit: 'none',
      },
      amount_rule: 'whole_periods',
      min_amount: 1,
      max_amount: 10_000_000,
      currency: 'CNY',
      biller_fee_bps: 50,
      merchant: merchants.property,
    },
    charity: {
      code: 'hope-charity',
      name: 'Hope Foundation (sandbox)',
      name_zh: '希望基金会（沙箱）',
      category: 'charity',
      region: 'CN',
      connector: 'charity',
      model: 'direct',
      account: { label: 'Project code', label_zh: '项目编号', pattern: 'P\\d{2}', length_min: 3, length_max: 3, check_digit: 'none' },
      amount_rule: 'any',
      min_amount: 100,
      max_amount: 10_000_000,
      currency: 'CNY',
      merchant: merchants.charity,
    },
  };
}

export function sandboxConnectors(world: BillerWorld, timeoutMs: number): (name: string) => BillerConnector | undefined {
  const connectors = new Map<string, BillerConnector>();
  for (const name of sandboxBillerNames)
    connectors.set(name, createBillerConnector(name as BillerKind, { baseUrl: world.urls[name], key: world.keys[name], timeoutMs }));
  return (name) => connectors.get(name);
}

export interface BillpayTestApp {
  hutong: Hutong;
  world: BillerWorld;
  clock: ManualClock;
  operatorKey: string;
  request(
    method: string,
    url: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any }>;
  /** Merchant ids and keys: the wallet app, and one merchant per biller (its settlement account). */
  app: { id: string; key: string };
  billerMerchants: Record<SandboxBillerName, { id: string; key: string }>;
  billers: Record<SandboxBillerName, string>;
  /** A customer of the app with `topUpMinor` in their wallet. */
  customer(topUpMinor: number): Promise<string>;
  balance(customerId: string): Promise<number>;
}

/** `cards`: the sandbox card world behind Hutong's ISO 8583 connector, for bills paid by card. */
export function useBillpayApp(
  dialect: Dialect,
  settings: Partial<BillpaySettings> = {},
  billerTimeoutMs = 1_500,
  cards?: CardWorldFixture,
  /** The clock's (and the sandbox billers') first instant. */
  start = new Date('2026-03-01T08:00:00Z'),
): BillpayTestApp {
  const t = {} as BillpayTestApp;
  let drop: () => Promise<void> = async () => undefined;
  let closeCards: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const channels = cards === undefined ? undefined : await cardWorldChannels(cards, { timeoutMs: 3_000 })();
    if (channels !== undefined) closeCards = channels.close;
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    t.clock = new ManualClock(start);
    t.world = await startBillerWorld({ clock: t.clock });
    t.hutong = await createHutong(testConfig(fresh.store), {
      clock: t.clock,
      logger: false,
      vaultKey: randomBytes(32),
      billers: sandboxConnectors(t.world, billerTimeoutMs),
      ...(channels === undefined ? {} : { channels }),
      billpay: { fetchWaitMs: 500, recheckDelayMs: 1_000, postingGraceMs: 5_000, ...settings },
    });
    await t.hutong.server.ready();
    t.operatorKey = (await t.hutong.services.parties.ensureOperatorKey(undefined)).generated as string;
    t.request = async (method, url, options = {}) => {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
      const response = await t.hutong.server.inject({
        method: method as 'GET',
        url,
        headers,
        ...(options.body === undefined ? {} : { payload: options.body as object }),
      });
      const contentType = String(response.headers['content-type'] ?? '');
      return {
        status: response.statusCode,
        body: response.body === '' ? undefined : contentType.includes('json') ? JSON.parse(response.body) : response.body,
      };
    };
    const merchant = async (name: string) => {
      const res = await t.request('POST', '/v1/merchants', {
        key: t.operatorKey,
        body: { name, country: 'CN', settlement_currency: 'CNY' },
      });
      if (res.status !== 201) throw new Error(`merchant: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.id as string, key: res.body.api_key.secret_key as string };
    };
    t.app = await merchant('Wallet app');
    t.billerMerchants = {} as BillpayTestApp['billerMerchants'];
    for (const name of sandboxBillerNames) t.billerMerchants[name] = await merchant(`${name} company`);
    const bodies = sandboxBillerBodies(
      Object.fromEntries(sandboxBillerNames.map((n) => [n, t.billerMerchants[n].id])) as Record<SandboxBillerName, string>,
    );
    t.billers = {} as Record<SandboxBillerName, string>;
    for (const name of sandboxBillerNames) {
      const res = await t.request('POST', '/v1/billers', { key: t.operatorKey, body: bodies[name] });
      if (res.status !== 201) throw new Error(`biller ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      t.billers[name] = res.body.id;
    }
    t.customer = async (topUpMinor) => {
      const created = await t.request('POST', '/v1/customers', { key: t.app.key, body: { name: 'Li Lei' } });
      const id = created.body.id as string;
      if (topUpMinor > 0) {
        const topUp = await t.request('POST', `/v1/customers/${id}/top_ups`, {
          key: t.app.key,
          body: { amount: topUpMinor, currency: 'CNY' },
        });
        if (topUp.status !== 201) throw new Error(`top-up: ${topUp.status} ${JSON.stringify(topUp.body)}`);
      }
      return id;
    };
    t.balance = async (customerId) => {
      const res = await t.request('GET', `/v1/customers/${customerId}/balances`, { key: t.app.key });
      const cny = (res.body.data as { currency: string; available: number }[]).find((b) => b.currency === 'CNY');
      return cny?.available ?? 0;
    };
  });
  afterAll(async () => {
    await t.hutong?.close();
    await t.world?.close();
    await closeCards();
    await drop();
  });
  return t;
}
