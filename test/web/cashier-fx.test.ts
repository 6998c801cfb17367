import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { verifyLedger } from '../../src/ledger/index.js';
import { chromiumArgs, chromiumAvailable, chromiumPath, startWebWorld, type WebWorld } from './world.js';

/**
 * The cashier offers the shopper's currency (issue 5 item 5, docs/fx.md "Cashier"): a CNY price,
 * a card billed in another currency, in a real browser. Quotes live 6 s here so that the page's
 * re-fetch of an expiring quote is seen.
 */
const screenshots = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const phone = { width: 390, height: 760 };
const quoteTtlMs = 6_000;

describe.skipIf(!chromiumAvailable)("the cashier in the card's currency, in a real browser", () => {
  let world: WebWorld;
  let browser: Browser;
  let merchant: { id: string; key: string };
  let order = 0;

  beforeAll(async () => {
    world = await startWebWorld('sqlite', { fx: { convertToSettlement: true, quoteTtlMs } });
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    merchant = await world.merchant('Jade House 玉器行');
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function checkout(amount: number) {
    const res = await world.api('POST', '/v1/checkout_sessions', merchant.key, {
      amount,
      currency: 'CNY',
      merchant_order_id: `fx-web-${++order}`,
      return_url: `${world.shopUrl}/return`,
      description: 'Jade bracelet',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { url: res.body.url as string, paymentId: res.body.payment.id as string };
  }

  it('a US Visa card sees the USD price, the quote is renewed before it expires, and the shopper pays in USD', async () => {
    const { url, paymentId } = await checkout(68_800);
    const context = await browser.newContext({ viewport: phone, locale: 'en-US', deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(url);
    expect(await page.isVisible('#converted-price')).toBe(false);
    const pan = testCardFor('visa', 'approved').pan;
    await page.type('#card-number', pan);
    await page.fill('#card-expiry', '12/30');
    await page.fill('#card-cvc', '123');
    // mid 7.85 / 1.085 = 7.2350230415, less 50 bps = 7.1988479262: USD 95.58 is worth at least CNY 688.00.
    await expect
      .poll(() => page.textContent('#converted-price'))
      .toMatch(/^≈ \$95\.58 · Rate: 1 USD = 7\.19885 CNY · this price holds until \w{3} \d{1,2}, \d{4}, \d\d:\d\d \S+$/);
    expect(await page.textContent('#fx-shopper-label')).toBe('Pay in USD: $95.58');
    expect(await page.textContent('#fx-merchant-label')).toBe('Pay in CNY: CN¥688.00');
    expect(await page.textContent('#pay-card')).toBe('Pay CN¥688.00');
    const first = await page.getAttribute('#converted-price', 'data-quote');
    // The page asks for a new quote before this one expires.
    await expect.poll(() => page.getAttribute('#converted-price', 'data-quote'), { timeout: quoteTtlMs + 5_000 }).not.toBe(first);
    await page.check('#fx-shopper');
    expect(await page.textContent('#pay-card')).toBe('Pay $95.58');
    await page.screenshot({ path: join(screenshots, 'cashier-fx.png') });
    const quote = await page.getAttribute('#converted-price', 'data-quote');
    await page.click('#pay-card');
    await page.waitForURL(`${world.shopUrl}/return?**`);
    expect(new URL(page.url()).searchParams.get('status')).toBe('succeeded');
    const paid = await world.api('GET', `/v1/payments/${paymentId}`, merchant.key);
    expect(paid.body).toMatchObject({
      status: 'succeeded',
      amount: 9_558,
      currency: 'USD',
      amount_captured: 9_558,
      settlement_currency: 'CNY',
      settlement_amount: 68_807,
      fx_rate: '7.1988479262',
      fx_quote: quote,
      payment_method: { card: { brand: 'visa' } },
    });
    expect(first).not.toBe(quote);
    const report = await verifyLedger(world.hutong.services.store.reader);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    await context.close();
  });

  it("in Chinese; a card in the payment's own currency is offered nothing, and the shop's currency stays the default", async () => {
    const { url, paymentId } = await checkout(12_800);
    const context = await browser.newContext({ viewport: phone, locale: 'zh-CN', deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(url);
    await page.type('#card-number', testCardFor('jcb', 'approved').pan);
    await expect
      .poll(() => page.textContent('#converted-price'))
      .toMatch(/^≈ JP¥\d{1,3}(,\d{3})* · 汇率：1 JPY = 0\.\d+ CNY · 此价格有效至 \d{4}年\d{1,2}月\d{1,2}日 .*\d\d:\d\d$/);
    expect(await page.textContent('#fx-merchant-label')).toBe('以 CNY 支付：¥128.00');
    expect(await page.textContent('#fx-shopper-label')).toMatch(/^以 JPY 支付：JP¥[\d,]+$/);
    // Another card, from a CNY issuer: the offer goes away.
    await page.fill('#card-number', '');
    await page.type('#card-number', testCardFor('unionpay', 'approved').pan);
    await expect.poll(() => page.isVisible('#converted-price')).toBe(false);
    expect(await page.isVisible('#fx-choice')).toBe(false);
    await page.fill('#card-expiry', '12/30');
    await page.fill('#card-cvc', '123');
    await page.click('#pay-card');
    await page.waitForURL(`${world.shopUrl}/return?**`);
    expect((await world.api('GET', `/v1/payments/${paymentId}`, merchant.key)).body).toMatchObject({
      status: 'succeeded',
      amount: 12_800,
      currency: 'CNY',
      settlement_currency: null,
      fx_quote: null,
    });
    await context.close();
  });
});
