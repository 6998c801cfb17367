import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHutong, type Hutong } from '../src/app.js';
import { chart, accountIdFor } from '../src/ledger/index.js';
import { amount } from '../src/money/index.js';
import { databaseUrlOf, runCli } from './support/process.js';
import { describeEachStore, freshStore, testConfig } from './support/stores.js';

describeEachStore('hutong CLI', (dialect) => {
  let hutong: Hutong;
  let url: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    url = databaseUrlOf(fresh.store);
    hutong = await createHutong(testConfig(fresh.store), { logger: false, vaultKey: randomBytes(32) });
  });
  afterAll(async () => {
    await hutong.close();
    await drop();
  });

  it('migrate is idempotent on a migrated database', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('database is up to date');
  });

  it('ledger verify passes on a good ledger and exits 1 naming the account when a balance is tampered with', async () => {
    const { parties, wallets, store } = hutong.services;
    const m = await parties.createMerchant({ name: 'CLI', country: 'CN', settlementCurrency: 'CNY' });
    if ('failure' in m) throw new Error(m.detail);
    const c = await parties.createCustomer(m.merchant.id, { name: 'x' });
    if ('failure' in c) throw new Error(c.detail);
    await wallets.topUp(m.merchant.id, c.id, { amount: amount(4_200n, 'CNY') });

    const good = await runCli(['ledger', 'verify'], { DATABASE_URL: url });
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('ledger verified');

    const wallet = accountIdFor(chart.customerWallet(c.id, 'CNY'));
    await sql`update ledger_accounts set credits_posted = credits_posted + 1 where id = ${wallet}`.execute(store.db);
    const bad = await runCli(['ledger', 'verify'], { DATABASE_URL: url });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`FAIL  cached balances equal the sum of postings: ${wallet}`);
    expect(bad.stdout).toContain('FAIL  every currency sums to zero: CNY');
    const json = await runCli(['ledger', 'verify', '--json'], { DATABASE_URL: url });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).ok).toBe(false);
    await sql`update ledger_accounts set credits_posted = credits_posted - 1 where id = ${wallet}`.execute(store.db);
  });

  it('refuses a DATABASE_URL it does not understand, with a clear message', async () => {
    const result = await runCli(['ledger', 'verify'], { DATABASE_URL: 'mysql://nope' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL must start with postgres://');
  });
});
