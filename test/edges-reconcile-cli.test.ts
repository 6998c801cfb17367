import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli, serverEnv } from './support/process.js';
import { freshStore } from './support/stores.js';

/** Issue 12: `hutong reconcile FILE` lists each discrepancy (kind, reference, amounts), also as JSON. */
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const d of drops) await d();
});

it('lists every discrepancy of the file, in text and with --json', async () => {
  const fresh = await freshStore('sqlite');
  drops.push(fresh.drop);
  const { env } = serverEnv(fresh.store);
  const dir = mkdtempSync(join(tmpdir(), 'hutong-recon-'));
  const file = join(dir, 'acquirer.csv');
  // Two captures the ledger never saw: each is a discrepancy with its RRN and amount.
  writeFileSync(
    file,
    [
      'settlement_date,rrn,type,amount,currency',
      '2026-03-01,600000000101,purchase,42.00,USD',
      '2026-03-01,600000000102,refund,7.50,USD',
      'TRAILER,2',
      '',
    ].join('\n'),
  );
  const json = await runCli(['reconcile', file, '--kind', 'acquirer_csv', '--json'], env, 60_000);
  expect(json.code, json.stderr).toBe(0);
  const report = JSON.parse(json.stdout);
  expect(report).toMatchObject({ lines: 2, matched: 0, exceptions: 2, discrepancies_truncated: false });
  const byReference = Object.fromEntries(report.discrepancies.map((d: { reference: string }) => [d.reference, d]));
  expect(Object.keys(byReference).sort()).toEqual([expect.stringContaining('600000000101'), expect.stringContaining('600000000102')]);
  const first = report.discrepancies.find((d: { reference: string }) => d.reference.includes('600000000101'));
  expect(first).toMatchObject({ currency: 'USD', statement_amount: '42.00', kind: expect.any(String) });
  expect(first.detail).toContain('line 2');

  const file2 = join(dir, 'acquirer-2.csv');
  writeFileSync(
    file2,
    ['settlement_date,rrn,type,amount,currency', '2026-03-02,600000000201,purchase,19.99,USD', 'TRAILER,1', ''].join('\n'),
  );
  const text = await runCli(['reconcile', file2, '--kind', 'acquirer_csv'], env, 60_000);
  expect(text.code, text.stderr).toBe(0);
  expect(text.stdout).toMatch(/kind\s+reference\s+currency\s+statement\s+ledger\s+detail/);
  expect(text.stdout).toMatch(/600000000201.*USD\s+19\.99/);
}, 120_000);
