/**
 * The script of the dashboard, the operator console and their sign-in pages (served as
 * /assets/console.<hash>.js). It calls the public /v1 API with the session cookie and sends the
 * CSRF token (from the hutong_csrf cookie) on every unsafe request. DOM is built with textContent
 * only: nothing from the API is ever parsed as HTML.
 */
export const consoleJs = String.raw`(function () {
'use strict';
var $ = function (id) { return document.getElementById(id); };
function cookie(name) {
  var parts = document.cookie.split(';');
  for (var i = 0; i < parts.length; i++) { var kv = parts[i].trim().split('='); if (kv[0] === name) return decodeURIComponent(kv.slice(1).join('=')); }
  return '';
}
function say(text, ok) { var m = $('message'); if (!m) return; m.textContent = text || ''; m.className = ok ? 'msg ok' : 'msg'; m.hidden = !text; }
function key() { var b = new Uint8Array(16); crypto.getRandomValues(b); return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join(''); }
function api(method, path, body) {
  var headers = { accept: 'application/json' };
  if (method !== 'GET') { headers['x-csrf-token'] = cookie('hutong_csrf'); }
  if (body !== undefined) { headers['content-type'] = 'application/json'; headers['idempotency-key'] = key(); }
  return fetch('/v1' + path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' }).then(function (res) {
    return res.text().then(function (text) {
      var json = text ? JSON.parse(text) : {};
      if (res.status === 401 && location.pathname.indexOf('/login') < 0) { location.assign(location.pathname.replace(/\/$/, '') + '/login'); }
      if (!res.ok) { var e = new Error(json.detail || json.title || ('HTTP ' + res.status)); e.problem = json; throw e; }
      return json;
    });
  });
}
function h(tag, attrs) {
  var el = document.createElement(tag);
  for (var k in attrs || {}) {
    if (k === 'text') el.textContent = attrs[k];
    else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), attrs[k]);
    else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) el.setAttribute(k, attrs[k]);
  }
  for (var i = 2; i < arguments.length; i++) {
    var c = arguments[i];
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) c.forEach(function (x) { if (x) el.appendChild(typeof x === 'string' ? document.createTextNode(x) : x); });
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}
var exponents = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, UGX: 0, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3, IQD: 3, LYD: 3 };
function fmt(minor, currency) {
  var e = exponents[currency] === undefined ? 2 : exponents[currency];
  var neg = minor < 0, s = String(Math.abs(minor));
  if (e > 0) { while (s.length <= e) s = '0' + s; s = s.slice(0, s.length - e) + '.' + s.slice(s.length - e); }
  return currency + ' ' + (neg ? '-' : '') + s;
}
function toMinor(text, currency) {
  var e = exponents[currency] === undefined ? 2 : exponents[currency];
  var m = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m || (m[2] || '').length > e) return null;
  return +(m[1] + ((m[2] || '') + '000').slice(0, e));
}
function when(iso) { return iso ? iso.replace('T', ' ').slice(0, 19) : ''; }
function status(s) { return h('span', { class: 'status ' + s, text: s }); }
function table(headers, rows, id) {
  return h('div', { class: 'scroll' }, h('table', { id: id }, h('thead', null, h('tr', null, headers.map(function (x) { return h('th', { class: x.charAt(0) === '#' ? 'num' : null, text: x.replace(/^#/, '') }); }))), h('tbody', null, rows)));
}
function td(text, cls) { return h('td', { class: cls, text: text === null || text === undefined ? '' : String(text) }); }
function view() { var v = $('view'); v.textContent = ''; return v; }
function fail(e) { say(e.message || String(e)); }

// ---- sign-in pages ----
var signIn = $('sign-in-page');
if (signIn) {
  $('sign-in-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var kind = signIn.getAttribute('data-kind');
    api('POST', '/dashboard_sessions', { secret_key: $('secret-key').value.trim() }).then(function (s) {
      $('secret-key').value = '';
      var want = kind === 'ops' ? 'operator' : 'merchant';
      if (s.kind !== want) { say(kind === 'ops' ? 'That is a merchant key; the console needs the operator key.' : 'That is the operator key; the dashboard needs a merchant secret key.'); return; }
      location.assign(kind === 'ops' ? '/ops' : '/dashboard');
    }, fail);
  });
  var passwordForm = $('password-form');
  if (passwordForm) passwordForm.addEventListener('submit', function (e) {
    e.preventDefault();
    api('POST', '/dashboard_sessions', { email: $('email').value.trim(), password: $('password').value }).then(function () {
      $('password').value = '';
      location.assign('/dashboard');
    }, fail);
  });
  return;
}

var app = $('app');
if (!app) return;
var kind = app.getAttribute('data-kind');
$('sign-out').addEventListener('click', function (e) {
  e.preventDefault();
  api('DELETE', '/dashboard_sessions/current').then(function () { location.assign(kind === 'ops' ? '/ops/login' : '/dashboard/login'); }, fail);
});

// ---- merchant dashboard ----
var palette = ['#0b5cad', '#2e9e5b', '#d98e04', '#8e44ad', '#c0392b', '#16a2b8'];
function chart(rows) {
  var wrap = h('div', { id: 'volume-chart' });
  var byCurrency = {};
  rows.forEach(function (r) { (byCurrency[r.currency] = byCurrency[r.currency] || []).push(r); });
  var currencies = Object.keys(byCurrency).sort();
  if (currencies.length === 0) wrap.appendChild(h('p', { class: 'muted', text: 'No captured payments in the last 14 days.' }));
  var days = [];
  for (var d = 13; d >= 0; d--) days.push(new Date(Date.now() - d * 86400000).toISOString().slice(0, 10));
  currencies.forEach(function (cur) {
    var list = byCurrency[cur];
    var methods = []; list.forEach(function (r) { if (methods.indexOf(r.method) < 0) methods.push(r.method); });
    var totals = {}; var max = 0;
    list.forEach(function (r) { totals[r.date] = (totals[r.date] || 0) + r.amount; });
    for (var k in totals) max = Math.max(max, totals[k]);
    var W = 560, H = 160, bw = W / days.length;
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + (H + 18)); svg.setAttribute('width', '100%'); svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Daily captured volume in ' + cur);
    days.forEach(function (day, i) {
      var y = H;
      methods.forEach(function (m, mi) {
        var row = list.filter(function (r) { return r.date === day && r.method === m; })[0];
        if (!row) return;
        var bh = max === 0 ? 0 : Math.max(1, Math.round(row.amount / max * (H - 10)));
        y -= bh;
        var rect = document.createElementNS(ns, 'rect');
        rect.setAttribute('x', String(i * bw + 3)); rect.setAttribute('y', String(y)); rect.setAttribute('width', String(bw - 6)); rect.setAttribute('height', String(bh));
        rect.setAttribute('fill', palette[mi % palette.length]);
        var title = document.createElementNS(ns, 'title'); title.textContent = day + ' ' + m + ': ' + fmt(row.amount, cur) + ' (' + row.count + ')';
        rect.appendChild(title); svg.appendChild(rect);
      });
      if (i % 2 === 0) { var t = document.createElementNS(ns, 'text'); t.setAttribute('x', String(i * bw + 2)); t.setAttribute('y', String(H + 14)); t.setAttribute('font-size', '10'); t.textContent = day.slice(5); svg.appendChild(t); }
    });
    wrap.appendChild(h('h3', { text: cur + ' · max/day ' + fmt(max, cur) }));
    wrap.appendChild(svg);
    wrap.appendChild(h('p', { class: 'legend' }, methods.map(function (m, mi) { return h('span', null, h('i', { style: null, 'data-color': mi }), m); })));
  });
  // Colours of the legend swatches (CSP forbids inline style attributes, so set them as properties).
  var swatches = wrap.querySelectorAll('i[data-color]');
  for (var s = 0; s < swatches.length; s++) swatches[s].style.background = palette[+swatches[s].getAttribute('data-color') % palette.length];
  return wrap;
}

function overview() {
  var v = view();
  v.appendChild(h('h2', { text: 'Balances' }));
  var cards = h('div', { class: 'cards', id: 'balances' }); v.appendChild(cards);
  v.appendChild(h('h2', { text: 'Daily volume (captured, last 14 days)' }));
  var c = h('div'); v.appendChild(c);
  api('GET', '/reports/balances').then(function (b) {
    if (b.data.length === 0) cards.appendChild(h('p', { class: 'muted', text: 'No balances yet.' }));
    var by = {};
    b.data.forEach(function (x) { var c = by[x.currency] = by[x.currency] || { available: 0, settling: 0, authorized: 0 }; if (x.account === 'available') c.available += x.posted - x.pending_out; else if (x.account === 'pending') c.settling += x.posted; c.authorized += x.pending_in; });
    Object.keys(by).sort().forEach(function (cur) {
      var c = by[cur];
      cards.appendChild(h('div', { 'data-currency': cur }, h('div', { class: 'muted', text: cur + ' available' }), h('div', { class: 'big', text: fmt(c.available, cur) }), h('div', { class: 'small', text: 'awaiting settlement ' + fmt(c.settling, cur) }), c.authorized ? h('div', { class: 'small', text: 'authorized ' + fmt(c.authorized, cur) }) : null));
    });
  }, fail);
  api('GET', '/reports/daily_volume?days=14').then(function (r) { c.appendChild(chart(r.data)); }, fail);
}

var filters = {};
var cursors = [];
function payments(cursor) {
  var v = view();
  v.appendChild(h('h2', { text: 'Payments' }));
  var f = h('form', { class: 'filters', id: 'payment-filters' });
  function field(name, label, input) { f.appendChild(h('div', null, h('label', { for: 'f-' + name, text: label }), input)); }
  function sel(name, options) { var s = h('select', { id: 'f-' + name, name: name }, options.map(function (o) { return h('option', { value: o, text: o || 'any' }); })); s.value = filters[name] || ''; return s; }
  field('status', 'Status', sel('status', ['', 'requires_payment_method', 'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled', 'failed']));
  field('method', 'Method', sel('method', ['', 'card', 'wallet', 'external_wallet']));
  field('brand', 'Brand', sel('brand', ['', 'visa', 'mastercard', 'american-express', 'jcb', 'unionpay', 'discover', 'diners-club']));
  field('currency', 'Currency', h('input', { id: 'f-currency', name: 'currency', maxlength: 3, value: filters.currency || '', placeholder: 'USD' }));
  field('from', 'From (UTC date)', h('input', { id: 'f-from', name: 'from', type: 'date', value: filters.from || '' }));
  field('to', 'To (UTC date)', h('input', { id: 'f-to', name: 'to', type: 'date', value: filters.to || '' }));
  field('order', 'Order id', h('input', { id: 'f-order', name: 'order', value: filters.order || '' }));
  f.appendChild(h('div', null, h('button', { type: 'submit', id: 'apply-filters', text: 'Search' })));
  f.addEventListener('submit', function (e) {
    e.preventDefault();
    ['status', 'method', 'brand', 'currency', 'from', 'to', 'order'].forEach(function (n) { filters[n] = $('f-' + n).value.trim(); });
    cursors = []; payments();
  });
  v.appendChild(f);
  var q = new URLSearchParams({ limit: '20' });
  if (filters.status) q.set('status', filters.status);
  if (filters.method) q.set('method', filters.method);
  if (filters.brand) q.set('brand', filters.brand);
  if (filters.currency) q.set('currency', filters.currency.toUpperCase());
  if (filters.order) q.set('merchant_order_id', filters.order);
  if (filters.from) q.set('created_gte', filters.from);
  if (filters.to) q.set('created_lt', new Date(Date.parse(filters.to) + 86400000).toISOString().slice(0, 10));
  if (cursor) q.set('cursor', cursor);
  var out = h('div'); v.appendChild(out);
  api('GET', '/payments?' + q.toString()).then(function (page) {
    out.appendChild(table(['Created', 'Order', '#Amount', 'Status', 'Method', 'Id'], page.data.map(function (p) {
      var m = p.payment_method ? (p.payment_method.card ? p.payment_method.card.brand + ' ·' + p.payment_method.card.last4 : (p.channel || p.payment_method.type)) : '';
      return h('tr', { 'data-id': p.id }, td(when(p.created_at)), td(p.merchant_order_id), td(fmt(p.amount, p.currency), 'num'), h('td', null, status(p.status)), td(m), h('td', null, h('a', { href: '#payment/' + p.id, text: p.id })));
    }), 'payments-table'));
    if (page.data.length === 0) out.appendChild(h('p', { class: 'muted', id: 'no-payments', text: 'No payments match.' }));
    var pager = h('p');
    if (cursors.length > 0) pager.appendChild(h('button', { type: 'button', id: 'prev-page', text: '← Newer', onclick: function () { cursors.pop(); payments(cursors[cursors.length - 1]); } }));
    if (page.has_more) pager.appendChild(h('button', { type: 'button', id: 'next-page', text: 'Older →', onclick: function () { cursors.push(page.next_cursor); payments(page.next_cursor); } }));
    out.appendChild(pager);
  }, fail);
}

function paymentDetail(id) {
  var v = view();
  Promise.all([api('GET', '/payments/' + encodeURIComponent(id)), api('GET', '/refunds?payment=' + encodeURIComponent(id)), api('GET', '/payments/' + encodeURIComponent(id) + '/ledger_entries')]).then(function (all) {
    var p = all[0], refunds = all[1].data, lines = all[2].data;
    v.appendChild(h('p', null, h('a', { href: '#payments', text: '← Payments' })));
    v.appendChild(h('h2', { id: 'payment-title' }, 'Payment ' + p.id + ' ', status(p.status)));
    var card = p.payment_method && p.payment_method.card ? p.payment_method.card.brand + ' ending ' + p.payment_method.card.last4 : (p.payment_method ? p.payment_method.type : '—');
    v.appendChild(h('div', { class: 'cards' },
      h('div', null, h('div', { class: 'muted', text: 'Amount' }), h('div', { class: 'big', id: 'detail-amount', text: fmt(p.amount, p.currency) })),
      h('div', null, h('div', { class: 'muted', text: 'Refunded' }), h('div', { class: 'big', id: 'detail-refunded', text: fmt(p.amount_refunded, p.currency) })),
      h('div', null, h('div', { class: 'muted', text: 'Fee' }), h('div', { class: 'big', text: fmt(p.fee, p.currency) })),
      h('div', null, h('div', { class: 'muted', text: 'Order / method' }), h('div', { text: p.merchant_order_id }), h('div', { text: card + (p.channel ? ' via ' + p.channel : '') }))));
    var refundable = p.amount_captured - p.amount_refunded;
    if (refundable > 0) {
      var amount = h('input', { id: 'refund-amount', placeholder: fmt(refundable, p.currency).split(' ')[1], inputmode: 'decimal' });
      var reason = h('input', { id: 'refund-reason', placeholder: 'reason (optional)', maxlength: 500 });
      var form = h('form', { id: 'refund-form', class: 'filters' }, h('div', null, h('label', { for: 'refund-amount', text: 'Refund amount (blank = all)' }), amount), h('div', null, h('label', { for: 'refund-reason', text: 'Reason' }), reason), h('div', null, h('button', { type: 'submit', id: 'refund', text: 'Refund' })));
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        var body = { payment: p.id };
        if (amount.value.trim()) { var minor = toMinor(amount.value, p.currency); if (minor === null || minor <= 0) { say('Enter an amount like 12.34'); return; } body.amount = minor; }
        if (reason.value.trim()) body.reason = reason.value.trim();
        if (!window.confirm('Refund ' + (body.amount ? fmt(body.amount, p.currency) : fmt(refundable, p.currency)) + '?')) return;
        $('refund').disabled = true;
        api('POST', '/refunds', body).then(function (r) { say('Refund ' + r.id + ': ' + r.status, true); paymentDetail(p.id); }, function (e2) { $('refund').disabled = false; fail(e2); });
      });
      v.appendChild(h('h3', { text: 'Refund' })); v.appendChild(form);
    }
    v.appendChild(h('h3', { text: 'Timeline' }));
    v.appendChild(table(['At', 'From', 'To', 'Why'], p.timeline.map(function (t) { return h('tr', null, td(when(t.at)), td(t.from || ''), h('td', null, status(t.to)), td(t.reason)); }), 'timeline'));
    if (p.attempts.length) {
      v.appendChild(h('h3', { text: 'Attempts at channels' }));
      v.appendChild(table(['Sent', 'Kind', 'Channel', 'Status', 'Code', '#Amount'], p.attempts.map(function (a) { return h('tr', null, td(when(a.sent_at)), td(a.kind), td(a.channel), h('td', null, status(a.status)), td(a.response_code || ''), td(fmt(a.amount, p.currency), 'num')); }), 'attempts'));
    }
    v.appendChild(h('h3', { text: 'Refunds' }));
    v.appendChild(refunds.length ? table(['Created', 'Id', '#Amount', 'Status', 'Reason'], refunds.map(function (r) { return h('tr', { 'data-id': r.id }, td(when(r.created_at)), td(r.id), td(fmt(r.amount, r.currency), 'num'), h('td', null, status(r.status)), td(r.reason || r.failure_reason || '')); }), 'refunds') : h('p', { class: 'muted', text: 'None.' }));
    v.appendChild(h('h3', { text: 'Ledger entries' }));
    v.appendChild(table(['At', 'Entry', 'Reason', 'Account', '#Debit', '#Credit'], lines.map(function (l) {
      return h('tr', { 'data-reason': l.reason }, td(when(l.created_at)), td(l.entry + (l.kind === 'posted' ? '' : ' (' + l.kind + ')')), td(l.reason), td(l.account_owner_type + ':' + l.account_code), td(l.amount > 0 ? fmt(l.amount, l.currency) : '', 'num'), td(l.amount < 0 ? fmt(-l.amount, l.currency) : '', 'num'));
    }), 'ledger'));
  }, fail);
}

function webhooks() {
  var v = view();
  v.appendChild(h('h2', { text: 'Webhook endpoints' }));
  var url = h('input', { id: 'webhook-url', type: 'url', placeholder: 'https://shop.example/hooks/hutong', required: true });
  var form = h('form', { id: 'webhook-form', class: 'filters' }, h('div', null, h('label', { for: 'webhook-url', text: 'URL (all events)' }), url), h('div', null, h('button', { type: 'submit', text: 'Add endpoint' })));
  var secret = h('pre', { id: 'webhook-secret', hidden: true });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    api('POST', '/webhook_endpoints', { url: url.value.trim(), enabled_events: ['*'] }).then(function (ep) { webhooks(); setTimeout(function () { var s = $('webhook-secret'); s.hidden = false; s.textContent = 'Signing secret (shown once): ' + ep.secret; }, 50); }, fail);
  });
  v.appendChild(form); v.appendChild(secret);
  var list = h('div'); v.appendChild(list);
  api('GET', '/webhook_endpoints?limit=100').then(function (page) {
    if (!page.data.length) list.appendChild(h('p', { class: 'muted', text: 'No endpoints.' }));
    page.data.forEach(function (ep) {
      var log = h('div');
      list.appendChild(h('h3', { text: ep.url + ' (' + ep.status + ')' }));
      list.appendChild(log);
      api('GET', '/webhook_endpoints/' + ep.id + '/deliveries?limit=20').then(function (d) {
        log.appendChild(table(['Created', 'Event', 'Status', 'Attempts', 'Last answer', ''], d.data.map(function (x) {
          return h('tr', null, td(when(x.created_at)), td(x.event_type), h('td', null, status(x.status)), td(x.attempts, 'num'), td(x.last_status_code || x.last_error || ''), h('td', null, h('button', { type: 'button', class: 'redeliver', text: 'Redeliver', onclick: function () { api('POST', '/events/' + x.event + '/redeliver', {}).then(function () { say('Queued again: ' + x.event, true); webhooks(); }, fail); } })));
        }), 'deliveries-' + ep.id));
      }, fail);
    });
  }, fail);
}

function keys() {
  var v = view();
  v.appendChild(h('h2', { text: 'API keys' }));
  v.appendChild(h('p', { class: 'small', text: 'Secret keys are shown once, when the operator issues them; here only their hints. Ask the operator to issue or revoke keys.' }));
  api('GET', '/api_keys').then(function (k) {
    v.appendChild(table(['Id', 'Hint', 'Mode', 'Created', 'Revoked'], k.data.map(function (x) { return h('tr', null, td(x.id), td(x.hint), td(x.mode), td(when(x.created_at)), td(when(x.revoked_at) || '—')); }), 'keys'));
  }, fail);
}

// ---- operator console ----
function merchants() {
  var v = view();
  v.appendChild(h('h2', { text: 'Merchants' }));
  var name = h('input', { id: 'merchant-name', required: true, maxlength: 200 });
  var country = h('input', { id: 'merchant-country', required: true, maxlength: 2, value: 'CN' });
  var currency = h('input', { id: 'merchant-currency', required: true, maxlength: 3, value: 'CNY' });
  var form = h('form', { id: 'merchant-form', class: 'filters' }, h('div', null, h('label', { for: 'merchant-name', text: 'Name' }), name), h('div', null, h('label', { for: 'merchant-country', text: 'Country' }), country), h('div', null, h('label', { for: 'merchant-currency', text: 'Settlement currency' }), currency), h('div', null, h('button', { type: 'submit', id: 'create-merchant', text: 'Create merchant' })));
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    api('POST', '/merchants', { name: name.value.trim(), country: country.value.trim().toUpperCase(), settlement_currency: currency.value.trim().toUpperCase() }).then(function (m) {
      merchants();
      setTimeout(function () { say('Created ' + m.name + '. Its secret key, shown once: ' + m.api_key.secret_key, true); }, 50);
    }, fail);
  });
  v.appendChild(form);
  var loginMerchant = h('input', { id: 'login-merchant', required: true, maxlength: 40, placeholder: 'mer_…' });
  var loginEmail = h('input', { id: 'login-email', type: 'email', required: true });
  var loginPassword = h('input', { id: 'login-password', type: 'password', required: true, minlength: 12, autocomplete: 'new-password' });
  var loginForm = h('form', { id: 'login-form', class: 'filters' }, h('div', null, h('label', { for: 'login-merchant', text: 'Merchant id' }), loginMerchant), h('div', null, h('label', { for: 'login-email', text: 'Staff email' }), loginEmail), h('div', null, h('label', { for: 'login-password', text: 'Password (12+)' }), loginPassword), h('div', null, h('button', { type: 'submit', id: 'create-login', text: 'Create dashboard login' })));
  loginForm.addEventListener('submit', function (e) {
    e.preventDefault();
    api('POST', '/merchants/' + encodeURIComponent(loginMerchant.value.trim()) + '/logins', { email: loginEmail.value.trim(), password: loginPassword.value }).then(function (l) {
      loginPassword.value = '';
      say('Dashboard login ' + l.email + ' created for ' + l.merchant + '.', true);
    }, fail);
  });
  v.appendChild(h('h3', { text: 'Dashboard logins' }));
  v.appendChild(loginForm);
  api('GET', '/merchants?limit=100').then(function (page) {
    v.appendChild(table(['Created', 'Id', 'Name', 'Country', 'Currency', 'Status', ''], page.data.map(function (m) {
      return h('tr', { 'data-id': m.id }, td(when(m.created_at)), td(m.id), td(m.name), td(m.country), td(m.settlement_currency), h('td', null, status(m.status)),
        h('td', null, m.status === 'active' ? h('button', { type: 'button', class: 'suspend', text: 'Suspend', onclick: function () { if (window.confirm('Suspend ' + m.name + '? Its keys stop working at once.')) api('POST', '/merchants/' + m.id + '/suspend', {}).then(function () { merchants(); }, fail); } }) : ''));
    }), 'merchants'));
  }, fail);
}

function ledger() {
  var v = view();
  v.appendChild(h('h2', { text: 'Ledger' }));
  var out = h('div', { id: 'verify-result' });
  v.appendChild(h('button', { type: 'button', id: 'verify', text: 'Verify the ledger now', onclick: function (e) {
    e.currentTarget.disabled = true; out.textContent = 'Checking…';
    var button = e.currentTarget;
    api('POST', '/ledger/verify', {}).then(function (r) {
      button.disabled = false; out.textContent = '';
      out.appendChild(h('p', { id: 'verify-summary', class: r.ok ? 'msg ok' : 'msg', text: (r.ok ? 'Ledger verified: ' : 'LEDGER INVARIANT BROKEN: ') + r.counts.accounts + ' accounts, ' + r.counts.entries + ' entries, ' + r.counts.postings + ' postings' }));
      out.appendChild(table(['Check', 'Result', 'Offenders'], r.checks.map(function (c) { return h('tr', null, td(c.name), h('td', null, status(c.ok ? 'ok' : 'fail')), td(c.offenders.join(', '))); }), 'verify-checks'));
    }, function (e2) { button.disabled = false; fail(e2); });
  } }));
  v.appendChild(out);
}

// ---- escrow trades (dashboard) and disputes (console), on /v1/escrows ----
var escrowFilter = '', escrowCursors = [];
function field(id, label, input) { return h('div', null, h('label', { for: id, text: label }), input); }
function escrows(cursor) {
  var v = view();
  v.appendChild(h('h2', { text: 'Escrow trades' }));
  var s = h('select', { id: 'escrow-status' }, ['', 'awaiting_payment', 'held', 'shipped', 'refunding', 'disputed', 'completed', 'refunded', 'closed'].map(function (o) { return h('option', { value: o, text: o || 'any' }); }));
  s.value = escrowFilter;
  s.addEventListener('change', function () { escrowFilter = s.value; escrowCursors = []; escrows(); });
  v.appendChild(h('div', { class: 'filters' }, field('escrow-status', 'Status', s)));
  var q = new URLSearchParams({ limit: '20' });
  if (escrowFilter) q.set('status', escrowFilter);
  if (cursor) q.set('cursor', cursor);
  api('GET', '/escrows?' + q.toString()).then(function (page) {
    v.appendChild(table(['Created', 'Order', '#Amount', '#Held', 'Status', 'Shipping', 'Id'], page.data.map(function (e) {
      return h('tr', { 'data-id': e.id }, td(when(e.created_at)), td(e.merchant_order_id), td(fmt(e.amount, e.currency), 'num'), td(fmt(e.amount_held, e.currency), 'num'), h('td', null, status(e.status)), td(e.shipping ? e.shipping.carrier + ' ' + e.shipping.waybill_number : ''), h('td', null, h('a', { href: '#escrow/' + e.id, text: e.id })));
    }), 'escrows-table'));
    if (!page.data.length) v.appendChild(h('p', { class: 'muted', text: 'No trades match.' }));
    var pager = h('p');
    if (escrowCursors.length) pager.appendChild(h('button', { type: 'button', text: '← Newer', onclick: function () { escrowCursors.pop(); escrows(escrowCursors[escrowCursors.length - 1]); } }));
    if (page.has_more) pager.appendChild(h('button', { type: 'button', text: 'Older →', onclick: function () { escrowCursors.push(page.next_cursor); escrows(page.next_cursor); } }));
    v.appendChild(pager);
  }, fail);
}
function escrowDetail(id) {
  var v = view();
  api('GET', '/escrows/' + encodeURIComponent(id)).then(function (e) {
    var c = e.currency, r = e.refund_request;
    function box(label, value, bid) { return h('div', null, h('div', { class: 'muted', text: label }), h('div', { class: 'big', id: bid, text: value })); }
    function step(path, body, ask) {
      if (ask && !window.confirm(ask)) return;
      api('POST', '/escrows/' + e.id + '/' + path, body).then(function (x) { escrowDetail(e.id); say('Trade ' + x.id + ' is now ' + x.status + '.', true); }, fail);
    }
    function form(fid, fields, label, submit) {
      var f = h('form', { id: fid, class: 'filters' }, fields, h('div', null, h('button', { type: 'submit', id: fid.replace('-form', ''), text: label })));
      f.addEventListener('submit', function (ev) { ev.preventDefault(); submit(); });
      return f;
    }
    v.appendChild(h('p', null, h('a', { href: '#escrow', text: '← Escrow trades' })));
    v.appendChild(h('h2', { id: 'escrow-title' }, 'Trade ' + e.id + ' ', status(e.status)));
    v.appendChild(h('div', { class: 'cards' }, box('Amount', fmt(e.amount, c)), box('Held', fmt(e.amount_held, c), 'escrow-held'), box('Released', fmt(e.amount_released, c), 'escrow-released'), box('Refunded', fmt(e.amount_refunded, c), 'escrow-refunded'), box('Fee', fmt(e.fee || 0, c))));
    v.appendChild(h('p', null, 'Order ' + e.merchant_order_id + ' · ' + e.goods_type + (e.description ? ' · ' + e.description : '') + ' · payment ', h('a', { href: '#payment/' + e.payment, text: e.payment }), e.buyer_url ? h('span', null, ' · ', h('a', { href: e.buyer_url, id: 'buyer-link', target: '_blank', rel: 'noopener', text: 'buyer page' })) : null));
    if (e.status === 'held') {
      var carrier = h('input', { id: 'ship-carrier', required: true, maxlength: 60, placeholder: 'SF Express' }), waybill = h('input', { id: 'ship-waybill', required: true, maxlength: 60 });
      v.appendChild(h('h3', { text: 'Ship' }));
      v.appendChild(form('ship-form', [field('ship-carrier', 'Carrier', carrier), field('ship-waybill', 'Waybill number', waybill)], 'Mark shipped', function () { step('ship', { carrier: carrier.value.trim(), waybill_number: waybill.value.trim() }); }));
    }
    if (e.status === 'shipped') {
      var days = h('input', { id: 'extend-days', type: 'number', min: 1, max: 30, value: 3 });
      v.appendChild(h('h3', { text: 'Buyer\'s confirm period: until ' + when(e.confirm_due_at) + ' (extended ' + e.extensions + '×)' }));
      v.appendChild(form('extend-form', [field('extend-days', 'Extend by days', days)], 'Extend', function () { step('extend', { days: +days.value }); }));
    }
    if (e.status === 'refunding' && r) {
      var reason = h('input', { id: 'refuse-reason', required: true, maxlength: 500 });
      v.appendChild(h('h3', { text: 'Refund request: ' + fmt(r.amount, c) + ' · ' + r.reason + (r.note ? ' · “' + r.note + '”' : '') }));
      v.appendChild(h('p', null, h('button', { type: 'button', id: 'agree-refund', text: 'Agree: refund ' + fmt(r.amount, c), onclick: function () { step('agree_refund', {}, 'Refund ' + fmt(r.amount, c) + ' to the buyer?'); } })));
      v.appendChild(form('refuse-refund-form', [field('refuse-reason', 'Refuse because (the operator will arbitrate)', reason)], 'Refuse', function () { step('refuse_refund', { reason: reason.value.trim() }); }));
    }
    if (e.status === 'awaiting_payment') v.appendChild(h('p', null, h('button', { type: 'button', id: 'cancel-escrow', text: 'Close this unpaid trade', onclick: function () { step('cancel', {}, 'Close the trade and cancel its payment?'); } })));
    var rows = [[e.created_at, 'created (' + fmt(e.amount, c) + ')']];
    if (e.close_due_at) rows.push([e.close_due_at, 'closes if still unpaid']);
    if (e.shipping) rows.push([e.shipping.shipped_at, 'shipped: ' + e.shipping.carrier + ' ' + e.shipping.waybill_number]);
    if (r) rows.push([r.requested_at, 'refund requested: ' + fmt(r.amount, c) + ' (' + r.reason + ')']);
    if (e.dispute) rows.push([e.dispute.opened_at, 'seller refused: ' + e.dispute.seller_reason]);
    if (e.resolution) rows.push([e.resolution.at, e.resolution.decision + ' by ' + e.resolution.by + ': refunded ' + fmt(e.resolution.refunded, c) + ', released ' + fmt(e.resolution.released, c) + (e.resolution.note ? ' (' + e.resolution.note + ')' : '')]);
    if (e.status === 'shipped' && e.confirm_due_at) rows.push([e.confirm_due_at, 'receipt confirmed automatically (due)']);
    rows.sort(function (a, b) { return a[0] < b[0] ? -1 : 1; });
    v.appendChild(h('h3', { text: 'Timeline' }));
    v.appendChild(table(['At', 'What'], rows.map(function (x) { return h('tr', null, td(when(x[0])), td(x[1])); }), 'escrow-timeline'));
  }, fail);
}
function disputes() {
  var v = view();
  v.appendChild(h('h2', { text: 'Disputes' }));
  v.appendChild(h('p', { class: 'small', text: 'Escrow trades whose seller refused the buyer\'s refund request. Refund the buyer, release to the seller, or split (the buyer\'s part is refunded, the rest released).' }));
  Promise.all([api('GET', '/escrows?status=disputed&limit=100'), api('GET', '/merchants?limit=100')]).then(function (all) {
    var page = all[0], names = {};
    all[1].data.forEach(function (m) { names[m.id] = m.name; });
    if (!page.data.length) v.appendChild(h('p', { class: 'muted', id: 'no-disputes', text: 'No open disputes.' }));
    page.data.forEach(function (e) {
      var c = e.currency, r = e.refund_request || {}, d = e.dispute || {};
      var split = h('input', { id: 'split-' + e.id, class: 'split-amount', inputmode: 'decimal', placeholder: fmt(r.amount || 0, c).split(' ')[1] });
      var note = h('input', { id: 'note-' + e.id, class: 'note', maxlength: 500 });
      function decide(decision) {
        var body = { decision: decision };
        if (decision === 'split') { var m = toMinor(split.value || '', c); if (!m) { say('Enter the buyer\'s part of the split, like 12.34'); return; } body.refund_amount = m; }
        if (note.value.trim()) body.note = note.value.trim();
        var what = decision === 'refund' ? 'Refund all ' + fmt(e.amount_held, c) + ' to the buyer' : decision === 'release' ? 'Release all ' + fmt(e.amount_held, c) + ' to the seller' : 'Refund ' + fmt(body.refund_amount, c) + ' and release the rest';
        if (!window.confirm(what + '?')) return;
        api('POST', '/escrows/' + e.id + '/arbitrate', body).then(function (x) { disputes(); say('Trade ' + x.id + ' ' + x.status + ': refunded ' + fmt(x.amount_refunded, c) + ', released ' + fmt(x.amount_released, c) + '.', true); }, fail);
      }
      v.appendChild(h('div', { class: 'dispute', 'data-id': e.id },
        h('h3', { text: (names[e.merchant] || e.merchant) + ' · order ' + e.merchant_order_id + ' · ' + fmt(e.amount_held, c) + ' held · ' + e.id }),
        table(['Opened', 'Buyer asks', 'Reason', 'Buyer\'s note', 'Seller refused because'], [h('tr', null, td(when(d.opened_at)), td(fmt(r.amount || 0, c), 'num'), td(r.reason), td(r.note || ''), td(d.seller_reason))]),
        h('div', { class: 'filters' }, field('split-' + e.id, 'Buyer\'s part (split)', split), field('note-' + e.id, 'Note', note),
          h('div', null, h('button', { type: 'button', class: 'refund-buyer', text: 'Refund buyer', onclick: function () { decide('refund'); } })),
          h('div', null, h('button', { type: 'button', class: 'release-seller', text: 'Release to seller', onclick: function () { decide('release'); } })),
          h('div', null, h('button', { type: 'button', class: 'split', text: 'Split', onclick: function () { decide('split'); } })))));
    });
  }, fail);
}

// ---- settlements (dashboard) and settlement operations, reconciliation (console) ----
function card(label, value, id) { return h('div', null, h('div', { class: 'muted', text: label }), h('div', { class: 'big', id: id, text: value })); }
function money(c) { return function (x) { return td(fmt(x || 0, c), 'num'); }; }
function button(id, text, onclick, cls) { return h('button', { type: 'button', id: id, class: cls, text: text, onclick: onclick }); }
function settlements() {
  var v = view();
  v.appendChild(h('h2', { text: 'Settlements' }));
  var sched = h('p', { id: 'schedule', class: 'small' }), stm = h('div'), pay = h('div'), banks = h('div');
  v.appendChild(sched); v.appendChild(stm);
  api('GET', '/settlement_schedule').then(function (s) {
    sched.textContent = 'Schedule (set by the operator): T+' + s.delay_days + ', cut-off ' + ('0' + s.cutoff_hour).slice(-2) + ':00 ' + s.time_zone + (s.minimum_payout ? ', minimum payout ' + s.minimum_payout + ' (minor units)' : '') + (s.reserve_percent_bps ? ', rolling reserve ' + s.reserve_percent_bps / 100 + '% held ' + s.reserve_hold_days + ' days' : ', no reserve') + '.';
  }, fail);
  api('GET', '/settlements?limit=50').then(function (page) {
    stm.appendChild(table(['Period', 'Currency', '#Gross', '#Fees', '#Refunds', '#Chargebacks', '#Reserve', '#Carried', '#Payout', 'Status'], page.data.map(function (s, i) {
      var m = money(s.currency), x = s.summary || {}, older = page.data[i + 1];
      return h('tr', { 'data-id': s.id }, h('td', null, h('a', { href: '#settlement/' + s.id, text: (older ? when(older.window_end) : '…') + ' → ' + when(s.window_end) })), td(s.currency), m(x.gross), m(-(x.fees || 0)), m(x.refunds), m(x.chargebacks), m(-s.reserve), m(s.carried_out), m(s.payout_amount), h('td', null, status(x.payout_status || 'carried')));
    }), 'settlements-table'));
    if (!page.data.length) stm.appendChild(h('p', { class: 'muted', text: 'No statements yet.' }));
  }, fail);
  v.appendChild(h('h3', { text: 'Payouts' })); v.appendChild(pay);
  api('GET', '/payouts?limit=50').then(function (page) {
    pay.appendChild(table(['Created', 'Id', '#Amount', 'Status', 'Failure', 'Statement'], page.data.map(function (p) {
      return h('tr', { 'data-id': p.id }, td(when(p.created_at)), td(p.id), td(fmt(p.amount, p.currency), 'num'), h('td', null, status(p.status)), td(p.failure_code ? p.failure_code + ': ' + p.failure_reason : ''), h('td', null, h('a', { href: '#settlement/' + p.settlement, text: p.settlement })));
    }), 'payouts-table'));
  }, fail);
  v.appendChild(h('h3', { text: 'Bank accounts' })); v.appendChild(banks);
  var cur = h('input', { id: 'bank-currency', required: true, maxlength: 3, value: 'CNY' }), holder = h('input', { id: 'bank-holder', required: true, maxlength: 140 });
  var iban = h('input', { id: 'bank-iban', maxlength: 42, placeholder: 'IBAN, or:' }), number = h('input', { id: 'bank-number', maxlength: 34 }), code = h('input', { id: 'bank-code', maxlength: 20 });
  var f = h('form', { id: 'bank-form', class: 'filters' }, field('bank-currency', 'Currency', cur), field('bank-holder', 'Holder', holder), field('bank-iban', 'IBAN', iban), field('bank-number', 'Account number', number), field('bank-code', 'Bank code', code), h('div', null, h('button', { type: 'submit', id: 'add-bank', text: 'Add account' })));
  f.addEventListener('submit', function (e) {
    e.preventDefault();
    var body = { currency: cur.value.trim().toUpperCase(), holder_name: holder.value.trim() };
    if (iban.value.trim()) body.iban = iban.value.trim(); else { body.account_number = number.value.trim(); body.bank_code = code.value.trim(); }
    api('POST', '/bank_accounts', body).then(function (b) { settlements(); setTimeout(function () { say('Payouts in ' + b.currency + ' now go to ' + (b.iban || b.account_number) + '.', true); }, 50); }, fail);
  });
  api('GET', '/bank_accounts').then(function (l) {
    banks.appendChild(table(['Currency', 'Holder', 'Account', 'Bank code', 'Added'], l.data.map(function (b) { return h('tr', null, td(b.currency), td(b.holder_name), td(b.iban || b.account_number), td(b.bank_code || ''), td(when(b.created_at))); }), 'bank-accounts'));
    banks.appendChild(f);
  }, fail);
}
function settlementDetail(id) {
  var v = view();
  api('GET', '/settlements/' + encodeURIComponent(id) + '/lines?limit=500').then(function (r) {
    var s = r.settlement, c = s.currency;
    v.appendChild(h('p', null, h('a', { href: '#settlements', text: '← Settlements' })));
    v.appendChild(h('h2', { id: 'settlement-title', text: 'Statement ' + s.id + ' · until ' + when(s.window_end) }));
    v.appendChild(h('div', { class: 'cards' }, card('Carried in', fmt(s.carried_in, c)), card('Lines (' + s.lines_count + ')', fmt(s.lines_total, c), 'lines-total'), card('Reserve', fmt(s.reserve, c)), card('Payout', fmt(s.payout_amount, c), 'statement-payout'), card('Carried out', fmt(s.carried_out, c))));
    v.appendChild(h('p', null, h('a', { id: 'lines-csv', href: '/v1/settlements/' + encodeURIComponent(s.id) + '/lines.csv', download: s.id + '.csv', text: 'Download the lines as CSV' })));
    v.appendChild(table(['Posted', 'Reason', 'Object', '#Amount'], r.data.map(function (l) { return h('tr', { 'data-reason': l.reason }, td(when(l.posted_at)), td(l.reason), td(l.object_id ? l.object_type + ' ' + l.object_id : ''), td(fmt(l.amount, c), 'num')); }), 'lines'));
    if (r.has_more) v.appendChild(h('p', { class: 'muted', text: 'The first 500 lines; the CSV has them all.' }));
  }, fail);
}
function settlementOps() {
  var v = view(), out = h('div', { id: 'run-result' });
  v.appendChild(h('h2', { text: 'Settlement' }));
  var cut = h('input', { id: 'run-window-end', maxlength: 40, placeholder: 'e.g. 2026-11-21T08:00:00Z' });
  function run(path, text, show) { return button(path.replace(/_/g, '-').replace(/s$/, ''), text, function (e) { var b = e.currentTarget; b.disabled = true; api('POST', '/operator/' + path, path === 'settlement_runs' && cut.value.trim() ? { window_end: cut.value.trim() } : {}).then(function (r) { b.disabled = false; out.textContent = ''; show(r); }, function (e2) { b.disabled = false; fail(e2); }); }); }
  v.appendChild(h('div', { class: 'filters' }, field('run-window-end', 'Intraday cut-off (optional)', cut), run('settlement_runs', 'Run settlement now', function (r) {
    out.appendChild(h('p', { class: 'msg ok', text: 'Settlement run: ' + r.statements.length + ' new statements, ' + r.replayed + ' found made, ' + r.reserves_released + ' reserves released.' }));
    out.appendChild(table(['Statement', 'Currency', '#Lines', '#Reserve', '#Payout', '#Carried'], r.statements.map(function (s) { var m = money(s.currency); return h('tr', null, td(s.id), td(s.currency), m(s.lines_total), m(s.reserve), m(s.payout_amount), m(s.carried_out)); }), 'run-statements'));
  }), ' ', run('payout_runs', 'Run payouts now', function (r) {
    out.appendChild(h('p', { class: 'msg ok', id: 'payout-summary', text: 'Payout run: ' + r.files.length + ' pain.001 files, ' + r.paid + ' paid, ' + r.failed + ' rejected, ' + r.waiting + ' waiting for a bank account.' }));
  })));
  v.appendChild(h('p', { class: 'small', text: 'Without a cut-off, each merchant is settled for the window its schedule makes due (the daily cycle does the same after each cut-off).' }));
  v.appendChild(out);
  var cycle = h('div'); v.appendChild(h('h3', { text: 'Daily cycle' })); v.appendChild(cycle);
  api('GET', '/operator/scheduled_runs?limit=20').then(function (r) {
    cycle.appendChild(table(['Job', 'Next run', 'Status', 'Last error'], r.upcoming.map(function (t) { return h('tr', null, td(t.key), td(when(t.due_at)), h('td', null, status(t.status)), td(t.last_error || '')); }), 'cycle-upcoming'));
    if (!r.upcoming.length) cycle.appendChild(h('p', { class: 'muted', text: 'The daily cycle starts with hutong start.' }));
    cycle.appendChild(table(['Occurrence', 'Kind', 'Status', 'Attempts', 'Result'], r.data.map(function (x) { var s = x.result || {}; return h('tr', null, td(when(x.occurrence)), td(x.kind), h('td', null, status(x.status)), td(x.attempts, 'num'), td(x.kind === 'settlement' ? (s.statements === undefined ? s.error : s.statements + ' statements, payouts ' + JSON.stringify(s.payouts)) : s.ok === undefined ? s.error : s.ok ? 'reserve covers the money held' : 'ALERT')); }), 'cycle-runs'));
    if (!r.data.length) cycle.appendChild(h('p', { class: 'muted', text: 'No scheduled runs yet.' }));
  }, fail);
  v.appendChild(h('h3', { text: 'Netting windows' }));
  var ccy = h('input', { id: 'net-currency', maxlength: 3, value: 'CNY' });
  var nf = h('form', { id: 'net-form', class: 'filters' }, field('net-currency', 'Currency', ccy), h('div', null, h('button', { type: 'submit', id: 'net', text: 'Net the window up to now' })));
  nf.addEventListener('submit', function (e) { e.preventDefault(); api('POST', '/operator/netting_windows', { currency: ccy.value.trim().toUpperCase() }).then(function (w) { settlementOps(); setTimeout(function () { say('Window ' + w.id + ': ' + w.positions.length + ' positions, proof sum ' + w.proof_sum + '.', true); }, 50); }, fail); });
  v.appendChild(nf);
  var wins = h('div'); v.appendChild(wins);
  api('GET', '/operator/netting_windows?limit=20').then(function (r) {
    wins.appendChild(table(['Window', 'Currency', 'Net positions', 'Proof Σ', ''], r.data.map(function (w) {
      var open = w.positions.some(function (p) { return p.participant !== 'hutong' && p.net !== 0 && !w.settled.some(function (s) { return s.participant === p.participant; }); });
      return h('tr', { 'data-id': w.id }, td((w.window_start ? when(w.window_start) : '…') + ' → ' + when(w.window_end)), td(w.currency), td(w.positions.map(function (p) { return p.participant + ' ' + fmt(p.net, w.currency); }).join(' · ')), td(w.proof_sum, 'num'),
        h('td', null, open ? button(null, 'Settle', function () { api('POST', '/operator/netting_windows/' + w.id + '/settle', {}).then(function (x) { settlementOps(); setTimeout(function () { say('Settled ' + x.settled.length + ' positions through the bank.', true); }, 50); }, fail); }, 'settle-window') : 'settled'));
    }), 'netting-windows'));
  }, fail);
}
function reconciliation() {
  var v = view();
  v.appendChild(h('h2', { text: 'Reconciliation' }));
  var kindSel = h('select', { id: 'import-kind' }, ['camt053', 'acquirer_csv', 'wallet_bill'].map(function (k) { return h('option', { value: k, text: k }); }));
  var chan = h('input', { id: 'import-channel', maxlength: 40, placeholder: 'for a wallet bill' }), file = h('input', { id: 'import-file', type: 'file', required: true });
  var f = h('form', { id: 'import-form', class: 'filters' }, field('import-kind', 'File kind', kindSel), field('import-channel', 'Channel', chan), field('import-file', 'File', file), h('div', null, h('button', { type: 'submit', id: 'import', text: 'Import and match' })));
  f.addEventListener('submit', function (e) {
    e.preventDefault();
    var x = file.files[0]; if (!x) return;
    $('import').disabled = true;
    x.text().then(function (content) {
      var body = { kind: kindSel.value, name: x.name, content: content };
      if (chan.value.trim()) body.channel = chan.value.trim();
      return api('POST', '/operator/reconciliation/imports', body);
    }).then(function (r) { reconciliation(); setTimeout(function () { say('Imported ' + r.name + ': ' + r.lines + ' lines, ' + r.matched + ' matched, ' + r.exceptions + ' exceptions.', true); }, 50); }, function (e2) { $('import').disabled = false; fail(e2); });
  });
  v.appendChild(f);
  var imps = h('div'), exc = h('div'), reserve = h('div', { id: 'reserve-result' });
  v.appendChild(imps); v.appendChild(h('h3', { text: 'Open exceptions' })); v.appendChild(exc);
  api('GET', '/operator/reconciliation/imports').then(function (r) {
    imps.appendChild(table(['Imported', 'Kind', 'Name', '#Lines', '#Matched', '#Exceptions'], r.data.slice(0, 20).map(function (i) { return h('tr', null, td(when(i.created_at)), td(i.kind), td(i.name), td(i.lines, 'num'), td(i.matched, 'num'), td(i.exceptions, 'num')); }), 'imports'));
  }, fail);
  api('GET', '/operator/reconciliation/exceptions?status=open&limit=100').then(function (page) {
    if (!page.data.length) exc.appendChild(h('p', { class: 'muted', id: 'no-exceptions', text: 'No open exceptions.' }));
    else exc.appendChild(table(['Found', 'Kind', 'Reference', '#Hutong', '#Statement', 'Detail', 'Resolve'], page.data.map(function (x) {
      var c = x.currency || '', note = h('input', { class: 'note', maxlength: 500, placeholder: 'reason' });
      function resolve(action) { if (!note.value.trim()) { say('Give a reason'); return; } api('POST', '/operator/reconciliation/exceptions/' + x.id + '/resolve', { action: action, note: note.value.trim() }).then(function (r) { reconciliation(); setTimeout(function () { say('Exception ' + r.id + ' ' + r.status + (r.resolution_entry ? ' (ledger entry ' + r.resolution_entry + ')' : '') + '.', true); }, 50); }, fail); }
      var canAdjust = x.kind !== 'duplicate' && x.kind !== 'currency_mismatch' && x.kind !== 'reserve_mismatch';
      return h('tr', { 'data-id': x.id, 'data-kind': x.kind }, td(when(x.created_at)), td(x.kind), td(x.reference), td(x.expected_amount === null ? '' : fmt(x.expected_amount, c), 'num'), td(x.actual_amount === null ? '' : fmt(x.actual_amount, c), 'num'), td(x.detail),
        h('td', null, note, canAdjust ? button(null, 'Adjust', function () { resolve('adjust'); }, 'adjust') : null, button(null, 'Explained', function () { resolve('explain'); }, 'explain')));
    }), 'exceptions'));
  }, fail);
  v.appendChild(h('h3', { text: 'Reserve funds check' }));
  v.appendChild(button('reserve-check', 'Check the reserve now', function () {
    api('GET', '/operator/reserve_check').then(function (r) {
      reserve.textContent = '';
      reserve.appendChild(h('p', { id: 'reserve-summary', class: r.ok ? 'msg ok' : 'msg', text: r.ok ? 'The reserve account covers the customer and merchant money held.' : 'ALERT: the reserve differs (see the exception queue).' }));
      reserve.appendChild(table(['Currency', '#Money held', '#Reserve (ledger)', '#Reserve (statement)', '#Owed by channels', '#Shortfall', 'Alerts'], r.currencies.map(function (x) { var m = money(x.currency); return h('tr', null, td(x.currency), m(x.liabilities), m(x.ledger_bank_balance), x.statement_bank_balance === null ? td('—') : m(x.statement_bank_balance), m(x.receivables_in_transit), m(x.shortfall), td((x.alerts || []).join('; '))); }), 'reserve-table'));
    }, fail);
  }));
  v.appendChild(reserve);
}

var routes = kind === 'ops'
  ? { merchants: merchants, ledger: ledger, disputes: disputes, settlement: settlementOps, reconciliation: reconciliation }
  : { overview: overview, payments: function () { payments(cursors[cursors.length - 1]); }, webhooks: webhooks, keys: keys, escrow: function () { escrows(escrowCursors[escrowCursors.length - 1]); }, settlements: settlements };
window.hutongConsole = { routes: routes, api: api, h: h, table: table, td: td, fmt: fmt, view: view, status: status };
function route() {
  say('');
  var hash = location.hash.replace(/^#/, '');
  var parts = hash.split('/');
  var links = document.querySelectorAll('#nav a');
  for (var i = 0; i < links.length; i++) links[i].className = links[i].getAttribute('href') === '#' + parts[0] ? 'on' : '';
  if (parts[0] === 'payment' && parts[1]) return paymentDetail(decodeURIComponent(parts[1]));
  if (parts[0] === 'escrow' && parts[1]) return escrowDetail(decodeURIComponent(parts[1]));
  if (parts[0] === 'settlement' && parts[1] && kind !== 'ops') return settlementDetail(decodeURIComponent(parts[1]));
  var fn = routes[parts[0]] || routes[kind === 'ops' ? 'merchants' : 'overview'];
  fn();
}
window.addEventListener('hashchange', route);
route();
})();
`;
