import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hutong } from '../app.js';
import { isFailure } from '../core/index.js';
import { amount } from '../money/index.js';

/**
 * The sandbox demo seeded by `hutong start` on a new store: one merchant, three customers, some
 * wallet money. The demo merchant's test key is kept in the data directory (a sandbox convenience,
 * sk_test_ only) so that every start can print it; real keys are only ever stored hashed.
 */
export interface DemoInfo {
  readonly merchantId: string;
  readonly merchantName: string;
  readonly secretKey: string | null;
}

const demoSetting = 'sandbox_demo_merchant';
const credentialsFile = 'sandbox-credentials.json';

export async function seedDemo(hutong: Hutong, dataDir: string | undefined): Promise<DemoInfo> {
  const { store, parties, wallets } = hutong.services;
  const saved = await store.db.selectFrom('settings').select('value').where('key', '=', demoSetting).executeTakeFirst();
  if (saved !== undefined) {
    const merchant = await parties.getMerchant(saved.value);
    return { merchantId: saved.value, merchantName: merchant?.name ?? '?', secretKey: readDemoKey(dataDir) };
  }
  const created = await parties.createMerchant(
    { name: 'Hutong Demo Shop', country: 'CN', settlementCurrency: 'CNY' },
    { scope: 'sandbox', key: 'demo-merchant' },
  );
  if (isFailure(created)) throw new Error(`demo merchant: ${created.detail}`);
  const merchantId = created.merchant.id;
  const customers = [
    {
      name: 'Li Lei',
      email: 'lilei@example.cn',
      phone: '+86 138 0000 0001',
      identity: { type: 'resident_id' as const, number: '11010519491231002X' },
    },
    { name: 'Han Meimei', email: 'hanmeimei@example.cn' },
    { name: 'Alice Smith', email: 'alice@example.com' },
  ];
  const ids: string[] = [];
  for (const [i, customer] of customers.entries()) {
    const c = await parties.createCustomer(merchantId, customer, { scope: 'sandbox', key: `demo-customer-${i}` });
    if (isFailure(c)) throw new Error(`demo customer: ${c.detail}`);
    ids.push(c.id);
  }
  await wallets.topUp(merchantId, ids[0] as string, {
    amount: amount(100_000n, 'CNY'),
    description: 'demo top-up',
    idempotencyKey: 'demo-top-up-0',
  });
  await wallets.topUp(merchantId, ids[2] as string, {
    amount: amount(20_000n, 'USD'),
    description: 'demo top-up',
    idempotencyKey: 'demo-top-up-2',
  });
  if (created.secretKey !== null && dataDir !== undefined) {
    writeFileSync(
      join(dataDir, credentialsFile),
      JSON.stringify({ demo_merchant_id: merchantId, demo_merchant_key: created.secretKey }, null, 2) + '\n',
      { mode: 0o600 },
    );
  }
  await store.db.insertInto('settings').values({ key: demoSetting, value: merchantId, updated_at: new Date().toISOString() }).execute();
  return { merchantId, merchantName: created.merchant.name, secretKey: created.secretKey };
}

/** The demo merchant's test key, as `hutong start` saved it (null without a data directory or a demo). */
export function readDemoKey(dataDir: string | undefined): string | null {
  if (dataDir === undefined) return null;
  const file = join(dataDir, credentialsFile);
  if (!existsSync(file)) return null;
  return (JSON.parse(readFileSync(file, 'utf8')) as { demo_merchant_key?: string }).demo_merchant_key ?? null;
}
