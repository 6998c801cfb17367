/**
 * The cashier's script (served as /assets/cashier.<hash>.js; no inline script anywhere). It talks
 * to the public API with the checkout session's token, which may only read and confirm this one
 * payment. Card data goes from this page to Hutong in a JSON body, never into a URL.
 *
 * FX (docs/fx.md, docs/web.md): when the card's first 6 digits give a billing currency other than
 * the payment's, the page shows the price in it (GET presentment_options, a quote fetched again
 * before it expires) and the choice of currency; paying in the card's currency first switches the
 * payment to the quote (POST presentment), and an expired quote is fetched again.
 */
export const cashierJs = String.raw`(function () {
'use strict';
var root = document.getElementById('cashier');
if (!root) return;
var token = root.getAttribute('data-token');
var paymentId = root.getAttribute('data-payment');
var returnUrl = root.getAttribute('data-return-url') || '';
// A session's own way back (an escrow buyer's order page, same site): shown as a link once paid.
var orderUrl = root.getAttribute('data-order-url') || '';
var customer = root.getAttribute('data-customer') || '';
var zh = document.documentElement.lang.indexOf('zh') === 0;
var T = zh ? {
  required: '请填写', number: '卡号无效，请检查', brand: '暂不支持此卡组织', expiry: '有效期无效或已过期', cvc: '安全码无效',
  declined: '您的卡被拒绝了。请换一张卡再试。', redirecting: '正在跳转到发卡行验证…', paid: '支付成功，谢谢！', failed: '支付失败。',
  canceled: '支付已取消。', expiredLink: '支付链接已过期，请向商户索取新的链接。', network: '网络错误，请重试。', waiting: '等待支付结果…', back: '返回商户',
  threeDsFailed: '发卡行验证未通过，请重试或换一张卡。', processing: '处理中…', funds: '钱包余额不足。',
  pay: '支付', payIn: '以 %c 支付：%a', rate: '（汇率 %r，报价有效至 %t）', requote: '汇率已更新，请确认金额后再次支付。'
} : {
  required: 'Required', number: 'This card number is not valid', brand: 'This card brand is not accepted', expiry: 'The expiry date is not valid or has passed', cvc: 'The security code is not valid',
  declined: 'Your card was declined. Please try another card.', redirecting: 'Taking you to your bank to confirm…', paid: 'Paid. Thank you!', failed: 'The payment failed.',
  canceled: 'The payment was canceled.', expiredLink: 'This payment link has expired. Ask the shop for a new one.', network: 'Network error; please try again.', waiting: 'Waiting for the payment…', back: 'Back to the shop',
  threeDsFailed: 'Your bank could not confirm it was you. Try again or use another card.', processing: 'Processing…', funds: 'The wallet balance is too low.',
  pay: 'Pay', payIn: 'Pay in %c: %a', rate: ' (rate %r, quote valid until %t)', requote: 'The exchange rate was updated. Check the price and press Pay again.'
};
var $ = function (id) { return document.getElementById(id); };
var message = $('message');

function say(text, ok) {
  message.textContent = text;
  message.className = ok ? 'msg ok' : 'msg';
  message.hidden = !text;
}

function idempotencyKey() {
  var b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
}

function api(method, path, body) {
  var headers = { authorization: 'Bearer ' + token, accept: 'application/json' };
  if (body !== undefined) { headers['content-type'] = 'application/json'; headers['idempotency-key'] = idempotencyKey(); }
  return fetch('/v1/payments/' + encodeURIComponent(paymentId) + path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' })
    .then(function (res) { return res.json().then(function (json) { return { ok: res.ok, status: res.status, body: json }; }); });
}

// Brand detection as the shopper types: prefix, lengths, security code length, Luhn.
var brands = [
  { id: 'american-express', label: 'AMEX', re: /^3[47]/, lengths: [15], cvc: 4, luhn: true },
  { id: 'diners-club', label: 'DINERS', re: /^3(?:0[0-5]|[689])/, lengths: [14, 16, 19], cvc: 3, luhn: true },
  { id: 'jcb', label: 'JCB', re: /^35(?:2[89]|[3-8])/, lengths: [16, 17, 18, 19], cvc: 3, luhn: true },
  { id: 'unionpay', label: 'UnionPay', re: /^62/, lengths: [14, 15, 16, 17, 18, 19], cvc: 3, luhn: false },
  { id: 'mastercard', label: 'Mastercard', re: /^(?:5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720))/, lengths: [16], cvc: 3, luhn: true },
  { id: 'discover', label: 'Discover', re: /^(?:6011|64[4-9]|65)/, lengths: [16, 19], cvc: 3, luhn: true },
  { id: 'visa', label: 'VISA', re: /^4/, lengths: [13, 16, 18, 19], cvc: 3, luhn: true }
];
function brandOf(digits) {
  for (var i = 0; i < brands.length; i++) if (brands[i].re.test(digits)) return brands[i];
  return null;
}
function luhn(digits) {
  var sum = 0;
  for (var i = 0; i < digits.length; i++) {
    var d = +digits[digits.length - 1 - i];
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return sum % 10 === 0;
}

var number = $('card-number'), expiry = $('card-expiry'), cvc = $('card-cvc'), holder = $('card-name'), badge = $('card-brand');
function digitsOf(value) { return value.replace(/\D/g, ''); }
if (number) {
  number.addEventListener('input', function () {
    var digits = digitsOf(number.value).slice(0, 19);
    var brand = brandOf(digits);
    var groups = brand && brand.id === 'american-express' ? [4, 6, 5] : [4, 4, 4, 4, 3];
    var out = [], at = 0;
    for (var g = 0; g < groups.length && at < digits.length; g++) { out.push(digits.slice(at, at + groups[g])); at += groups[g]; }
    number.value = out.join(' ');
    badge.textContent = brand ? brand.label : '';
    root.setAttribute('data-brand', brand ? brand.id : '');
    document.dispatchEvent(new CustomEvent('hutong:card-brand', { detail: { brand: brand ? brand.id : null, bin: digits.slice(0, 6) } }));
    fieldError(number, '');
  });
  expiry.addEventListener('input', function () {
    var d = digitsOf(expiry.value).slice(0, 4);
    expiry.value = d.length > 2 ? d.slice(0, 2) + '/' + d.slice(2) : d;
    fieldError(expiry, '');
  });
  cvc.addEventListener('input', function () { cvc.value = digitsOf(cvc.value).slice(0, 4); fieldError(cvc, ''); });
}

function fieldError(input, text) {
  var el = $(input.id + '-error');
  if (el) el.textContent = text;
  if (text) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  return !text;
}

function validate() {
  var digits = digitsOf(number.value);
  var brand = brandOf(digits);
  var ok = true;
  if (!digits) ok = fieldError(number, T.required) && ok;
  else if (!brand) ok = fieldError(number, T.brand) && ok;
  else if (brand.lengths.indexOf(digits.length) < 0 || (brand.luhn && !luhn(digits))) ok = fieldError(number, T.number) && ok;
  var m = /^(\d{2})\/(\d{2})$/.exec(expiry.value);
  var month = m ? +m[1] : 0, year = m ? 2000 + +m[2] : 0;
  var now = new Date();
  if (!m || month < 1 || month > 12 || year * 12 + month < now.getFullYear() * 12 + now.getMonth() + 1) ok = fieldError(expiry, T.expiry) && ok;
  if (!new RegExp('^\\d{' + (brand ? brand.cvc : 3) + '}$').test(cvc.value)) ok = fieldError(cvc, T.cvc) && ok;
  return ok ? { number: digits, exp_month: month, exp_year: year, cvc: cvc.value, holder: holder.value.trim() } : null;
}

function busy(on) {
  var buttons = document.querySelectorAll('#methods button');
  for (var i = 0; i < buttons.length; i++) buttons[i].disabled = on;
}

function problemText(problem) {
  if (!problem || !problem.code) return T.network;
  if (problem.code === 'card_declined') return T.declined + (problem.detail ? ' (' + problem.detail + ')' : '');
  if (problem.code === 'checkout_session_not_found') return T.expiredLink;
  if (problem.code === 'insufficient_funds') return T.funds;
  if (problem.code === 'card_expired' || problem.code === 'expiry_invalid') return T.expiry;
  if (problem.code === 'card_number_invalid') return T.number;
  if (problem.code === 'card_brand_unsupported' || problem.code === 'currency_not_supported_by_channel') return T.brand;
  if (problem.code === 'security_code_invalid') return T.cvc;
  return problem.detail || problem.title || T.failed;
}

function confirm(method) {
  if (fx.on) { fx.on = false; offer(null); }
  busy(true);
  say(T.processing, true);
  return api('POST', '/confirm', { payment_method: method }).then(function (res) {
    busy(false);
    if (res.ok) return handle(res.body);
    say(problemText(res.body));
    if (res.body && res.body.code === 'card_declined' && number) { number.value = ''; cvc.value = ''; badge.textContent = ''; number.focus(); }
  }, function () { busy(false); say(T.network); });
}

var polling = null;
function poll() {
  clearTimeout(polling);
  polling = setTimeout(function () {
    api('GET', '').then(function (res) {
      if (!res.ok) { say(problemText(res.body)); return; }
      var p = res.body;
      if (p.status === 'requires_action' || p.status === 'processing') poll(); else handle(p);
    }, poll);
  }, 1500);
}

function finish(p) {
  // An escrow buyer's own link (only in the answer to this browser's confirm): the way to the trade.
  if (p.buyer_url) orderUrl = p.buyer_url;
  $('methods').hidden = true;
  say(T.paid, true);
  root.setAttribute('data-status', p.status);
  if (orderUrl) {
    $('return-link').href = orderUrl;
    $('return-link').hidden = false;
  } else if (returnUrl) {
    var back = new URL(returnUrl);
    back.searchParams.set('payment_id', p.id);
    back.searchParams.set('status', p.status);
    var link = $('return-link');
    link.href = back.toString();
    link.hidden = false;
    setTimeout(function () { location.assign(back.toString()); }, 1200);
  }
}

function handle(p) {
  root.setAttribute('data-status', p.status);
  if (p.status === 'succeeded' || p.status === 'requires_capture') return finish(p);
  if (p.status === 'requires_action' && p.next_action) {
    if (p.payment_method && p.payment_method.type === 'external_wallet') return showQr(p);
    say(T.redirecting, true);
    return location.assign(p.next_action.url);
  }
  if (p.status === 'processing') { say(T.processing, true); return poll(); }
  if (p.status === 'canceled') { $('methods').hidden = true; return say(T.canceled); }
  if (p.status === 'failed') { $('methods').hidden = true; return say(T.failed); }
  if (p.last_error) say(p.last_error.code === 'three_ds_failed' ? T.threeDsFailed : p.last_error.code === 'card_declined' ? T.declined : p.last_error.message);
}

function showQr(p) {
  select('external');
  $('qr').hidden = false;
  $('qr-image').src = '/checkout/' + encodeURIComponent(token) + '/qr.svg?at=' + encodeURIComponent(p.updated_at);
  $('wallet-link').href = p.next_action.url;
  say('', true);
  $('qr-status').textContent = T.waiting;
  poll();
}

function select(name) {
  var tabs = document.querySelectorAll('.tabs button');
  for (var i = 0; i < tabs.length; i++) {
    var on = tabs[i].getAttribute('data-panel') === name;
    tabs[i].setAttribute('aria-selected', on ? 'true' : 'false');
    var panel = $(tabs[i].getAttribute('data-panel') + '-panel');
    if (panel) panel.hidden = !on;
  }
}
var tabButtons = document.querySelectorAll('.tabs button');
for (var i = 0; i < tabButtons.length; i++) tabButtons[i].addEventListener('click', function (e) { select(e.currentTarget.getAttribute('data-panel')); });

// FX: the price in the card's currency, and the choice (docs/web.md).
var fx = { on: root.getAttribute('data-fx-offer') === '1', bin: '', q: null, t: 0 };
var conv = $('converted-price'), fxBox = $('fx-choice'), payButton = $('pay-card'), payText = payButton ? payButton.textContent : '';
function amt(minor, c) {
  var d = new Intl.NumberFormat('en', { style: 'currency', currency: c }).resolvedOptions().maximumFractionDigits, s = String(minor);
  while (s.length <= d) s = '0' + s;
  return c + ' ' + (d ? s.slice(0, -d) + '.' + s.slice(-d) : s);
}
function payLabel() { payButton.textContent = fx.q && $('fx-shopper').checked ? T.pay + ' ' + amt(fx.q.sell_amount, fx.q.sell_currency) : payText; }
function offer(q, price) {
  fx.q = q;
  clearTimeout(fx.t);
  conv.hidden = fxBox.hidden = !q;
  payLabel();
  if (!q) return;
  var c = q.sell_currency, sell = amt(q.sell_amount, c), until = new Date(q.expires_at).toLocaleTimeString(zh ? 'zh-CN' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
  conv.textContent = '≈ ' + sell + T.rate.replace('%r', '1 ' + c + ' = ' + q.rate.replace(/\.?0+$/, '') + ' ' + q.buy_currency).replace('%t', until);
  conv.setAttribute('data-quote', q.id);
  $('fx-shopper-label').textContent = T.payIn.replace('%c', c).replace('%a', sell);
  $('fx-merchant-label').textContent = T.payIn.replace('%c', price.currency).replace('%a', amt(price.amount, price.currency));
  fx.t = setTimeout(function () { fetchOffer(fx.bin, 1); }, Math.max(1000, Date.parse(q.expires_at) - Date.parse(q.created_at) - 2000));
}
function fetchOffer(bin, again) {
  if (!fx.on || (bin === fx.bin && !again)) return;
  fx.bin = bin;
  if (bin.length < 6) return offer(null);
  api('GET', '/presentment_options?bin=' + bin).then(function (res) { if (fx.on && fx.bin === bin) offer(res.ok ? res.body.offer : null, res.body.payment); }, function () {});
}
document.addEventListener('hutong:card-brand', function (e) { fetchOffer(e.detail.bin); });
if (fxBox) fxBox.addEventListener('change', payLabel);

var form = $('card-panel');
if (form) form.addEventListener('submit', function (e) {
  e.preventDefault();
  var card = validate();
  if (!card) { say(''); return; }
  var body = { number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc };
  if (card.holder) body.holder_name = card.holder;
  if (!fx.q || !$('fx-shopper').checked) return confirm({ type: 'card', card: body });
  busy(true);
  api('POST', '/presentment', { quote: fx.q.id }).then(function (res) {
    busy(false);
    if (res.ok) {
      $('amount').textContent = amt(res.body.amount, res.body.currency);
      payText = T.pay + ' ' + $('amount').textContent;
      return confirm({ type: 'card', card: body });
    }
    if (res.body && res.body.code === 'fx_quote_expired') { fetchOffer(fx.bin, 1); return say(T.requote); }
    say(problemText(res.body));
  }, function () { busy(false); say(T.network); });
});
var walletButton = $('pay-wallet');
if (walletButton) walletButton.addEventListener('click', function () { confirm({ type: 'wallet', customer: customer }); });
var externals = document.querySelectorAll('[data-wallet]');
for (var j = 0; j < externals.length; j++) externals[j].addEventListener('click', function (e) { confirm({ type: 'external_wallet', wallet: e.currentTarget.getAttribute('data-wallet') }); });

// Resume: the page may open on a payment that is already waiting, paid, or declined.
var status = root.getAttribute('data-status');
if (status && status !== 'requires_payment_method') api('GET', '').then(function (res) { if (res.ok) handle(res.body); });
else if (root.getAttribute('data-last-error')) handle({ status: status, last_error: { code: root.getAttribute('data-last-error'), message: '' } });
})();
`;
