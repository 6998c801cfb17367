import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCardFor, type SandboxBrand } from '../../sandbox/card-world/index.js';
import { verifyLedger } from '../../src/ledger/index.js';
import { chromiumArgs, chromiumAvailable, chromiumPath, signInOperator, startWebWorld, type WebWorld } from './world.js';

/**
 * The cashier, the dashboard and the console in a real browser (Debian's chromium driven by
 * playwright-core), against the whole platform with the sandbox card world, 3-D Secure and wallets.
 */
const screenshots = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const phone = { width: 390, height: 760 };

describe.skipIf(!chromiumAvailable)('web pages in a real browser', () => {
  let world: WebWorld;
  let browser: Browser;
  let merchant: { id: string; key: string };
  let order = 0;
  const paid: { id: string; brand: string; orderId: string }[] = [];

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

  async function checkout(body: Record<string, unknown>): Promise<{ url: string; paymentId: string; orderId: string }> {
    const orderId = `web-${++order}`;
    const res = await world.api('POST', '/v1/checkout_sessions', merchant.key, {
      merchant_order_id: orderId,
      return_url: `${world.shopUrl}/return`,
      description: 'Longjing tea, 250 g',
      ...body,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { url: res.body.url, paymentId: res.body.payment.id, orderId };
  }

  async function shopper(locale = 'en-US'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: phone, locale, deviceScaleFactor: 1 });
    const page = await context.newPage();
    return { context, page };
  }

  async function fillCard(page: Page, pan: string, expiry = '12/30') {
    await page.fill('#card-number', '');
    await page.type('#card-number', pan);
    await page.fill('#card-expiry', expiry);
    await page.fill('#card-cvc', pan.length === 15 ? '1234' : '123');
  }

  const brands: { brand: SandboxBrand; currency: string; label: string }[] = [
    { brand: 'visa', currency: 'USD', label: 'VISA' },
    { brand: 'mastercard', currency: 'GBP', label: 'Mastercard' },
    { brand: 'american-express', currency: 'USD', label: 'AMEX' },
    { brand: 'jcb', currency: 'JPY', label: 'JCB' },
    { brand: 'unionpay', currency: 'CNY', label: 'UnionPay' },
  ];

  for (const { brand, currency, label } of brands) {
    it(`a shopper pays by ${brand} card and returns to the shop`, async () => {
      const { url, paymentId, orderId } = await checkout({ amount: 4_200, currency });
      const { context, page } = await shopper();
      const response = await page.goto(url);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await expect.poll(() => page.textContent('#merchant')).toBe('Tea House 茶馆');
      const pan = testCardFor(brand, 'approved').pan;
      await fillCard(page, pan);
      expect(await page.textContent('#card-brand')).toBe(label);
      if (brand === 'visa') await page.screenshot({ path: join(screenshots, 'cashier.png') });
      await page.click('#pay-card');
      await page.waitForURL(`${world.shopUrl}/return?**`);
      expect(new URL(page.url()).searchParams.get('status')).toBe('succeeded');
      expect(new URL(page.url()).searchParams.get('payment_id')).toBe(paymentId);
      const detail = await world.api('GET', `/v1/payments/${paymentId}`, merchant.key);
      expect(detail.body).toMatchObject({ status: 'succeeded', payment_method: { card: { brand, last4: pan.slice(-4) } } });
      paid.push({ id: paymentId, brand, orderId });
      await context.close();
    });
  }

  it('checks the card before sending it, explains a decline, and takes another card', async () => {
    const { url, paymentId } = await checkout({ amount: 1_999, currency: 'USD' });
    const { context, page } = await shopper();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
    await page.goto(url);
    // A number that fails Luhn and a past expiry never leave the page.
    await fillCard(page, '4111111111111112', '01/20');
    await page.click('#pay-card');
    expect(await page.textContent('#card-number-error')).toContain('not valid');
    expect(await page.textContent('#card-expiry-error')).toContain('expiry');
    expect(requests.filter((r) => r.startsWith('POST'))).toEqual([]);
    // Declined by the issuer: a clear message, the form stays for another card.
    await fillCard(page, testCardFor('visa', 'do-not-honor').pan);
    await page.click('#pay-card');
    await expect.poll(() => page.textContent('#message')).toContain('declined');
    await page.screenshot({ path: join(screenshots, 'cashier-declined.png') });
    expect(await page.inputValue('#card-number')).toBe('');
    await fillCard(page, testCardFor('mastercard', 'approved').pan);
    await page.click('#pay-card');
    await page.waitForURL(`${world.shopUrl}/return?**`);
    expect(new URL(page.url()).searchParams.get('status')).toBe('succeeded');
    // No card number ever appeared in a URL the browser asked for.
    expect(requests.some((r) => /\d{12,}/.test(r))).toBe(false);
    const detail = await world.api('GET', `/v1/payments/${paymentId}`, merchant.key);
    expect(detail.body.attempts.map((a: { status: string }) => a.status)).toEqual(['declined', 'approved']);
    await context.close();
  });

  it('passes a 3-D Secure challenge at the issuer and comes back paid', async () => {
    const { url, paymentId } = await checkout({ amount: 1_500, currency: 'USD' });
    const { context, page } = await shopper();
    await page.goto(url);
    await fillCard(page, testCardFor('visa', '3ds-challenge').pan);
    await page.click('#pay-card');
    await page.waitForSelector('#otp');
    await page.fill('#otp', '123456');
    await page.click('#submit');
    await page.waitForURL(`${world.shopUrl}/return?**`);
    expect(new URL(page.url()).searchParams.get('status')).toBe('succeeded');
    expect((await world.api('GET', `/v1/payments/${paymentId}`, merchant.key)).body.status).toBe('succeeded');
    await context.close();
  });

  it('tells the shopper when the challenge fails and there is no shop page to return to', async () => {
    const { url, paymentId } = await checkout({ amount: 1_600, currency: 'USD', return_url: undefined });
    const { context, page } = await shopper();
    await page.goto(url);
    await fillCard(page, testCardFor('visa', '3ds-challenge').pan);
    await page.click('#pay-card');
    await page.waitForSelector('#cancel');
    await page.click('#cancel');
    await page.waitForSelector('#result');
    expect(await page.getAttribute('#result', 'data-status')).toBe('requires_payment_method');
    expect(await page.textContent('#result')).toContain('not completed');
    // Back at the cashier link, the shopper sees why and can use another card.
    await page.goto(url);
    await expect.poll(() => page.textContent('#message')).toContain('could not confirm');
    await fillCard(page, testCardFor('jcb', 'approved').pan);
    await page.click('#pay-card');
    await expect.poll(() => page.getAttribute('#cashier', 'data-status')).toBe('succeeded');
    expect((await world.api('GET', `/v1/payments/${paymentId}`, merchant.key)).body.status).toBe('succeeded');
    await context.close();
  });

  it('pays with an outside wallet by QR code, in Chinese, with status polling', async () => {
    const { url, paymentId, orderId } = await checkout({ amount: 8_800, currency: 'CNY' });
    const { context, page } = await shopper('zh-CN');
    await page.goto(url);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('#pay-card')).toContain('支付');
    await page.click('#tab-external');
    await page.click('#pay-alipay_sandbox');
    await page.waitForSelector('#qr-image', { state: 'visible' });
    await expect
      .poll(() => page.$eval('#qr-image', (img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(50);
    await page.screenshot({ path: join(screenshots, 'cashier-qr.png') });
    // The shopper "scans": opens the wallet's pay page and pays there.
    const walletPage = await context.newPage();
    await walletPage.goto((await page.getAttribute('#wallet-link', 'href')) as string);
    await walletPage.click('#pay');
    await page.waitForURL(`${world.shopUrl}/return?**`, { timeout: 20_000 });
    expect(new URL(page.url()).searchParams.get('status')).toBe('succeeded');
    expect((await world.api('GET', `/v1/payments/${paymentId}`, merchant.key)).body).toMatchObject({
      status: 'succeeded',
      channel: 'alipay_sandbox',
    });
    paid.push({ id: paymentId, brand: 'alipay', orderId });
    await context.close();
  });

  it("pays from the shopper's Hutong wallet", async () => {
    const customer = await world.api('POST', '/v1/customers', merchant.key, { name: 'Li Lei' });
    expect(
      (await world.api('POST', `/v1/customers/${customer.body.id}/top_ups`, merchant.key, { amount: 10_000, currency: 'CNY' })).status,
    ).toBe(201);
    const { url, paymentId } = await checkout({ amount: 3_000, currency: 'CNY', customer: customer.body.id });
    const { context, page } = await shopper();
    await page.goto(url);
    await page.click('#tab-wallet');
    await page.click('#pay-wallet');
    await page.waitForURL(`${world.shopUrl}/return?**`);
    expect((await world.api('GET', `/v1/payments/${paymentId}`, merchant.key)).body).toMatchObject({
      status: 'succeeded',
      payment_method: { type: 'wallet' },
    });
    expect((await world.api('GET', `/v1/customers/${customer.body.id}/balances`, merchant.key)).body.data[0].available).toBe(7_000);
    await context.close();
  });

  it('switches the cashier language and refuses an unknown link', async () => {
    const { url } = await checkout({ amount: 100, currency: 'USD' });
    const { context, page } = await shopper('en-US');
    await page.goto(url);
    await page.click('#lang-zh');
    await expect.poll(() => page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('label[for=card-number]')).toBe('卡号');
    const gone = await page.goto(`${world.baseUrl}/checkout/cs_not-a-real-session-token`);
    expect(gone?.status()).toBe(404);
    expect(await page.textContent('#expired')).toContain('过期');
    await context.close();
  });

  it('a merchant finds the payment in the dashboard, refunds it, and sees the refund in the ledger', async () => {
    const target = paid.find((p) => p.brand === 'visa');
    expect(target).toBeDefined();
    const context = await browser.newContext({ viewport: { width: 1024, height: 720 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${world.baseUrl}/dashboard`);
    await page.waitForURL('**/dashboard/login');
    await page.fill('#secret-key', merchant.key);
    await page.click('#sign-in');
    await page.waitForURL(`${world.baseUrl}/dashboard`);
    // The key is not kept by the browser: only an httpOnly session cookie and the CSRF token.
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'hutong_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(JSON.stringify(cookies)).not.toContain(merchant.key);
    await page.waitForSelector('#balances [data-currency]');
    await page.waitForSelector('#volume-chart svg rect');
    await page.screenshot({ path: join(screenshots, 'dashboard.png') });
    // A webhook endpoint first, so the refund below is delivered to the shop.
    await page.click('#nav-webhooks');
    await page.fill('#webhook-url', `${world.shopUrl}/hooks`);
    await page.click('#webhook-form button');
    await expect.poll(() => page.textContent('#webhook-secret')).toContain('whsec_');
    await page.click('#nav-payments');
    await page.waitForSelector('#payments-table tbody tr');
    const listed = () => page.$$eval('#payments-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-id')).join(','));
    await page.selectOption('#f-brand', 'visa');
    await page.click('#apply-filters');
    await expect.poll(listed).toContain(target!.id);
    await page.fill('#f-order', target!.orderId);
    await page.click('#apply-filters');
    await expect.poll(listed).toBe(target!.id);
    await page.click(`#payments-table a[href="#payment/${target!.id}"]`);
    await page.waitForSelector('#refund');
    page.once('dialog', (d) => void d.accept());
    await page.fill('#refund-amount', '10.00');
    await page.click('#refund');
    await page.waitForSelector('#ledger tr[data-reason="refund"]');
    expect(await page.textContent('#detail-refunded')).toBe('$10.00');
    await page.locator('#refunds').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(screenshots, 'dashboard-payment.png') });
    // The refund's webhook in the delivery log, and sent again on request.
    await page.click('#nav-webhooks');
    await expect
      .poll(
        async () => {
          await page.click('#nav-payments');
          await page.click('#nav-webhooks');
          await page.waitForSelector('table[id^="deliveries-"]');
          return page.$$eval('table[id^="deliveries-"] tbody tr', (rows) => rows.map((r) => r.textContent ?? '').join('|'));
        },
        { timeout: 15_000 },
      )
      .toContain('refund.succeeded');
    await page.locator('table[id^="deliveries-"] tbody tr', { hasText: 'refund.succeeded' }).locator('button.redeliver').click();
    await expect.poll(() => page.textContent('#message')).toContain('Queued again');
    const refunds = await world.api('GET', `/v1/refunds?payment=${target!.id}`, merchant.key);
    expect(refunds.body.data).toMatchObject([{ amount: 1_000, status: 'succeeded' }]);
    // A forged request without the CSRF header is refused even with the cookie.
    const forged = await page.evaluate(
      async (id) =>
        (
          await fetch('/v1/refunds', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ payment: id, amount: 1 }),
          })
        ).status,
      target!.id,
    );
    expect(forged).toBe(403);
    expect((await verifyLedger(world.hutong.services.store.reader)).ok).toBe(true);
    await context.close();
  });

  it('the operator creates and suspends a merchant and verifies the ledger', async () => {
    // The console signs in with an operator account (issue 16); the ok_ key only enrols it.
    const page = await signInOperator(browser, world.baseUrl, world.operatorKey, 'admin', {
      viewport: { width: 1024, height: 720 },
      deviceScaleFactor: 1,
    });
    const context = page.context();
    await page.waitForSelector(`#merchants tr[data-id="${merchant.id}"]`);
    await page.fill('#merchant-name', 'Silk Road Books');
    await page.click('#create-merchant');
    await expect.poll(() => page.textContent('#message')).toContain('sk_');
    const row = page.locator('#merchants tr', { hasText: 'Silk Road Books' });
    page.once('dialog', (d) => void d.accept());
    await row.locator('button.suspend').click();
    await expect.poll(() => row.locator('.status').getAttribute('data-status')).toBe('suspended');
    expect(await row.locator('.status').textContent()).toBe('Suspended');
    // A dashboard login for the merchant's staff, then the staff signs in with it.
    await page.selectOption('#login-merchant', merchant.id);
    await page.fill('#login-email', 'staff@teahouse.example');
    await page.fill('#login-password', 'long enough password');
    await page.click('#create-login');
    // The password is hashed on purpose slowly (scrypt): give a loaded machine time.
    await expect.poll(() => page.textContent('#message'), { timeout: 15_000 }).toContain('staff@teahouse.example');
    const staff = await browser.newContext({ viewport: phone, deviceScaleFactor: 1 });
    const staffPage = await staff.newPage();
    await staffPage.goto(`${world.baseUrl}/dashboard/login`);
    await staffPage.fill('#email', 'staff@teahouse.example');
    await staffPage.fill('#password', 'wrong password!!');
    await staffPage.click('#sign-in-password');
    await expect.poll(() => staffPage.textContent('#message'), { timeout: 15_000 }).toContain('wrong');
    await staffPage.fill('#password', 'long enough password');
    await staffPage.click('#sign-in-password');
    await staffPage.waitForURL(`${world.baseUrl}/dashboard`);
    await staffPage.waitForSelector('#balances [data-currency]');
    await staff.close();
    await page.click('#nav-ledger');
    await page.click('#verify');
    await expect.poll(() => page.textContent('#verify-summary')).toContain('Ledger verified');
    await page.screenshot({ path: join(screenshots, 'ops.png') });
    await context.close();
  });
});
