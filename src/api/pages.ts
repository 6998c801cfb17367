import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { cookieOf, sessionCookie } from './auth.js';
import type { ApiServices } from './context.js';
import type { Payment } from '../payments/index.js';
import { assets, assetsByPath } from '../web/index.js';
import { contentSecurityPolicy, html, page, pageHeaders, type Raw } from '../web/index.js';
import { cashierText, consoleText, moneyText, pickLang, walletLabels, type Lang } from '../web/index.js';
import { operatorSessionPrefix } from '../risk/index.js';
import { riskNavIds, riskText } from '../web/index.js';

/**
 * The server-rendered pages: the hosted cashier (/checkout/{token}), the merchant dashboard
 * (/dashboard) and the operator console (/ops). Pages carry no inline script; what they do, they
 * do through the public /v1 API from /assets scripts.
 */
const langCookie = 'hutong_lang';
/** The sandbox outside wallets take CNY only (sandbox/wallets/README.md). */
const externalWallets: Record<string, readonly string[]> = { CNY: ['alipay_sandbox', 'wechat_sandbox', 'quickpass_sandbox'] };

/**
 * Hooks for features built on other branches, filled in by the composition once they land:
 * `convertedPrice` (FX: the price in the card's currency) and `dashboardNav` (escrow trades etc.).
 */
export interface WebHooks {
  convertedPrice?: (payment: Payment, lang: Lang) => Promise<string | undefined>;
  dashboardNav?: readonly { readonly id: string; readonly label: string }[];
  opsNav?: readonly { readonly id: string; readonly label: string }[];
}
export const webHooks: WebHooks = {};

function send(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).headers(pageHeaders).send(body);
}

function langOf(request: FastifyRequest, reply: FastifyReply): Lang {
  const query = (request.query as { lang?: string } | undefined)?.lang;
  const lang = pickLang(query, cookieOf(request, langCookie), request.headers['accept-language']);
  if (query === 'en' || query === 'zh') reply.header('set-cookie', `${langCookie}=${query}; Path=/; SameSite=Lax; Max-Age=31536000`);
  return lang;
}

function shell(lang: Lang, title: string, body: Raw, script = assets.cashier.path): string {
  return page({ lang, title, body, scripts: [script], stylesheet: assets.css.path });
}

function langSwitch(lang: Lang): Raw {
  return html`<nav class="lang" aria-label="${consoleText[lang].language}">
    ${lang === 'en' ? html`<a href="?lang=zh" id="lang-zh" lang="zh-CN">中文</a>` : html`<a href="?lang=en" id="lang-en" lang="en">English</a>`}
  </nav>`;
}

export const money = (minor: bigint, currency: string, lang: Lang = 'en') => moneyText(minor, currency, lang);

export function cashierPage(input: {
  lang: Lang;
  token: string;
  payment: Payment;
  merchantName: string;
  convertedPrice?: string;
  offerFx?: boolean;
  orderUrl?: string | null;
}): string {
  const { lang, token, payment: p } = input;
  const t = cashierText[lang];
  const total = money(p.amount.minor, p.amount.currency, lang);
  const wallets = externalWallets[p.amount.currency] ?? [];
  const tabs = [
    html`<button type="button" role="tab" data-panel="card" aria-selected="true" aria-controls="card-panel" id="tab-card">
      ${t.card}
    </button>`,
    p.customerId === null
      ? ''
      : html`<button
          type="button"
          role="tab"
          data-panel="wallet"
          aria-selected="false"
          aria-controls="wallet-panel"
          tabindex="-1"
          id="tab-wallet"
        >
          ${t.hutongWallet}
        </button>`,
    wallets.length === 0
      ? ''
      : html`<button
          type="button"
          role="tab"
          data-panel="external"
          aria-selected="false"
          aria-controls="external-panel"
          tabindex="-1"
          id="tab-external"
        >
          ${lang === 'zh' ? '扫码支付' : 'QR wallets'}
        </button>`,
  ];
  const body = html`<header class="bar"><span class="logo">Hutong 互通</span>${langSwitch(lang)}</header>
    <main
      id="cashier"
      class="panel"
      data-token="${token}"
      data-payment="${p.id}"
      data-status="${p.status}"
      data-return-url="${p.returnUrl ?? ''}"
      data-customer="${p.customerId ?? ''}"
      data-last-error="${p.status === 'requires_payment_method' ? (p.lastError?.code ?? '') : ''}"
      data-fx-offer="${input.offerFx === true ? '1' : ''}"
      data-order-url="${input.orderUrl ?? ''}"
    >
      <section class="summary" aria-label="${t.total}">
        <p class="merchant" id="merchant">${input.merchantName}</p>
        <p class="order">${t.order} <span id="order">${p.merchantOrderId}</span></p>
        ${p.description === null ? '' : html`<p class="muted" id="description">${p.description}</p>`}
        <p class="amount" id="amount">${total}</p>
        <p class="converted" id="converted-price" ${input.convertedPrice === undefined ? html` hidden` : ''}>
          ${input.convertedPrice === undefined ? '' : html`${t.convertedNote} <strong>${input.convertedPrice}</strong>`}
        </p>
      </section>
      <div id="message" class="msg" role="alert" hidden></div>
      <section id="methods">
        ${
          p.customerId === null && wallets.length === 0
            ? html`<h2 class="method" id="tab-card">${t.card}</h2>`
            : html`<div class="tabs" role="tablist" aria-label="${t.methods}">${tabs}</div>`
        }
        <form id="card-panel" novalidate autocomplete="on">
          <div id="card-form-fields">
            <label for="card-number">${t.cardNumber}</label>
            <div class="pan">
              <input
                id="card-number"
                name="cardnumber"
                inputmode="numeric"
                autocomplete="cc-number"
                maxlength="23"
                placeholder="4111 1111 1111 1111"
                aria-describedby="card-number-error"
              /><span id="card-brand" class="badge"></span>
            </div>
            <p class="err" id="card-number-error"></p>
            <div class="row">
              <div>
                <label for="card-expiry">${t.expiry}</label
                ><input id="card-expiry" name="exp-date" inputmode="numeric" autocomplete="cc-exp" maxlength="5" placeholder="MM/YY" />
                <p class="err" id="card-expiry-error"></p>
              </div>
              <div>
                <label for="card-cvc">${t.cvc}</label
                ><input id="card-cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" maxlength="4" placeholder="123" />
                <p class="err" id="card-cvc-error"></p>
              </div>
            </div>
            <label for="card-name">${t.holder}</label><input id="card-name" name="ccname" autocomplete="cc-name" maxlength="100" />
            <fieldset id="fx-choice" class="fx" hidden>
              <legend>${t.fxChoice}</legend>
              <label><input type="radio" name="fx" id="fx-shopper" value="shopper" /><span id="fx-shopper-label"></span></label
              ><label><input type="radio" name="fx" id="fx-merchant" value="merchant" checked /><span id="fx-merchant-label"></span></label>
            </fieldset>
            <button type="submit" class="primary" id="pay-card">${t.pay} ${total}</button>
            <p class="small">${t.secure}</p>
          </div>
        </form>
        ${p.customerId === null ? '' : html`<div id="wallet-panel" hidden><button type="button" class="primary" id="pay-wallet">${t.payWallet} · ${total}</button></div>`}
        ${
          wallets.length === 0
            ? ''
            : html`<div id="external-panel" hidden>
                ${wallets.map((w) => html`<button type="button" class="primary" id="pay-${w}" data-wallet="${w}">${walletLabels[w]?.[lang] ?? w}</button>`)}
                <div id="qr" class="qr" hidden>
                  <img id="qr-image" alt="QR" />
                  <p class="small">${t.scan} <a id="wallet-link" href="#" target="_blank" rel="noopener">${t.openWallet}</a></p>
                  <p id="qr-status" aria-live="polite"></p>
                </div>
              </div>`
        }
      </section>
      <p><a id="return-link" href="#" hidden>${input.orderUrl ? t.backToOrder : t.back}</a></p>
    </main>`;
  return shell(lang, `${t.title} ${total} · ${input.merchantName}`, body);
}

/** After 3-D Secure, for a payment with no return_url: the outcome, in the shopper's language. */
export function challengeResultPage(payment: Payment, acceptLanguage: string | undefined): string {
  const lang = pickLang(undefined, undefined, acceptLanguage);
  const ok = payment.status === 'succeeded' || payment.status === 'requires_capture';
  const text = ok
    ? cashierText[lang].paid
    : lang === 'zh'
      ? '支付未完成：发卡行验证未通过。请返回商户重试或换一张卡。'
      : 'The payment was not completed: your bank could not confirm it was you. Go back to the shop to try again or use another card.';
  return shell(
    lang,
    'Hutong',
    html`<header class="bar"><span class="logo">Hutong 互通</span></header>
      <main class="panel">
        <p id="result" class="${ok ? 'msg ok' : 'msg'}" data-status="${payment.status}">${text}</p>
        <p class="muted">${money(payment.amount.minor, payment.amount.currency, lang)} · ${payment.merchantOrderId}</p>
      </main>`,
  );
}

function expiredPage(lang: Lang, why: 'expired' | 'suspended' = 'expired'): string {
  return shell(
    lang,
    'Hutong',
    html`<header class="bar"><span class="logo">Hutong 互通</span>${langSwitch(lang)}</header>
      <main class="panel"><p id="${why}" class="msg">${cashierText[lang][why]}</p></main>`,
  );
}

function signInPage(kind: 'dashboard' | 'ops', lang: Lang): string {
  const t = consoleText[lang];
  const name = kind === 'ops' ? t.console : t.dashboard;
  return page({
    lang,
    title: `${kind === 'ops' ? t.consoleTitle : t.dashboardTitle} · ${t.signInTitle}`,
    stylesheet: assets.css.path,
    scripts: [assets.console.path],
    body: html`<header class="bar"><span class="logo">Hutong 互通 ${name}</span>${langSwitch(lang)}</header>
      <main class="panel" id="sign-in-page" data-kind="${kind}">
        <h1>${t.signIn}</h1>
        ${
          kind === 'ops'
            ? opsSignInForm(lang)
            : html`<form id="sign-in-form">
                <label for="secret-key">${t.secretKey}</label
                ><input id="secret-key" type="password" autocomplete="current-password" required />
                <button type="submit" class="primary" id="sign-in">${t.signIn}</button>
              </form>`
        }
        ${
          kind === 'dashboard'
            ? html`<h2>${t.orLogin}</h2>
                <form id="password-form">
                  <label for="email">${t.email}</label><input id="email" type="email" autocomplete="username" required />
                  <label for="password">${t.password}</label
                  ><input id="password" type="password" autocomplete="current-password" required />
                  <button type="submit" class="primary" id="sign-in-password">${t.signIn}</button>
                </form>`
            : ''
        }
        <div id="message" class="msg" role="alert" hidden></div>
        <p class="small">${kind === 'ops' ? riskText[lang].signInNote : t.keyNote}</p>
      </main>`,
  });
}

/** The console signs in with an operator account (issue 16); the ok_ key is for automation only. */
function opsSignInForm(lang: Lang): Raw {
  const r = riskText[lang];
  return html`<form id="operator-form">
    <label for="email">${r.email}</label><input id="email" type="email" autocomplete="username" required />
    <label for="password">${r.password}</label><input id="password" type="password" autocomplete="current-password" required />
    <label for="code">${r.code}</label
    ><input id="code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required />
    <button type="submit" class="primary" id="sign-in">${consoleText[lang].signIn}</button>
  </form>`;
}

function consolePage(kind: 'dashboard' | 'ops', lang: Lang): string {
  const t = consoleText[lang];
  const ids =
    kind === 'ops'
      ? (['merchants', 'ledger', 'disputes', 'settlement', 'reconciliation', 'customs'] as const)
      : (['overview', 'payments', 'webhooks', 'keys', 'escrow', 'settlements', 'customs'] as const);
  const nav = [
    ...ids.map((id) => ({ id, label: t[id] })),
    ...(kind === 'ops' ? riskNavIds.map((id) => ({ id, label: riskText[lang][id] })) : []),
    ...((kind === 'ops' ? webHooks.opsNav : webHooks.dashboardNav) ?? []),
  ];
  return page({
    lang,
    title: kind === 'ops' ? t.consoleTitle : t.dashboardTitle,
    stylesheet: assets.css.path,
    scripts: [assets.console.path],
    body: html`<header class="bar">
        <span class="logo">Hutong 互通 ${kind === 'ops' ? t.console : t.dashboard}</span
        ><span class="actions">${langSwitch(lang)}<span id="who"></span><a href="#" id="sign-out">${t.signOut}</a></span>
      </header>
      <main class="panel wide" id="app" data-kind="${kind}">
        <nav class="side" id="nav" aria-label="${t.sections}">
          ${nav.map((n) => html`<a href="#${n.id}" id="nav-${n.id}">${n.label}</a>`)}
        </nav>
        <div id="message" class="msg" role="alert" hidden></div>
        <div id="view" aria-live="polite"></div>
      </main>`,
  });
}

/** The cashier's URL carries its session token (a bearer credential): the log line shows it redacted. */
const checkoutLogSerializers = {
  req: (req: FastifyRequest) => ({
    method: req.method,
    url: req.url.replace(/^\/checkout\/[^/?#]+/, '/checkout/[redacted]'),
    host: req.host,
    remoteAddress: req.ip,
  }),
};

export function registerWebPages(fastify: FastifyInstance, services: ApiServices): void {
  const { web, parties } = services;

  fastify.get('/assets/:file', { schema: { hide: true } }, async (request, reply) => {
    const found = assetsByPath.get(request.url.split('?')[0] as string);
    if (found === undefined) return reply.code(404).type('text/plain').send('not found');
    reply.headers({
      'content-type': found.type,
      'cache-control': 'public, max-age=31536000, immutable',
      etag: found.etag,
      'x-content-type-options': 'nosniff',
    });
    reply.header('vary', 'accept-encoding');
    if (request.headers['if-none-match'] === found.etag) return reply.code(304).send();
    const accepted = String(request.headers['accept-encoding'] ?? '');
    if (/\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(found.br);
    if (/\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(found.gzip);
    return reply.send(found.body);
  });

  fastify.get('/checkout/:token', { logSerializers: checkoutLogSerializers, schema: { hide: true } }, async (request, reply) => {
    const lang = langOf(request, reply);
    const { token } = request.params as { token: string };
    const session = await web.checkoutSession(token);
    const payment = session === undefined ? undefined : await web.paymentOf(session.merchantId, session.paymentId);
    const merchant = session === undefined ? undefined : await parties.getMerchant(session.merchantId);
    if (session === undefined || payment === undefined || merchant === undefined) return send(reply, 404, expiredPage(lang));
    if (merchant.status !== 'active') return send(reply, 403, expiredPage(lang, 'suspended'));
    const convertedPrice = await webHooks.convertedPrice?.(payment, lang);
    // The card's currency is offered (FX, docs/fx.md) only where POST /presentment can accept it.
    const offerFx =
      payment.status === 'requires_payment_method' &&
      payment.method === null &&
      payment.amount.currency === merchant.settlementCurrency &&
      (payment.settlement ?? null) === null;
    return send(
      reply,
      200,
      cashierPage({ lang, token, payment, merchantName: merchant.name, convertedPrice, offerFx, orderUrl: session.returnUrl }),
    );
  });

  fastify.get('/checkout/:token/qr.svg', { logSerializers: checkoutLogSerializers, schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const session = await web.checkoutSession(token);
    const payment =
      session === undefined || (await parties.getMerchant(session.merchantId))?.status !== 'active'
        ? undefined
        : await web.paymentOf(session.merchantId, session.paymentId);
    const qr = payment?.status === 'requires_action' ? payment.nextAction?.qrCode : undefined;
    if (qr === undefined || qr === null) return reply.code(404).type('text/plain').send('no QR code for this payment now');
    const svg = await QRCode.toString(qr, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    return reply
      .headers({
        'content-type': 'image/svg+xml',
        'cache-control': 'no-store',
        'content-security-policy': contentSecurityPolicy,
        'x-content-type-options': 'nosniff',
      })
      .send(svg);
  });

  async function signedIn(request: FastifyRequest, kind: 'merchant' | 'operator'): Promise<boolean> {
    const token = cookieOf(request, sessionCookie);
    if (token === undefined) return false;
    // The console's cookie is an operator account's os_ session (issue 16, src/risk/operators.ts).
    if (token.startsWith(operatorSessionPrefix)) return kind === 'operator' && (await services.risk.operators.session(token)) !== undefined;
    const session = await web.webSession(token);
    return session?.principal.type === kind;
  }

  fastify.get('/dashboard', { schema: { hide: true } }, async (request, reply) => {
    const lang = langOf(request, reply);
    if (!(await signedIn(request, 'merchant'))) return reply.code(303).header('location', '/dashboard/login').send();
    return send(reply, 200, consolePage('dashboard', lang));
  });
  fastify.get('/dashboard/login', { schema: { hide: true } }, async (request, reply) =>
    send(reply, 200, signInPage('dashboard', langOf(request, reply))),
  );
  fastify.get('/ops', { schema: { hide: true } }, async (request, reply) => {
    const lang = langOf(request, reply);
    if (!(await signedIn(request, 'operator'))) return reply.code(303).header('location', '/ops/login').send();
    return send(reply, 200, consolePage('ops', lang));
  });
  fastify.get('/ops/login', { schema: { hide: true } }, async (request, reply) =>
    send(reply, 200, signInPage('ops', langOf(request, reply))),
  );
  fastify.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) =>
    reply.code(301).header('location', assets.favicon.path).header('cache-control', 'public, max-age=86400').send(),
  );
}
