import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { verifyLedger } from '../../src/ledger/index.js';
import { chromiumArgs, chromiumAvailable, chromiumPath, startWebWorld, type WebWorld, signInWithKey } from './world.js';

/**
 * Settlement through the web pages in a real browser: a merchant's day of card payments, the
 * operator runs settlement and payouts in the console, the merchant sees the statement and the
 * payout in the dashboard and downloads its CSV; the operator nets and settles the channel's window,
 * imports the bank's camt.053 with one injected discrepancy and resolves it; the ledger verifies.
 */
const screenshots = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const desk = { width: 1180, height: 820 };
const card = (number: string) => ({ number, exp_month: 12, exp_year: 2030, cvc: '123' });

describe.skipIf(!chromiumAvailable)('settlement in the web pages, in a real browser', () => {
  let world: WebWorld;
  let browser: Browser;
  let merchant: { id: string; key: string };

  beforeAll(async () => {
    world = await startWebWorld('sqlite', { bank: true });
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    merchant = await world.merchant('Tea House 茶馆');
    await world.hutong.services.cycle.start(); // as `hutong start` does (the timers loop is not running here)
    mkdirSync(screenshots, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  const signIn = (path: 'dashboard' | 'ops', key: string): Promise<Page> =>
    signInWithKey(browser, world.baseUrl, path, key, { viewport: desk, deviceScaleFactor: 1, acceptDownloads: true });

  it('settles a day of payments, pays out, exports the CSV, reconciles the bank statement', async () => {
    // The merchant's payout account, added in the dashboard.
    const dash = await signIn('dashboard', merchant.key);
    await dash.click('#nav-settlements');
    await expect.poll(() => dash.textContent('#schedule')).toContain('T+1, cut-off 00:00 UTC');
    await dash.fill('#bank-holder', 'Tea House Ltd');
    await dash.fill('#bank-number', '6222020200112233');
    await dash.fill('#bank-code', '102100099996');
    await dash.click('#add-bank');
    await expect.poll(() => dash.textContent('#message')).toContain('Payouts in CNY now go to 6222020200112233');
    expect(await dash.textContent('#bank-accounts')).toContain('Tea House Ltd');

    // A day of payments: three cards approved, one partly refunded.
    const paid: string[] = [];
    for (const [i, amount] of [12_800, 35_000, 9_900].entries()) {
      const created = await world.api('POST', '/v1/payments', merchant.key, { amount, currency: 'CNY', merchant_order_id: `tea-${i}` });
      const confirmed = await world.api('POST', `/v1/payments/${created.body.id}/confirm`, merchant.key, {
        payment_method: { type: 'card', card: card(testCardFor('visa', 'approved').pan) },
      });
      expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('succeeded');
      paid.push(created.body.id);
    }
    expect((await world.api('POST', '/v1/refunds', merchant.key, { payment: paid[1], amount: 5_000 })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 20));
    const cutoff = new Date().toISOString();

    // The operator settles up to now (an intraday cut-off) and pays out through the bank.
    const ops = await signIn('ops', world.operatorKey);
    await ops.click('#nav-settlement');
    await ops.fill('#run-window-end', cutoff);
    await ops.click('#settlement-run');
    await expect.poll(() => ops.textContent('#run-result')).toContain('Settlement run: 1 new statements');
    const run = await ops.$$eval('#run-statements tbody tr td', (td) => td.map((x) => x.textContent));
    await ops.click('#payout-run');
    await expect.poll(() => ops.textContent('#payout-summary')).toContain('1 paid, 0 rejected');
    const statements = await world.api('GET', '/v1/settlements', merchant.key);
    const statement = statements.body.data[0];
    expect(run).toContain(statement.id);
    const fees = statement.summary.fees as number;
    expect(statement.summary).toMatchObject({ gross: 57_700, refunds: -5_000, chargebacks: 0, payout_status: 'paid' });
    expect(statement.lines_total).toBe(57_700 - fees - 5_000);
    expect(statement.lines_total).toBe(statement.payout_amount + statement.reserve + statement.carried_out - statement.carried_in);

    // The merchant sees the statement, the payout, and downloads the lines as CSV (session cookie).
    await dash.click('#nav-overview');
    await dash.click('#nav-settlements');
    await expect.poll(() => dash.$$eval('#settlements-table tbody tr', (tr) => tr.length)).toBe(1);
    const row = await dash.$$eval('#settlements-table tbody tr td', (td) => td.map((x) => x.textContent));
    expect(row.slice(1)).toEqual([
      'CNY',
      'CN¥577.00',
      `-CN¥${(fees / 100).toFixed(2)}`,
      '-CN¥50.00',
      'CN¥0.00',
      'CN¥0.00',
      'CN¥0.00',
      `CN¥${(statement.payout_amount / 100).toFixed(2)}`,
      'Paid',
    ]);
    expect(await dash.textContent('#payouts-table')).toContain('Paid');
    await dash.screenshot({ path: join(screenshots, 'dashboard-settlements.png'), fullPage: true });
    await dash.click(`#settlements-table a`);
    await expect.poll(() => dash.$$eval('#lines tbody tr', (tr) => tr.length)).toBe(4);
    expect(await dash.$$eval('#lines tbody tr', (tr) => tr.map((x) => x.getAttribute('data-reason')))).toEqual([
      'payment.capture',
      'payment.capture',
      'payment.capture',
      'refund',
    ]);
    const [download] = await Promise.all([dash.waitForEvent('download'), dash.click('#lines-csv')]);
    expect(download.suggestedFilename()).toBe(`${statement.id}.csv`);
    const csv = readFileSync((await download.path()) as string, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('settlement,posted_at,reason,object_type,object_id,entry,amount,currency');
    expect(csv).toHaveLength(1 + 4 + 1);
    expect(csv[5]).toContain(`payout ${statement.payout_amount}`);

    // The channel's netting window: net, settle into the reserve account.
    await ops.selectOption('#net-currency', 'CNY');
    await ops.click('#net');
    await expect.poll(() => ops.textContent('#message')).toContain('proof sum 0');
    await ops.click('#netting-windows .settle-window');
    await expect.poll(() => ops.textContent('#message')).toContain('Settled 1 positions');
    await ops.screenshot({ path: join(screenshots, 'ops-settlement.png'), fullPage: true });

    // The bank's camt.053 with one injected discrepancy: an account fee Hutong never booked.
    const bankUrl = world.bank?.baseUrl as string;
    expect(
      (
        await fetch(`${bankUrl}/control/inject`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'unknown' }),
        })
      ).status,
    ).toBe(200);
    const camt = await (await fetch(`${bankUrl}/statements/HUTONG-RESERVE-CNY/next`)).text();
    const file = join(tmpdir(), `camt053-${Date.now()}.xml`);
    writeFileSync(file, camt);
    await ops.click('#nav-reconciliation');
    await ops.selectOption('#import-kind', 'camt053');
    await ops.setInputFiles('#import-file', file);
    await ops.click('#import');
    await expect.poll(() => ops.textContent('#message')).toMatch(/lines, 2 matched, 1 exceptions/);
    expect(await ops.$$eval('#exceptions tbody tr', (tr) => tr.map((x) => x.getAttribute('data-kind')))).toEqual(['missing_in_hutong']);
    await ops.click('#reserve-check');
    await expect.poll(() => ops.textContent('#reserve-summary')).toContain('ALERT');
    await ops.screenshot({ path: join(screenshots, 'ops-reconciliation.png'), fullPage: true });
    await ops.fill('#exceptions .note', 'bank account fee for November');
    await ops.click('#exceptions .adjust');
    await expect.poll(() => ops.textContent('#message')).toMatch(/resolved \(ledger entry /i);
    // The reserve check's alerts wait in the queue too; the operator closes them with a note.
    expect(await ops.$$eval('#exceptions tbody tr', (tr) => tr.map((x) => x.getAttribute('data-kind')))).toEqual([
      'reserve_mismatch',
      'reserve_mismatch',
    ]);
    expect(await ops.$('#exceptions .adjust')).toBeNull();
    for (let i = 0; i < 2; i++) {
      await ops.fill('#exceptions .note', 'checked with the bank');
      await ops.click('#exceptions .explain');
      await expect.poll(() => ops.textContent('#message')).toMatch(/explained/i);
      await ops.waitForSelector(i === 0 ? '#exceptions' : '#no-exceptions');
    }
    // Booked the bank's fee: the statement and the ledger agree; the account is overdrawn by the fee.
    await ops.click('#reserve-check');
    await expect.poll(() => ops.textContent('#reserve-table')).toContain('short of the customer and merchant money');
    expect(await ops.textContent('#reserve-table')).not.toContain('the bank statement shows');

    const report = await verifyLedger(world.hutong.services.store.reader);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });
});
