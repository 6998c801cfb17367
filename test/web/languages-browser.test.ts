import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { chromiumArgs, chromiumAvailable, chromiumPath, signInWithKey, startWebWorld, type WebWorld } from './world.js';

/**
 * Every page in Chinese and in English (issue 17 §2) on a 375 px phone (§5): the language comes
 * from Accept-Language or the switch, amounts through Intl with thousands separators, dates with
 * their zone, statuses and methods in words; no horizontal scroll, 16 px inputs, a favicon.
 */
const screenshots = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const phone = { width: 375, height: 740 };
const words = {
  en: {
    signIn: 'Sign in',
    overview: 'Overview',
    payments: 'Payments',
    succeeded: 'Succeeded',
    card: 'Card',
    merchants: 'Merchants',
    suspend: 'Suspend',
  },
  zh: { signIn: '登录', overview: '概览', payments: '支付记录', succeeded: '成功', card: '银行卡', merchants: '商户', suspend: '停用' },
} as const;
type Lang = keyof typeof words;

describe.skipIf(!chromiumAvailable)('every page in both languages on a phone', () => {
  let world: WebWorld;
  let browser: Browser;
  let merchant: { id: string; key: string };
  let paymentId = '';

  beforeAll(async () => {
    world = await startWebWorld('sqlite');
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    merchant = await world.merchant('Tea House 茶馆');
    const created = await world.api('POST', '/v1/payments', merchant.key, {
      amount: 1_234_567,
      currency: 'USD',
      merchant_order_id: 'big-1',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    paymentId = created.body.id;
    const card = { number: testCardFor('visa', 'approved').pan, exp_month: 12, exp_year: 2030, cvc: '123' };
    const confirmed = await world.api('POST', `/v1/payments/${paymentId}/confirm`, merchant.key, {
      payment_method: { type: 'card', card },
    });
    expect(confirmed.body.status, JSON.stringify(confirmed.body)).toMatch(/succeeded|requires_capture/);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  const context = (lang: Lang) =>
    browser.newContext({
      viewport: phone,
      deviceScaleFactor: 1,
      locale: lang === 'zh' ? 'zh-CN' : 'en-US',
      extraHTTPHeaders: { 'accept-language': lang === 'zh' ? 'zh-CN,zh;q=0.9' : 'en-US,en;q=0.9' },
    });
  async function fitsThePhone(page: Page): Promise<void> {
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(phone.width);
    const sizes = await page.evaluate<string[]>(
      `[...document.querySelectorAll('input:not([type=radio]):not([type=checkbox]):not([type=file]), select')]` +
        `.filter((e) => e.offsetParent !== null).map((e) => getComputedStyle(e).fontSize)`,
    );
    for (const size of sizes) expect(size).toBe('16px');
    expect(await page.getAttribute('link[rel=icon]', 'href')).toMatch(/^\/assets\/favicon\.[0-9a-f]{12}\.svg$/);
  }

  for (const lang of ['en', 'zh'] as const) {
    const w = words[lang];
    const htmlLang = lang === 'zh' ? 'zh-CN' : 'en';

    it(`[${lang}] the sign-in pages, the dashboard and the console`, async () => {
      const ctx = await context(lang);
      const login = await ctx.newPage();
      for (const path of ['dashboard', 'ops'] as const) {
        await login.goto(`${world.baseUrl}/${path}/login`);
        expect(await login.getAttribute('html', 'lang')).toBe(htmlLang);
        expect(await login.textContent('#sign-in')).toBe(w.signIn);
        await fitsThePhone(login);
      }
      await ctx.close();

      const dash = await signInWithKey(browser, world.baseUrl, 'dashboard', merchant.key, {
        viewport: phone,
        deviceScaleFactor: 1,
        locale: lang === 'zh' ? 'zh-CN' : 'en-US',
        extraHTTPHeaders: { 'accept-language': lang === 'zh' ? 'zh-CN' : 'en-US' },
      });
      expect(await dash.getAttribute('html', 'lang')).toBe(htmlLang);
      expect(await dash.textContent('#nav-overview')).toBe(w.overview);
      await dash.waitForSelector('#balances [data-currency]');
      await dash.click('#nav-payments');
      const row = dash.locator(`#payments-table tr[data-id="${paymentId}"]`);
      await row.waitFor();
      const cells = await row.locator('td').allTextContents();
      // Thousands separators in the locale's currency form; the zone beside the time; words, not codes.
      expect(cells[2]).toBe(lang === 'zh' ? 'US$12,345.67' : '$12,345.67');
      expect(cells[0]).toMatch(/UTC|GMT/);
      expect(await row.locator('.status').textContent()).toMatch(new RegExp(`${w.succeeded}|${lang === 'zh' ? '已授权' : 'Authorized'}`));
      await fitsThePhone(dash);
      await dash.screenshot({ path: join(screenshots, `dashboard-payments-${lang}.png`) });
      await dash.context().close();

      const ops = await signInWithKey(browser, world.baseUrl, 'ops', world.operatorKey, {
        viewport: phone,
        deviceScaleFactor: 1,
        extraHTTPHeaders: { 'accept-language': lang === 'zh' ? 'zh-CN' : 'en-US' },
      });
      expect(await ops.textContent('#nav-merchants')).toBe(w.merchants);
      const suspend = ops.locator(`#merchants tr[data-id="${merchant.id}"] button.suspend`);
      await suspend.waitFor();
      expect(await suspend.textContent()).toBe(w.suspend);
      // A destructive action is not the primary blue.
      expect(await suspend.evaluate((b) => b.ownerDocument.defaultView?.getComputedStyle(b).backgroundColor)).toBe('rgb(255, 255, 255)');
      // The merchant of a new login is picked, not pasted.
      expect(await ops.$$eval('#login-merchant option', (o) => o.map((x) => x.getAttribute('value')))).toContain(merchant.id);
      await fitsThePhone(ops);
      await ops.screenshot({ path: join(screenshots, `ops-${lang}.png`) });
      await ops.context().close();
    });

    it(`[${lang}] the cashier: the lone card method is a heading, not a tab`, async () => {
      const session = await world.api('POST', '/v1/checkout_sessions', merchant.key, {
        amount: 250_000,
        currency: 'USD',
        merchant_order_id: `tea-${lang}`,
      });
      expect(session.status).toBe(201);
      const ctx = await context(lang);
      const page = await ctx.newPage();
      await page.goto(session.body.url);
      expect(await page.getAttribute('html', 'lang')).toBe(htmlLang);
      expect(await page.evaluate<string>("document.getElementById('tab-card').tagName")).toBe('H2');
      expect(await page.textContent('#tab-card')).toBe(w.card);
      expect(await page.textContent('#amount')).toBe(lang === 'zh' ? 'US$2,500.00' : '$2,500.00');
      await fitsThePhone(page);
      // The switch to the other language.
      await page.click(lang === 'zh' ? '#lang-en' : '#lang-zh');
      await expect.poll(() => page.getAttribute('html', 'lang')).toBe(lang === 'zh' ? 'en' : 'zh-CN');
      await ctx.close();
    });
  }

  it('the switch on a sign-in page sets the language for the next pages', async () => {
    const ctx = await context('en');
    const page = await ctx.newPage();
    await page.goto(`${world.baseUrl}/dashboard/login`);
    await page.click('#lang-zh');
    await expect.poll(() => page.getAttribute('html', 'lang')).toBe('zh-CN');
    await page.goto(`${world.baseUrl}/ops/login`);
    expect(await page.textContent('#sign-in')).toBe('登录');
    await ctx.close();
  });
});
