import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cookieOf } from './auth.js';
import type { ApiServices } from './context.js';
import { ProblemError } from './problems.js';
import { problemResponses, Timestamp } from './schemas.js';
import { problemFromFailure } from './problems.js';
import { isFailure } from '../core/index.js';
import type { Escrow } from '../escrow/index.js';
import { findCurrency, formatDecimal } from '../money/index.js';
import { assets } from '../web/index.js';
import { html, page, pageHeaders, type Raw } from '../web/index.js';
import { pickLang, type Lang } from '../web/index.js';
import { money } from './pages.js';

/**
 * The buyer's page of an escrow trade (`/escrow/{id}?token=…`, the trade's `buyer_url`): status
 * with a progress line, amount, shipping, the auto-confirm date, and the buyer's actions, which
 * its script (`client/buyer.ts`) sends to the public buyer API with the link token. The first load
 * moves the token into a cookie scoped to this trade's path and the script takes it out of the
 * address bar, so reloads and bookmarks do not carry the credential.
 */
export const buyerCookie = 'hutong_buyer';
const langCookie = 'hutong_lang';

export const buyerText = {
  en: {
    title: 'Your order',
    order: 'Order',
    paid: 'Paid',
    shipped: 'Shipped',
    completed: 'Completed',
    refunded: 'Refunded',
    carrier: 'Carrier',
    waybill: 'Waybill number',
    shippedAt: 'Shipped on',
    autoConfirm: 'Receipt confirmed automatically on',
    paused: 'Paused while your refund request is open; time left:',
    held: 'Held by Hutong',
    releasedToSeller: 'Paid to the seller',
    refundedToYou: 'Refunded to you',
    request: 'Your refund request',
    sellerRefused: 'The seller refused:',
    decision: 'Decision',
    confirm: 'I received the goods: pay the seller',
    confirmAsk: 'Confirm that you received the goods? Hutong then pays the seller; this cannot be undone.',
    askRefund: 'Ask for a refund',
    refundAmount: 'Amount (leave blank for all of it)',
    reason: 'Reason',
    note: 'Details for the seller (optional)',
    send: 'Send the refund request',
    withdraw: 'Withdraw my refund request',
    expired: 'This link is unknown or has expired. Ask the shop for a new one.',
    suspended: 'This shop is suspended: the order cannot be seen or changed here now. Contact Hutong about your payment.',
    pay: 'Pay',
    footer:
      'Hutong holds your payment and pays the seller only when you confirm receipt (or when the confirm period ends). Keep this page: it is your access to this order.',
    days: 'days',
    hours: 'hours',
    by: { buyer: 'you', seller: 'the seller', operator: 'Hutong', timer: 'automatically' } as Record<string, string>,
    reasons: { not_received: 'Goods not received', not_as_described: 'Not as described', other: 'Other' } as Record<string, string>,
    status: {
      awaiting_payment: 'Awaiting payment',
      held: 'Paid — waiting for the seller to ship',
      shipped: 'Shipped — on its way to you',
      refunding: 'Refund requested — waiting for the seller',
      disputed: 'In dispute — Hutong decides',
      completed: 'Completed',
      refunded: 'Refunded',
      closed: 'Closed',
    } as Record<string, string>,
    notes: {
      awaiting_payment: 'The shop has not received your payment yet. Pay with the payment link from the shop; an unpaid order closes on',
      held: 'Hutong holds your payment. The seller ships next; you will see the waybill here.',
      shipped:
        'When the goods arrive and are as described, confirm receipt and Hutong pays the seller. If something is wrong, ask for a refund before the date below.',
      refunding: 'The seller is asked to agree to your request. If the seller does not answer within 5 days, the refund is paid.',
      disputed: "The seller refused your request. Hutong's staff will look at both sides and decide.",
      completed: 'This order is complete: the money was paid to the seller.',
      refunded: 'Your money went back to how you paid.',
      closed: 'This order was closed without payment.',
    } as Record<string, string>,
  },
  zh: {
    title: '我的订单',
    order: '订单',
    paid: '已付款',
    shipped: '已发货',
    completed: '交易完成',
    refunded: '已退款',
    carrier: '快递公司',
    waybill: '运单号',
    shippedAt: '发货时间',
    autoConfirm: '自动确认收货时间',
    paused: '退款申请处理期间暂停计时，剩余：',
    held: '互通担保中',
    releasedToSeller: '已付给卖家',
    refundedToYou: '已退还给您',
    request: '您的退款申请',
    sellerRefused: '卖家拒绝理由：',
    decision: '处理结果',
    confirm: '确认收货（付款给卖家）',
    confirmAsk: '确认已收到货物？确认后互通将把货款付给卖家，且无法撤销。',
    askRefund: '申请退款',
    refundAmount: '退款金额（留空为全额）',
    reason: '退款原因',
    note: '补充说明（选填）',
    send: '提交退款申请',
    withdraw: '撤销退款申请',
    expired: '链接无效或已过期，请向商户索取新的链接。',
    suspended: '该商户已被暂停，此订单暂时无法查看或操作。如需了解您的付款，请联系互通。',
    pay: '付款',
    footer: '互通担保交易：您确认收货（或确认期届满）后，货款才会付给卖家。请保存本页面，它是您查看此订单的凭证。',
    days: '天',
    hours: '小时',
    by: { buyer: '您', seller: '卖家', operator: '互通', timer: '系统自动' } as Record<string, string>,
    reasons: { not_received: '未收到货', not_as_described: '货不对板', other: '其他' } as Record<string, string>,
    status: {
      awaiting_payment: '等待付款',
      held: '已付款，等待卖家发货',
      shipped: '卖家已发货',
      refunding: '退款申请中，等待卖家处理',
      disputed: '纠纷处理中，由互通裁决',
      completed: '交易完成',
      refunded: '已退款',
      closed: '交易关闭',
    } as Record<string, string>,
    notes: {
      awaiting_payment: '商户尚未收到您的付款，请使用商户提供的支付链接付款；未付款订单将于以下时间关闭：',
      held: '您的货款由互通担保保管。卖家发货后，运单号会显示在这里。',
      shipped: '收到货物且无问题后，请确认收货，互通随即付款给卖家。如有问题，请在以下日期前申请退款。',
      refunding: '已请卖家处理您的申请。卖家 5 天内未处理的，将自动退款。',
      disputed: '卖家拒绝了您的申请。互通工作人员将审查双方情况并裁决。',
      completed: '交易已完成，货款已付给卖家。',
      refunded: '货款已原路退回。',
      closed: '订单未付款，已关闭。',
    } as Record<string, string>,
  },
} as const;

/** UTC on the server; the page's script shows it in the viewer's own time zone, the zone named. */
const when = (iso: string | null | undefined) =>
  iso ? html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 16)} UTC</time>` : '';

function left(ms: number, lang: Lang): string {
  const t = buyerText[lang];
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor((ms % 86_400_000) / 3_600_000);
  return days > 0 ? `${days} ${t.days} ${hours} ${t.hours}` : `${hours} ${t.hours}`;
}

function langSwitch(lang: Lang): Raw {
  return html`<nav aria-label="Language">
    ${lang === 'en' ? html`<a href="?lang=zh" id="lang-zh" lang="zh-CN">中文</a>` : html`<a href="?lang=en" id="lang-en" lang="en">English</a>`}
  </nav>`;
}

function shell(lang: Lang, title: string, body: Raw): string {
  return page({ lang, title, body, scripts: [assets.buyer.path], stylesheet: assets.css.path });
}

export function buyerPage(input: { lang: Lang; token: string; trade: Escrow; merchantName: string }): string {
  const { lang, token, trade: e } = input;
  const t = buyerText[lang];
  const cur = e.amount.currency;
  const m = (minor: bigint) => money(minor, cur, lang);
  const paid = !['awaiting_payment', 'closed'].includes(e.status);
  const last = e.status === 'refunded' ? t.refunded : t.completed;
  const steps = [
    { label: t.paid, done: paid },
    { label: t.shipped, done: e.shipping !== null },
    { label: last, done: e.status === 'completed' || e.status === 'refunded' },
  ];
  const current = steps.findIndex((s) => !s.done);
  const request = e.refundRequest;
  const row = (label: string, value: string | Raw, id: string) =>
    html`<tr>
      <th>${label}</th>
      <td id="${id}">${value}</td>
    </tr>`;
  const body = html`<header class="bar"><span class="logo">Hutong 互通</span>${langSwitch(lang)}</header>
    <main
      id="buyer"
      class="panel"
      data-escrow="${e.id}"
      data-token="${token}"
      data-status="${e.status}"
      data-settling="${e.settlement !== null ? 'true' : ''}"
      data-currency="${cur}"
      data-exponent="${findCurrency(cur)?.exponent ?? 2}"
      data-held="${e.heldMinor.toString()}"
    >
      <section class="summary">
        <p class="merchant" id="merchant">${input.merchantName}</p>
        <p class="order">${t.order} <span id="order">${e.merchantOrderId}</span></p>
        ${e.description === null ? '' : html`<p class="muted" id="description">${e.description}</p>`}
        <p class="amount" id="amount">${m(e.amount.minor)}</p>
        <p><span class="status" id="status">${t.status[e.status] ?? e.status}</span></p>
      </section>
      <ol class="steps" id="progress">
        ${steps.map((s, i) => html`<li class="${s.done ? 'done' : i === current ? 'now' : ''}">${s.label}</li>`)}
      </ol>
      <p class="muted" id="note">
        ${t.notes[e.status] ?? ''}${e.status === 'awaiting_payment' ? html` <strong>${when(e.closeDueAt)}</strong>` : ''}
      </p>
      <table class="facts">
        <tbody>
          ${e.shipping === null ? '' : [row(t.carrier, e.shipping.carrier, 'carrier'), row(t.waybill, e.shipping.waybillNumber, 'waybill'), row(t.shippedAt, when(e.shipping.shippedAt), 'shipped-at')]}
          ${e.status === 'shipped' && e.confirmDueAt !== null ? row(t.autoConfirm, when(e.confirmDueAt), 'confirm-due') : ''}
          ${e.confirmRemainingMs !== null && (e.status === 'refunding' || e.status === 'disputed') ? row(t.paused, left(e.confirmRemainingMs, lang), 'confirm-paused') : ''}
          ${paid ? row(t.held, m(e.heldMinor), 'held') : ''}
          ${e.refundedMinor > 0n ? row(t.refundedToYou, m(e.refundedMinor), 'refunded') : ''}
          ${e.releasedMinor > 0n ? row(t.releasedToSeller, m(e.releasedMinor), 'released') : ''}
          ${request === null ? '' : row(t.request, `${m(request.amountMinor)} · ${t.reasons[request.reason] ?? request.reason}${request.note === null ? '' : ` · ${request.note}`}`, 'request')}
          ${e.dispute === null || e.resolution !== null ? '' : row(t.sellerRefused, e.dispute.sellerReason, 'seller-reason')}
          ${e.resolution === null ? '' : row(t.decision, `${t.by[e.resolution.by] ?? e.resolution.by}: ${t.refundedToYou} ${m(e.resolution.refundMinor)}, ${t.releasedToSeller} ${m(e.resolution.releaseMinor)}${e.resolution.note === null ? '' : ` · ${e.resolution.note}`}`, 'resolution')}
        </tbody>
      </table>
      <div id="message" class="msg" role="alert" hidden></div>
      ${e.status === 'awaiting_payment' ? html`<button type="button" class="primary" id="pay">${t.pay} ${m(e.amount.minor)}</button>` : ''}
      ${e.status === 'shipped' ? html`<button type="button" class="primary" id="confirm-receipt" data-ask="${t.confirmAsk}">${t.confirm}</button>` : ''}
      ${
        e.status === 'held' || e.status === 'shipped'
          ? html`<details id="refund">
              <summary>${t.askRefund}</summary>
              <form id="refund-form" novalidate>
                <label for="refund-amount">${t.refundAmount}</label
                ><input id="refund-amount" inputmode="decimal" placeholder="${formatDecimal({ minor: e.heldMinor, currency: cur })}" />
                <label for="refund-reason">${t.reason}</label
                ><select id="refund-reason">
                  ${Object.entries(t.reasons).map(([k, v]) => html`<option value="${k}">${v}</option>`)}
                </select>
                <label for="refund-note">${t.note}</label><input id="refund-note" maxlength="500" />
                <button type="submit" class="primary" id="send-refund">${t.send}</button>
              </form>
            </details>`
          : ''
      }
      ${e.status === 'refunding' ? html`<button type="button" class="primary" id="withdraw-refund">${t.withdraw}</button>` : ''}
      <p class="small">${t.footer}</p>
    </main>`;
  return shell(lang, `${t.title} ${e.merchantOrderId} · ${input.merchantName}`, body);
}

function expiredPage(lang: Lang, why: 'expired' | 'suspended' = 'expired'): string {
  return shell(
    lang,
    'Hutong',
    html`<header class="bar"><span class="logo">Hutong 互通</span>${langSwitch(lang)}</header>
      <main class="panel"><p id="${why}" class="msg">${buyerText[lang][why]}</p></main>`,
  );
}

/** The page's URL carries the token only on the first load: the log line shows it redacted. */
const logSerializers = {
  req: (req: FastifyRequest) => ({
    method: req.method,
    url: req.url.replace(/([?&]token=)[^&]*/g, '$1[redacted]'),
    host: req.host,
    remoteAddress: req.ip,
  }),
};

export function registerBuyerPages(fastify: FastifyInstance, services: ApiServices): void {
  const { escrow, parties, clock, web } = services;

  // The buyer pays an unpaid trade at the hosted cashier: a checkout session for the trade's payment.
  fastify.post(
    '/v1/buyer/escrows/:id/checkout_session',
    {
      logSerializers,
      schema: {
        tags: ['escrows (buyer)'],
        summary: "A hosted cashier link for the unpaid trade's payment (buyer link token in Hutong-Buyer-Token)",
        params: Type.Object({ id: Type.String({ maxLength: 40 }) }),
        response: {
          201: Type.Object({ url: Type.String(), expires_at: Timestamp }),
          403: Type.Ref('Problem'),
          409: Type.Ref('Problem'),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      // The answer carries a bearer token: never replay it from the idempotency store.
      request.idempotency = undefined;
      const header = request.headers['hutong-buyer-token'];
      if (typeof header !== 'string' || header === '')
        throw new ProblemError('escrow_buyer_token_invalid', "send the buyer link's token in the Hutong-Buyer-Token header");
      const trade = await escrow.get({ kind: 'buyer', token: header }, (request.params as { id: string }).id);
      if (isFailure(trade)) throw problemFromFailure(trade);
      if (trade.status !== 'awaiting_payment')
        throw new ProblemError('escrow_state_invalid', `the trade is ${trade.status}: there is nothing to pay`);
      // After paying, the cashier leads back to this trade's buyer page (its cookie is on that path).
      const made = await web.createCheckoutSession(trade.merchantId, trade.paymentId, undefined, {
        returnUrl: `/escrow/${encodeURIComponent(trade.id)}`,
      });
      if (isFailure(made)) throw problemFromFailure(made);
      return reply.code(201).send({ url: web.checkoutUrl(made.token), expires_at: made.session.expiresAt });
    },
  );

  fastify.get('/escrow/:id', { logSerializers, schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const query = request.query as { token?: string; lang?: string };
    const lang = pickLang(query.lang, cookieOf(request, langCookie), request.headers['accept-language']);
    const cookies: string[] =
      query.lang === 'en' || query.lang === 'zh' ? [`${langCookie}=${query.lang}; Path=/; SameSite=Lax; Max-Age=31536000`] : [];
    const { id } = request.params as { id: string };
    const token = query.token ?? cookieOf(request, buyerCookie);
    const trade = token === undefined || token === '' ? undefined : await escrow.get({ kind: 'buyer', token }, id);
    const merchant = trade === undefined || isFailure(trade) ? undefined : await parties.getMerchant(trade.merchantId);
    if (token === undefined || trade === undefined || isFailure(trade) || merchant === undefined) {
      if (cookies.length > 0) reply.header('set-cookie', cookies);
      const suspended = trade !== undefined && isFailure(trade) && trade.failure === 'merchant_suspended';
      return reply
        .code(suspended ? 403 : 404)
        .headers(pageHeaders)
        .send(expiredPage(lang, suspended ? 'suspended' : 'expired'));
    }
    if (query.token !== undefined) {
      // Kept for this trade's path only, until the link itself expires.
      const secure = request.protocol === 'https' ? '; Secure' : '';
      const maxAge = Math.max(0, Number(token.split('.')[0]) - Math.floor(clock.now().getTime() / 1000));
      cookies.push(`${buyerCookie}=${token}; Path=/escrow/${encodeURIComponent(id)}; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`);
    }
    if (cookies.length > 0) reply.header('set-cookie', cookies);
    return reply
      .code(200)
      .headers(pageHeaders)
      .send(buyerPage({ lang, token, trade, merchantName: merchant.name }));
  });
}
