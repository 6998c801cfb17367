import { formatDateTime, formatRate } from './format.js';
import { $, fmt, idempotencyKey, lang, maybe, type Problem } from './ui.js';

/**
 * The hosted cashier (/checkout/{token}). It talks to the public API with the checkout session's
 * token, which may only read and confirm this one payment. Card data goes from this page to Hutong
 * in a JSON body, never into a URL.
 *
 * FX (docs/fx.md, docs/web.md): when the card's first 6 digits give a billing currency other than
 * the payment's, the page shows the price in it (GET presentment_options, a quote fetched again
 * before it expires) and the choice of currency; paying in the card's currency first switches the
 * payment to the quote (POST presentment), and an expired quote is fetched again.
 */
const words = {
  en: {
    required: 'Required',
    number: 'This card number is not valid',
    brand: 'This card brand is not accepted',
    expiry: 'The expiry date is not valid or has passed',
    cvc: 'The security code is not valid',
    declined: 'Your card was declined. Please try another card.',
    redirecting: 'Taking you to your bank to confirm…',
    paid: 'Paid. Thank you!',
    failed: 'The payment failed.',
    canceled: 'The payment was canceled.',
    expiredLink: 'This payment link has expired. Ask the shop for a new one.',
    network: 'Network error; please try again.',
    waiting: 'Waiting for the payment…',
    threeDsFailed: 'Your bank could not confirm it was you. Try again or use another card.',
    processing: 'Processing…',
    funds: 'The wallet balance is too low.',
    pay: 'Pay',
    payIn: 'Pay in {c}: {a}',
    rate: 'Rate: 1 {c} = {r} {b} · this price holds until {t}',
    requote: 'The exchange rate was updated. Check the price and press Pay again.',
  },
  zh: {
    required: '请填写',
    number: '卡号无效，请检查',
    brand: '暂不支持此卡组织',
    expiry: '有效期无效或已过期',
    cvc: '安全码无效',
    declined: '您的卡被拒绝了。请换一张卡再试。',
    redirecting: '正在跳转到发卡行验证…',
    paid: '支付成功，谢谢！',
    failed: '支付失败。',
    canceled: '支付已取消。',
    expiredLink: '支付链接已过期，请向商户索取新的链接。',
    network: '网络错误，请重试。',
    waiting: '等待支付结果…',
    threeDsFailed: '发卡行验证未通过，请重试或换一张卡。',
    processing: '处理中…',
    funds: '钱包余额不足。',
    pay: '支付',
    payIn: '以 {c} 支付：{a}',
    rate: '汇率：1 {c} = {r} {b} · 此价格有效至 {t}',
    requote: '汇率已更新，请确认金额后再次支付。',
  },
} as const satisfies Record<'en' | 'zh', Record<string, string>>;
const T = words[lang];
const fill = (text: string, vars: Record<string, string>) => text.replace(/\{(\w)\}/g, (_, k: string) => vars[k] ?? '');

interface ShopperPayment {
  id: string;
  status: string;
  amount: number;
  currency: string;
  updated_at?: string;
  buyer_url?: string;
  payment_method?: { type: string } | null;
  next_action?: { url: string } | null;
  last_error?: { code: string; message: string } | null;
}
interface Quote {
  id: string;
  sell_currency: string;
  sell_amount: number;
  buy_currency: string;
  rate: string;
  expires_at: string;
  created_at: string;
}
interface CardBody {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc: string;
  holder_name?: string;
}
type Method = { type: 'card'; card: CardBody } | { type: 'wallet'; customer: string } | { type: 'external_wallet'; wallet: string };
interface Answer<B> {
  ok: boolean;
  status: number;
  body: B;
}

const root = maybe('cashier');
if (root !== null) start(root);

function start(root: HTMLElement): void {
  const token = root.dataset.token ?? '';
  const paymentId = root.dataset.payment ?? '';
  const returnUrl = root.dataset.returnUrl ?? '';
  // A session's own way back (an escrow buyer's order page, same site): shown as a link once paid.
  let orderUrl = root.dataset.orderUrl ?? '';
  const customer = root.dataset.customer ?? '';
  const message = $('message');

  function say(text: string, ok = false): void {
    message.textContent = text;
    message.className = ok ? 'msg ok' : 'msg';
    message.hidden = !text;
  }

  async function api<B>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer<B>> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['idempotency-key'] = idempotencyKey();
    }
    const res = await fetch(`/v1/payments/${encodeURIComponent(paymentId)}${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'omit',
    });
    return { ok: res.ok, status: res.status, body: (await res.json()) as B };
  }

  // Brand detection as the shopper types: prefix, lengths, security code length, Luhn.
  interface Brand {
    id: string;
    label: string;
    re: RegExp;
    lengths: readonly number[];
    cvc: number;
    luhn: boolean;
  }
  const brands: readonly Brand[] = [
    { id: 'american-express', label: 'AMEX', re: /^3[47]/, lengths: [15], cvc: 4, luhn: true },
    { id: 'diners-club', label: 'DINERS', re: /^3(?:0[0-5]|[689])/, lengths: [14, 16, 19], cvc: 3, luhn: true },
    { id: 'jcb', label: 'JCB', re: /^35(?:2[89]|[3-8])/, lengths: [16, 17, 18, 19], cvc: 3, luhn: true },
    { id: 'unionpay', label: 'UnionPay', re: /^62/, lengths: [14, 15, 16, 17, 18, 19], cvc: 3, luhn: false },
    { id: 'mastercard', label: 'Mastercard', re: /^(?:5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720))/, lengths: [16], cvc: 3, luhn: true },
    { id: 'discover', label: 'Discover', re: /^(?:6011|64[4-9]|65)/, lengths: [16, 19], cvc: 3, luhn: true },
    { id: 'visa', label: 'VISA', re: /^4/, lengths: [13, 16, 18, 19], cvc: 3, luhn: true },
  ];
  const brandOf = (digits: string): Brand | undefined => brands.find((b) => b.re.test(digits));
  function luhn(digits: string): boolean {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    return sum % 10 === 0;
  }
  const digitsOf = (value: string) => value.replace(/\D/g, '');

  const number = maybe<HTMLInputElement>('card-number');
  const expiry = maybe<HTMLInputElement>('card-expiry');
  const cvc = maybe<HTMLInputElement>('card-cvc');
  const holder = maybe<HTMLInputElement>('card-name');
  const badge = maybe('card-brand');

  function fieldError(el: HTMLInputElement, text: string): boolean {
    const out = maybe(`${el.id}-error`);
    if (out !== null) out.textContent = text;
    if (text) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
    return !text;
  }

  if (number !== null && expiry !== null && cvc !== null && badge !== null) {
    number.addEventListener('input', () => {
      const digits = digitsOf(number.value).slice(0, 19);
      const brand = brandOf(digits);
      const groups = brand?.id === 'american-express' ? [4, 6, 5] : [4, 4, 4, 4, 3];
      const out: string[] = [];
      let at = 0;
      for (const g of groups) {
        if (at >= digits.length) break;
        out.push(digits.slice(at, at + g));
        at += g;
      }
      number.value = out.join(' ');
      badge.textContent = brand?.label ?? '';
      root.setAttribute('data-brand', brand?.id ?? '');
      fetchOffer(digits.slice(0, 6));
      fieldError(number, '');
    });
    expiry.addEventListener('input', () => {
      const d = digitsOf(expiry.value).slice(0, 4);
      expiry.value = d.length > 2 ? `${d.slice(0, 2)}/${d.slice(2)}` : d;
      fieldError(expiry, '');
    });
    cvc.addEventListener('input', () => {
      cvc.value = digitsOf(cvc.value).slice(0, 4);
      fieldError(cvc, '');
    });
  }

  function validate(): CardBody | null {
    if (number === null || expiry === null || cvc === null) return null;
    const digits = digitsOf(number.value);
    const brand = brandOf(digits);
    let ok = true;
    if (!digits) ok = fieldError(number, T.required) && ok;
    else if (brand === undefined) ok = fieldError(number, T.brand) && ok;
    else if (!brand.lengths.includes(digits.length) || (brand.luhn && !luhn(digits))) ok = fieldError(number, T.number) && ok;
    const m = /^(\d{2})\/(\d{2})$/.exec(expiry.value);
    const month = m ? Number(m[1]) : 0;
    const year = m ? 2000 + Number(m[2]) : 0;
    const now = new Date();
    if (!m || month < 1 || month > 12 || year * 12 + month < now.getFullYear() * 12 + now.getMonth() + 1)
      ok = fieldError(expiry, T.expiry) && ok;
    if (!new RegExp(`^\\d{${brand?.cvc ?? 3}}$`).test(cvc.value)) ok = fieldError(cvc, T.cvc) && ok;
    if (!ok) return null;
    const card: CardBody = { number: digits, exp_month: month, exp_year: year, cvc: cvc.value };
    const name = holder?.value.trim() ?? '';
    if (name) card.holder_name = name;
    return card;
  }

  function busy(on: boolean): void {
    for (const b of document.querySelectorAll<HTMLButtonElement>('#methods button')) b.disabled = on;
  }

  function problemText(problem: Problem | undefined): string {
    if (problem?.code === undefined) return T.network;
    switch (problem.code) {
      case 'card_declined':
        return T.declined + (problem.detail ? ` (${problem.detail})` : '');
      case 'checkout_session_not_found':
        return T.expiredLink;
      case 'insufficient_funds':
        return T.funds;
      case 'card_expired':
      case 'expiry_invalid':
        return T.expiry;
      case 'card_number_invalid':
        return T.number;
      case 'card_brand_unsupported':
      case 'currency_not_supported_by_channel':
        return T.brand;
      case 'security_code_invalid':
        return T.cvc;
      default:
        return problem.detail ?? problem.title ?? T.failed;
    }
  }

  async function confirm(method: Method): Promise<void> {
    if (fx.on) {
      fx.on = false;
      offer(null);
    }
    busy(true);
    say(T.processing, true);
    try {
      const res = await api<ShopperPayment & Problem>('POST', '/confirm', { payment_method: method });
      busy(false);
      if (res.ok) return handle(res.body);
      say(problemText(res.body));
      if (res.body.code === 'card_declined' && number !== null && cvc !== null && badge !== null) {
        number.value = '';
        cvc.value = '';
        badge.textContent = '';
        number.focus();
      }
    } catch {
      busy(false);
      say(T.network);
    }
  }

  let polling: ReturnType<typeof setTimeout> | undefined;
  function poll(): void {
    clearTimeout(polling);
    polling = setTimeout(() => {
      api<ShopperPayment & Problem>('GET', '').then((res) => {
        if (!res.ok) return say(problemText(res.body));
        const p = res.body;
        if (p.status === 'requires_action' || p.status === 'processing') poll();
        else handle(p);
      }, poll);
    }, 1500);
  }

  function finish(p: ShopperPayment): void {
    // An escrow buyer's own link (only in the answer to this browser's confirm): the way to the trade.
    if (p.buyer_url) orderUrl = p.buyer_url;
    $('methods').hidden = true;
    say(T.paid, true);
    root.setAttribute('data-status', p.status);
    const link = $<HTMLAnchorElement>('return-link');
    if (orderUrl) {
      link.href = orderUrl;
      link.hidden = false;
    } else if (returnUrl) {
      const back = new URL(returnUrl);
      back.searchParams.set('payment_id', p.id);
      back.searchParams.set('status', p.status);
      link.href = back.toString();
      link.hidden = false;
      setTimeout(() => location.assign(back.toString()), 1200);
    }
  }

  function handle(p: ShopperPayment): void {
    root.setAttribute('data-status', p.status);
    if (p.status === 'succeeded' || p.status === 'requires_capture') return finish(p);
    if (p.status === 'requires_action' && p.next_action) {
      if (p.payment_method?.type === 'external_wallet') return showQr(p, p.next_action.url);
      say(T.redirecting, true);
      return location.assign(p.next_action.url);
    }
    if (p.status === 'processing') {
      say(T.processing, true);
      return poll();
    }
    if (p.status === 'canceled' || p.status === 'failed') {
      $('methods').hidden = true;
      return say(p.status === 'canceled' ? T.canceled : T.failed);
    }
    const e = p.last_error;
    if (e) say(e.code === 'three_ds_failed' ? T.threeDsFailed : e.code === 'card_declined' ? T.declined : e.message);
  }

  function showQr(p: ShopperPayment, walletUrl: string): void {
    select('external');
    $('qr').hidden = false;
    $<HTMLImageElement>('qr-image').src = `/checkout/${encodeURIComponent(token)}/qr.svg?at=${encodeURIComponent(p.updated_at ?? '')}`;
    $<HTMLAnchorElement>('wallet-link').href = walletUrl;
    say('', true);
    $('qr-status').textContent = T.waiting;
    poll();
  }

  const tabs = [...document.querySelectorAll<HTMLButtonElement>('.tabs button')];
  function select(name: string): void {
    for (const tab of tabs) {
      const on = tab.dataset.panel === name;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.tabIndex = on ? 0 : -1;
      const panel = maybe(`${tab.dataset.panel ?? ''}-panel`);
      if (panel !== null) panel.hidden = !on;
    }
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab.dataset.panel ?? ''));
    // Arrow keys move between the tabs (WAI-ARIA tabs pattern).
    tab.addEventListener('keydown', (e) => {
      const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (step === 0) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      if (next === undefined) return;
      select(next.dataset.panel ?? '');
      next.focus();
    });
  });

  // FX: the price in the card's currency, and the choice (docs/web.md).
  const fx: { on: boolean; bin: string; q: Quote | null; t: ReturnType<typeof setTimeout> | undefined } = {
    on: root.dataset.fxOffer === '1',
    bin: '',
    q: null,
    t: undefined,
  };
  const conv = maybe('converted-price');
  const fxBox = maybe('fx-choice');
  const payButton = maybe<HTMLButtonElement>('pay-card');
  let payText = payButton?.textContent ?? '';
  const shopperChoice = () => maybe<HTMLInputElement>('fx-shopper')?.checked === true;
  function payLabel(): void {
    if (payButton !== null)
      payButton.textContent = fx.q && shopperChoice() ? `${T.pay} ${fmt(fx.q.sell_amount, fx.q.sell_currency)}` : payText;
  }
  function offer(q: Quote | null, price?: { amount: number; currency: string }): void {
    fx.q = q;
    clearTimeout(fx.t);
    if (conv !== null) conv.hidden = !q;
    if (fxBox !== null) fxBox.hidden = !q;
    payLabel();
    if (!q || conv === null || price === undefined) return;
    const c = q.sell_currency;
    const sell = fmt(q.sell_amount, c);
    conv.textContent = `≈ ${sell} · ${fill(T.rate, { c, r: formatRate(q.rate, lang), b: q.buy_currency, t: formatDateTime(q.expires_at, lang) })}`;
    conv.setAttribute('data-quote', q.id);
    $('fx-shopper-label').textContent = fill(T.payIn, { c, a: sell });
    $('fx-merchant-label').textContent = fill(T.payIn, { c: price.currency, a: fmt(price.amount, price.currency) });
    fx.t = setTimeout(() => fetchOffer(fx.bin, true), Math.max(1000, Date.parse(q.expires_at) - Date.parse(q.created_at) - 2000));
  }
  function fetchOffer(bin: string, again = false): void {
    if (!fx.on || (bin === fx.bin && !again)) return;
    fx.bin = bin;
    if (bin.length < 6) return offer(null);
    api<{ offer: Quote | null; payment: { amount: number; currency: string } }>('GET', `/presentment_options?bin=${bin}`).then(
      (res) => {
        if (fx.on && fx.bin === bin) offer(res.ok ? res.body.offer : null, res.body.payment);
      },
      () => undefined,
    );
  }
  fxBox?.addEventListener('change', payLabel);

  maybe('card-panel')?.addEventListener('submit', (e) => {
    e.preventDefault();
    const card = validate();
    if (card === null) return say('');
    const quote = fx.q;
    if (quote === null || !shopperChoice()) return void confirm({ type: 'card', card });
    busy(true);
    api<{ amount: number; currency: string } & Problem>('POST', '/presentment', { quote: quote.id }).then(
      (res) => {
        busy(false);
        if (res.ok) {
          $('amount').textContent = fmt(res.body.amount, res.body.currency);
          payText = `${T.pay} ${$('amount').textContent ?? ''}`;
          return void confirm({ type: 'card', card });
        }
        if (res.body.code === 'fx_quote_expired') {
          fetchOffer(fx.bin, true);
          return say(T.requote);
        }
        say(problemText(res.body));
      },
      () => {
        busy(false);
        say(T.network);
      },
    );
  });
  maybe('pay-wallet')?.addEventListener('click', () => void confirm({ type: 'wallet', customer }));
  for (const b of document.querySelectorAll<HTMLElement>('[data-wallet]'))
    b.addEventListener('click', () => void confirm({ type: 'external_wallet', wallet: b.dataset.wallet ?? '' }));

  // Resume: the page may open on a payment that is already waiting, paid, or declined.
  const status = root.dataset.status ?? '';
  if (status && status !== 'requires_payment_method')
    void api<ShopperPayment>('GET', '').then((res) => {
      if (res.ok) handle(res.body);
    });
  else if (root.dataset.lastError)
    handle({ id: paymentId, amount: 0, currency: '', status, last_error: { code: root.dataset.lastError, message: '' } });
}
