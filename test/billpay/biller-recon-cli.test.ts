import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createHutong } from '../../src/app.js';
import type { BillerConnector } from '../../src/channels/billers/index.js';
import { isFailure } from '../../src/core/index.js';
import { runCli, serverEnv } from '../support/process.js';
import { freshStore, testConfig } from '../support/stores.js';

/** `hutong reconcile FILE --biller ID`: the CLI that imports bank files imports a biller's end-of-day file too. */
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const d of drops) await d();
});

it('imports a biller file (its kind found from its header), lists its breaks, and refuses it the second time', async () => {
  const fresh = await freshStore('sqlite');
  drops.push(fresh.drop);
  // Registering needs the connector's name to be known; this process never calls the biller.
  const unavailable = { kind: 'unavailable', detail: 'not called in this test' } as const;
  const charity: BillerConnector = {
    kind: 'charity',
    available: async () => false,
    fetch: async () => unavailable,
    validate: async () => unavailable,
    post: async () => ({ kind: 'unknown', detail: unavailable.detail }),
    query: async () => ({ kind: 'unknown', detail: unavailable.detail }),
    dailyFile: async () => unavailable,
  };
  const hutong = await createHutong(testConfig(fresh.store), {
    logger: false,
    vaultKey: randomBytes(32),
    billers: (name) => (name === 'charity' ? charity : undefined),
  });
  const merchant = await hutong.services.parties.createMerchant({ name: 'Charity', country: 'CN', settlementCurrency: 'CNY' });
  if (isFailure(merchant)) throw new Error(merchant.detail);
  const biller = await hutong.services.billpay.registerBiller({
    code: 'cli-charity',
    name: 'CLI charity',
    nameZh: 'CLI 基金会',
    category: 'charity',
    region: 'CN',
    connector: 'charity',
    model: 'direct',
    accountRule: { label: 'Project', labelZh: '项目', pattern: 'P\\d{2}', lengthMin: 3, lengthMax: 3, checkDigit: 'none' },
    amountRule: 'any',
    minAmountMinor: 100n,
    maxAmountMinor: 10_000_000n,
    currency: 'CNY',
    payerFeeFixedMinor: 0n,
    billerFeeBps: 0,
    merchantId: merchant.merchant.id,
  });
  if (isFailure(biller)) throw new Error(biller.detail);
  await hutong.close();

  const { env } = serverEnv(fresh.store);
  const dir = mkdtempSync(join(tmpdir(), 'hutong-biller-recon-'));
  const file = join(dir, 'charity-2026-03-01.csv');
  // Two bookings Hutong never made: each is a break the biller booked and Hutong did not.
  writeFileSync(
    file,
    [
      'reference,receipt_no,account,amount_minor,booked_at',
      'counter-1,CH00000001,P01,1500,2026-03-01T02:00:00.000Z',
      'counter-2,CH00000002,P01,800,2026-03-01T03:00:00.000Z',
      '',
    ].join('\n'),
  );
  const json = await runCli(['reconcile', file, '--biller', biller.id, '--json'], env, 60_000);
  expect(json.code, json.stderr).toBe(0);
  const report = JSON.parse(json.stdout);
  expect(report).toMatchObject({ kind: 'biller_eod', lines: 2, matched: 0, exceptions: 2, byKind: { missing_in_hutong: 2 } });
  expect(report.discrepancies.map((d: { reference: string }) => d.reference).sort()).toEqual(['counter-1', 'counter-2']);
  const again = await runCli(['reconcile', file, '--biller', biller.id], env, 60_000);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('recon_file_duplicate');
  const noBiller = await runCli(['reconcile', file, '--kind', 'biller_eod'], env, 60_000);
  expect(noBiller.code).toBe(1);
  expect(noBiller.stderr).toContain('biller');
}, 180_000);
