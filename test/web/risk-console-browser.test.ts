import { authenticator } from 'otplib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumAvailable, chromiumPath, signInOperator, startWebWorld, type WebWorld } from './world.js';

/**
 * The console signs in with operator accounts (issue 16), in Chinese and in English: email,
 * password and TOTP code on /ops/login (a wrong code is refused, the ok_ key is not taken by the
 * browser), the session carries the role (support reads, risk decides cases), every action lands
 * in the audit trail under the operator, and the risk pages show in the page's language.
 */
const words = {
  en: { cases: 'AML cases', audit: 'Audit trail', report: 'Report', reported: 'Reported', support: 'Support', risk: 'Risk' },
  zh: { cases: '可疑交易案件', audit: '审计日志', report: '上报', reported: '已上报', support: '客服', risk: '风控' },
} as const;

describe.skipIf(!chromiumAvailable)('the console signs in with operator accounts', () => {
  let world: WebWorld;
  let browser: Browser;
  let merchant: { id: string; key: string };

  beforeAll(async () => {
    world = await startWebWorld('sqlite');
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    merchant = await world.merchant('Risky Shop');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  const options = (lang: 'en' | 'zh') => ({
    viewport: { width: 1024, height: 720 },
    deviceScaleFactor: 1,
    extraHTTPHeaders: { 'accept-language': lang === 'zh' ? 'zh-CN,zh;q=0.9' : 'en-US,en;q=0.9' },
  });
  /** fetch from inside the page: the cookie goes with it; `csrf` adds the double-submit header. */
  const pageFetch = (page: Page, method: string, path: string, body: object, csrf: boolean) =>
    page.evaluate(
      async ([m, p, b, c]) => {
        const cookie = (globalThis as unknown as { document: { cookie: string } }).document.cookie;
        const token = /(?:^|;\s*)hutong_csrf=([^;]*)/.exec(cookie)?.[1] ?? '';
        const res = await fetch(p as string, {
          method: m as string,
          headers: { 'content-type': 'application/json', ...(c ? { 'x-csrf-token': decodeURIComponent(token) } : {}) },
          body: JSON.stringify(b),
        });
        return { status: res.status, body: (await res.json()) as { code?: string } };
      },
      [method, path, body, csrf] as const,
    );

  /** Ten payers into one wallet on one Beijing day: a many-payers case for the day's scan. */
  async function openCase(): Promise<string> {
    const customer = async (name: string, topUp: number) => {
      const c = await world.api('POST', '/v1/customers', merchant.key, { name });
      if (topUp > 0) await world.api('POST', `/v1/customers/${c.body.id}/top_ups`, merchant.key, { amount: topUp, currency: 'CNY' });
      return c.body.id as string;
    };
    const hub = await customer('Hub', 0);
    for (let i = 0; i < 10; i++)
      await world.api('POST', '/v1/transfers', merchant.key, {
        source: await customer(`Payer ${i}`, 100_000),
        destination: hub,
        amount: 10_000,
        currency: 'CNY',
      });
    const day = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const scanned = await world.api('POST', '/v1/risk/cases/scan', world.operatorKey, { day });
    expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
    const opened = (scanned.body.data as { id: string; party: string }[]).find((c) => c.party === hub);
    expect(opened).toBeDefined();
    return opened?.id as string;
  }

  it('refuses the ok_ key and a wrong code on /ops/login, then signs in with email, password and code', async () => {
    const made = await world.api('POST', '/v1/operators', world.operatorKey, {
      login: 'wu@ops.example',
      name: 'Wu',
      role: 'support',
      password: 'operator password 12+',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const page = await (await browser.newContext(options('en'))).newPage();
    await page.goto(`${world.baseUrl}/ops/login`);
    expect(await page.locator('#secret-key').count()).toBe(0);
    // The key is refused by the browser sign-in even when posted by hand.
    const keyed = await pageFetch(page, 'POST', '/v1/dashboard_sessions', { secret_key: world.operatorKey }, false);
    expect([keyed.status, keyed.body.code]).toEqual([403, 'operator_key_not_for_browser']);
    await page.fill('#email', 'wu@ops.example');
    await page.fill('#password', 'operator password 12+');
    await page.fill('#code', authenticator.generate(made.body.totp_secret) === '000000' ? '111111' : '000000');
    await page.click('#sign-in');
    await expect.poll(() => page.textContent('#message')).toContain('one-time code');
    expect(page.url()).toBe(`${world.baseUrl}/ops/login`);
    await page.fill('#password', 'operator password 12+');
    await page.fill('#code', authenticator.generate(made.body.totp_secret));
    await page.click('#sign-in');
    await page.waitForURL(`${world.baseUrl}/ops`);
    await expect.poll(() => page.textContent('#who')).toBe('Signed in as Wu (Support)');
    // The session is an httpOnly cookie: the page's script cannot read the os_ token.
    expect(await page.evaluate<string>('document.cookie')).not.toContain('os_');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'hutong_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookies.find((c) => c.name === 'hutong_session')?.value).toMatch(/^os_/);
    await page.context().close();
  }, 60_000);

  for (const lang of ['en', 'zh'] as const) {
    const w = words[lang];
    it(`[${lang}] support reads but may not decide; risk reports a case; the audit trail names the operator`, async () => {
      const caseId = await openCase();

      const support = await signInOperator(browser, world.baseUrl, world.operatorKey, 'support', options(lang));
      expect(await support.textContent('#nav-cases')).toBe(w.cases);
      await expect.poll(() => support.textContent('#who')).toContain(w.support);
      await support.click('#nav-cases');
      const supportRow = support.locator(`#cases tr[data-id="${caseId}"]`);
      await supportRow.waitFor();
      expect(await supportRow.locator('button').count()).toBe(0);
      // The API agrees: the role is in the session, not in the page.
      const refused = await pageFetch(
        support,
        'POST',
        `/v1/risk/cases/${caseId}/decision`,
        { decision: 'closed', reason: 'not mine' },
        true,
      );
      expect([refused.status, refused.body.code]).toEqual([403, 'operator_forbidden']);
      await support.context().close();

      const analyst = await signInOperator(browser, world.baseUrl, world.operatorKey, 'risk', options(lang));
      await expect.poll(() => analyst.textContent('#who')).toContain(w.risk);
      // Without the CSRF header the cookie alone changes nothing.
      const forged = await pageFetch(analyst, 'POST', `/v1/risk/cases/${caseId}/assign`, {}, false);
      expect([forged.status, forged.body.code]).toEqual([403, 'csrf_token_invalid']);
      await analyst.click('#nav-cases');
      const row = analyst.locator(`#cases tr[data-id="${caseId}"]`);
      await row.locator('button.assign').click();
      await expect.poll(() => row.locator('td').nth(6).textContent()).toMatch(/^operator:risk/);
      await row.locator('input.reason').fill('ten payers in a day, reported');
      await row.locator('button.report').click();
      await expect.poll(() => row.locator('.status').textContent()).toBe(w.reported);

      await analyst.click('#nav-audit');
      expect(await analyst.textContent('#nav-audit')).toBe(w.audit);
      await analyst.waitForSelector('#audit tr[data-seq]');
      await analyst.fill('#audit-action', `cases/:id/decision`);
      await analyst.click('#audit-apply');
      const actors = await analyst.locator('#audit tbody tr td:nth-child(3)').allTextContents();
      expect(actors.length).toBeGreaterThanOrEqual(1);
      expect(actors.every((a) => a.startsWith('operator:risk'))).toBe(true);
      const audit = await world.api('GET', '/v1/audit_log?limit=50', world.operatorKey);
      const decided = (audit.body.data as { action: string; actor: string; target: string }[]).find(
        (r) => r.action === 'POST /v1/risk/cases/:id/decision' && r.target === caseId,
      );
      expect(decided?.actor).toMatch(/^operator:risk\d+\./);
      await analyst.click('#sign-out');
      await analyst.waitForURL(`${world.baseUrl}/ops/login`);
      await analyst.goto(`${world.baseUrl}/ops`);
      expect(analyst.url()).toBe(`${world.baseUrl}/ops/login`);
      await analyst.context().close();
    }, 120_000);
  }
});
