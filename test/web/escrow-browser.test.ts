import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { verifyLedger } from '../../src/ledger/index.js';
import { chromiumArgs, chromiumAvailable, chromiumPath, startWebWorld, type WebWorld, signInWithKey } from './world.js';

/**
 * An escrow trade through the web pages in a real browser: the buyer pays at the cashier, the
 * merchant ships in the dashboard, the buyer asks for a part back on the buyer page, the merchant
 * refuses, the operator splits in the console, and the ledger still verifies.
 */
const screenshots = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const phone = { width: 390, height: 760 };
const desk = { width: 1024, height: 720 };

describe.skipIf(!chromiumAvailable)('escrow in the web pages, in a real browser', () => {
  let world: WebWorld;
  /** The buyer's link, as the cashier gives it to the buyer who pays (the merchant's answers never carry it). */
  const buyerLinkOf = async (id: string): Promise<{ buyer_url: string; buyer_token: string }> => {
    const found = await world.hutong.services.escrow.get({ kind: 'operator' }, id);
    if ('failure' in found) throw new Error(found.detail);
    const link = world.hutong.services.escrow.buyerLink(found);
    return { buyer_url: link.url, buyer_token: link.token };
  };
  let browser: Browser;
  let merchant: { id: string; key: string };

  beforeAll(async () => {
    world = await startWebWorld('sqlite');
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    merchant = await world.merchant('Tea House 茶馆');
    mkdirSync(screenshots, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  const signIn = (path: 'dashboard' | 'ops', key: string): Promise<Page> =>
    signInWithKey(browser, world.baseUrl, path, key, { viewport: desk, deviceScaleFactor: 1 });

  it('pays, ships, asks for a refund, refuses, splits, and the ledger verifies', async () => {
    const customer = await world.api('POST', '/v1/customers', merchant.key, { name: 'Li Lei' });
    expect(
      (await world.api('POST', `/v1/customers/${customer.body.id}/top_ups`, merchant.key, { amount: 50_000, currency: 'CNY' })).status,
    ).toBe(201);
    const created = await world.api('POST', '/v1/escrows', merchant.key, {
      amount: 25_000,
      currency: 'CNY',
      merchant_order_id: 'tea-1001',
      goods_type: 'physical',
      description: 'Longjing tea, 500 g',
      customer: customer.body.id,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).not.toHaveProperty('buyer_url');
    const trade = { ...(created.body as { id: string; payment: string }), ...(await buyerLinkOf(created.body.id)) };
    expect(trade.buyer_url).toBe(`${world.baseUrl}/escrow/${trade.id}?token=${trade.buyer_token}`);

    // The buyer pays the trade's payment at the cashier, from the Hutong wallet.
    const session = await world.api('POST', '/v1/checkout_sessions', merchant.key, { payment: trade.payment });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    const buyer = await browser.newContext({ viewport: phone, locale: 'en-US', deviceScaleFactor: 1 });
    const cashier = await buyer.newPage();
    await cashier.goto(session.body.url);
    expect(await cashier.textContent('#amount')).toBe('CN¥250.00');
    await cashier.click('#tab-wallet');
    await cashier.click('#pay-wallet');
    await expect.poll(() => cashier.getAttribute('#cashier', 'data-status')).toBe('succeeded');
    expect(await cashier.textContent('#message')).toContain('Paid');
    expect((await world.api('GET', `/v1/escrows/${trade.id}`, merchant.key)).body).toMatchObject({ status: 'held', amount_held: 25_000 });

    // The buyer page before shipping: paid, waiting for the seller.
    const page = await buyer.newPage();
    const first = await page.goto(trade.buyer_url);
    expect(first?.status()).toBe(200);
    expect(first?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect.poll(() => page.url()).toBe(`${world.baseUrl}/escrow/${trade.id}`);
    expect(await page.$$eval('#progress li', (li) => li.map((x) => x.className))).toEqual(['done', 'now', '']);
    expect(await page.textContent('#status')).toContain('waiting for the seller');
    expect(await page.$('#confirm-receipt')).toBeNull();
    const cookie = (await buyer.cookies()).find((c) => c.name === 'hutong_buyer');
    expect(cookie).toMatchObject({ httpOnly: true, path: `/escrow/${trade.id}`, value: trade.buyer_token });

    // The merchant finds the trade in the dashboard and ships it.
    const dash = await signIn('dashboard', merchant.key);
    await dash.click('#nav-escrow');
    await dash.selectOption('#escrow-status', 'held');
    await dash.waitForSelector(`#escrows-table tr[data-id="${trade.id}"]`);
    await dash.click(`#escrows-table a[href="#escrow/${trade.id}"]`);
    await dash.fill('#ship-carrier', 'SF Express');
    await dash.fill('#ship-waybill', 'SF1402938475');
    await dash.click('#ship');
    await expect.poll(() => dash.textContent('#escrow-title')).toContain('Shipped');
    expect(await dash.textContent('#escrow-timeline')).toContain('SF1402938475');

    // The buyer reloads (the cookie, not the URL, carries the token now) and sees the waybill.
    await page.reload();
    expect(await page.textContent('#waybill')).toBe('SF1402938475');
    expect(await page.textContent('#carrier')).toBe('SF Express');
    expect(await page.$$eval('#progress li', (li) => li.map((x) => x.className))).toEqual(['done', 'done', 'now']);
    expect(await page.textContent('#confirm-due')).toMatch(/^\w{3} \d{1,2}, \d{4}, \d\d:\d\d \S+$/);
    await page.click('#refund summary');
    await page.screenshot({ path: join(screenshots, 'escrow-buyer.png'), fullPage: true });
    // A refund over what is held never leaves the page.
    await page.fill('#refund-amount', '300');
    await page.click('#send-refund');
    await expect.poll(() => page.textContent('#message')).toContain('up to what Hutong holds');
    await page.fill('#refund-amount', '100.00');
    await page.selectOption('#refund-reason', 'not_as_described');
    await page.fill('#refund-note', 'Half the tins are green tea, not Longjing');
    await page.click('#send-refund');
    await page.waitForSelector('#withdraw-refund');
    expect(await page.textContent('#request')).toBe('CN¥100.00 · Not as described · Half the tins are green tea, not Longjing');
    expect(await page.textContent('#confirm-paused')).toMatch(/days/);

    // The merchant refuses in the dashboard: the trade is disputed.
    await dash.click('a[href="#escrow"]');
    await dash.selectOption('#escrow-status', 'refunding');
    await dash.click(`#escrows-table a[href="#escrow/${trade.id}"]`);
    await dash.waitForSelector('#refuse-reason');
    await dash.fill('#refuse-reason', 'All tins were Longjing when packed');
    await dash.click('#refuse-refund');
    await expect.poll(() => dash.textContent('#escrow-title')).toContain('Disputed');

    // The operator splits: CNY 60 back to the buyer, the rest to the seller.
    const ops = await signIn('ops', world.operatorKey);
    await ops.click('#nav-disputes');
    const dispute = ops.locator(`.dispute[data-id="${trade.id}"]`);
    await dispute.waitFor();
    expect(await dispute.textContent()).toContain('All tins were Longjing when packed');
    expect(await dispute.locator('h3').textContent()).toContain('Tea House 茶馆 · order tea-1001');
    await ops.fill(`#split-${trade.id}`, '60.00');
    await ops.fill(`#note-${trade.id}`, 'Photos show 2 of 5 tins wrong');
    await ops.screenshot({ path: join(screenshots, 'ops-disputes.png') });
    ops.once('dialog', (d) => void d.accept());
    await dispute.locator('button.split').click();
    await expect.poll(() => ops.textContent('#message')).toContain('Completed: refunded CN¥60.00, released CN¥190.00');
    await ops.waitForSelector('#no-disputes');
    expect((await world.api('GET', `/v1/escrows/${trade.id}`, merchant.key)).body).toMatchObject({
      status: 'completed',
      amount_held: 0,
      amount_refunded: 6_000,
      amount_released: 19_000,
      resolution: { by: 'operator', decision: 'split' },
    });
    expect((await world.api('GET', `/v1/customers/${customer.body.id}/balances`, merchant.key)).body.data[0].available).toBe(
      50_000 - 25_000 + 6_000,
    );

    // The buyer sees the decision, in Chinese.
    await page.goto(`${world.baseUrl}/escrow/${trade.id}?lang=zh`);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('#status')).toBe('交易完成');
    expect(await page.textContent('#resolution')).toContain('¥60.00');
    expect(await page.$('#refund-form')).toBeNull();
    // The dashboard's trade detail agrees, and the ledger verifies.
    await dash.click('a[href="#escrow"]');
    await dash.selectOption('#escrow-status', '');
    await dash.click(`#escrows-table a[href="#escrow/${trade.id}"]`);
    await expect.poll(() => dash.textContent('#escrow-refunded')).toBe('CN¥60.00');
    expect(await dash.textContent('#escrow-released')).toBe('CN¥190.00');
    expect((await verifyLedger(world.hutong.services.store.reader)).ok).toBe(true);
    await buyer.close();
    await dash.context().close();
    await ops.context().close();
  });

  it('the buyer pays from the page at the cashier, confirms receipt, and the seller is paid', async () => {
    const created = await world.api('POST', '/v1/escrows', merchant.key, {
      amount: 1_200,
      currency: 'USD',
      merchant_order_id: 'scarf-7',
      goods_type: 'virtual',
    });
    const trade = { ...(created.body as { id: string; payment: string }), ...(await buyerLinkOf(created.body.id)) };
    const context = await browser.newContext({ viewport: phone, locale: 'zh-CN', deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(trade.buyer_url);
    expect(await page.textContent('#status')).toBe('等待付款');
    expect(await page.$$eval('#progress li', (li) => li.map((x) => x.className))).toEqual(['now', '', '']);
    // The buyer pays from the page: a cashier link for the trade's payment, by card.
    expect(await page.textContent('#pay')).toBe('付款 US$12.00');
    await page.click('#pay');
    await page.waitForURL(`${world.baseUrl}/checkout/**`);
    await page.type('#card-number', testCardFor('visa', 'approved').pan);
    await page.fill('#card-expiry', '12/30');
    await page.fill('#card-cvc', '123');
    await page.click('#pay-card');
    await expect.poll(() => page.getAttribute('#cashier', 'data-status')).toBe('succeeded');
    // The cashier leads back to the order: the buyer page, signed in by the cookie of its path.
    expect(await page.textContent('#return-link')).toBe('返回我的订单');
    await page.click('#return-link');
    await page.waitForURL(`${world.baseUrl}/escrow/${trade.id}`);
    await expect.poll(() => page.getAttribute('#buyer', 'data-status')).toBe('held');
    // Paid, there is nothing more to pay.
    const again = await fetch(`${world.baseUrl}/v1/buyer/escrows/${trade.id}/checkout_session`, {
      method: 'POST',
      headers: { 'hutong-buyer-token': new URL(trade.buyer_url).searchParams.get('token') as string },
    });
    expect(again.status).toBe(409);
    expect(
      (await world.api('POST', `/v1/escrows/${trade.id}/ship`, merchant.key, { carrier: 'Email', waybill_number: 'KEY-42' })).status,
    ).toBe(200);
    await page.reload();
    page.once('dialog', (d) => void d.accept());
    await page.click('#confirm-receipt');
    await expect.poll(() => page.getAttribute('#buyer', 'data-status')).toBe('completed');
    expect(await page.$$eval('#progress li', (li) => li.map((x) => x.className))).toEqual(['done', 'done', 'done']);
    expect((await world.api('GET', `/v1/escrows/${trade.id}`, merchant.key)).body).toMatchObject({
      status: 'completed',
      amount_released: 1_200,
    });
    // A wrong token is an unknown link, in the page and in the API.
    const wrong = await page.goto(`${world.baseUrl}/escrow/${trade.id}?token=1999999999.${'A'.repeat(43)}`);
    expect(wrong?.status()).toBe(404);
    expect(await page.textContent('#expired')).toContain('过期');
    expect((await verifyLedger(world.hutong.services.store.reader)).ok).toBe(true);
    await context.close();
  });
  it('the merchant extends, agrees to a refund and closes an unpaid trade in the dashboard', async () => {
    const customer = await world.api('POST', '/v1/customers', merchant.key, { name: 'Han Meimei' });
    await world.api('POST', `/v1/customers/${customer.body.id}/top_ups`, merchant.key, { amount: 10_000, currency: 'CNY' });
    const trade = (
      await world.api('POST', '/v1/escrows', merchant.key, {
        amount: 4_000,
        currency: 'CNY',
        merchant_order_id: 'cup-3',
        goods_type: 'physical',
        customer: customer.body.id,
      })
    ).body as { id: string; payment: string; buyer_token: string };
    trade.buyer_token = (await buyerLinkOf(trade.id)).buyer_token;
    expect(
      (
        await world.api('POST', `/v1/payments/${trade.payment}/confirm`, merchant.key, {
          payment_method: { type: 'wallet', customer: customer.body.id },
        })
      ).body.status,
    ).toBe('succeeded');
    expect((await world.api('POST', `/v1/escrows/${trade.id}/ship`, merchant.key, { carrier: 'EMS', waybill_number: 'EE1' })).status).toBe(
      200,
    );
    const before = (await world.api('GET', `/v1/escrows/${trade.id}`, merchant.key)).body.confirm_due_at as string;
    const unpaid = (
      await world.api('POST', '/v1/escrows', merchant.key, {
        amount: 999,
        currency: 'CNY',
        merchant_order_id: 'cup-4',
        goods_type: 'virtual',
      })
    ).body as { id: string };

    const dash = await signIn('dashboard', merchant.key);
    await dash.goto(`${world.baseUrl}/dashboard#escrow/${trade.id}`);
    await dash.fill('#extend-days', '5');
    await dash.click('#extend');
    await expect.poll(() => dash.textContent('#message')).toContain('is now Shipped');
    const after = (await world.api('GET', `/v1/escrows/${trade.id}`, merchant.key)).body.confirm_due_at as string;
    expect(Date.parse(after) - Date.parse(before)).toBe(5 * 86_400_000);
    const asked = await fetch(`${world.baseUrl}/v1/buyer/escrows/${trade.id}/refund_request`, {
      method: 'POST',
      headers: { 'hutong-buyer-token': trade.buyer_token, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'not_received' }),
    });
    expect(asked.status).toBe(200);
    await dash.reload();
    dash.once('dialog', (d) => void d.accept());
    await dash.click('#agree-refund');
    await expect.poll(() => dash.textContent('#escrow-title')).toContain('Refunded');
    expect(await dash.textContent('#escrow-refunded')).toBe('CN¥40.00');
    await dash.goto(`${world.baseUrl}/dashboard#escrow/${unpaid.id}`);
    dash.once('dialog', (d) => void d.accept());
    await dash.click('#cancel-escrow');
    await expect.poll(() => dash.textContent('#escrow-title')).toContain('Closed');
    expect((await world.api('GET', `/v1/customers/${customer.body.id}/balances`, merchant.key)).body.data[0].available).toBe(10_000);
    expect((await verifyLedger(world.hutong.services.store.reader)).ok).toBe(true);
    await dash.context().close();
  });
});
