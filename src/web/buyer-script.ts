/**
 * The escrow buyer page's script (served as /assets/buyer.<hash>.js). It sends the buyer's
 * actions to the public buyer API with the link token in the Hutong-Buyer-Token header (never in
 * a URL), takes the token out of the address bar, and reloads the server-rendered page after
 * each step. Texts come from the page (data-ask, the form's labels); errors show the API's detail.
 */
export const buyerJs = String.raw`(function () {
'use strict';
var root = document.getElementById('buyer');
if (!root) return;
var $ = function (id) { return document.getElementById(id); };
var id = root.getAttribute('data-escrow'), token = root.getAttribute('data-token');
var zh = document.documentElement.lang.indexOf('zh') === 0;
if (/[?&]token=/.test(location.search)) {
  var q = new URLSearchParams(location.search); q.delete('token');
  history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q.toString() : '') + location.hash);
}
function say(text) { var m = $('message'); m.textContent = text; m.className = 'msg'; m.hidden = !text; }
function key() { var b = new Uint8Array(16); crypto.getRandomValues(b); return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join(''); }
function busy(on) { var b = root.querySelectorAll('button'); for (var i = 0; i < b.length; i++) b[i].disabled = on; }
function call(action, body) {
  busy(true);
  return fetch('/v1/buyer/escrows/' + encodeURIComponent(id) + (action ? '/' + action : ''), {
    method: action ? 'POST' : 'GET', credentials: 'omit',
    headers: action ? { 'hutong-buyer-token': token, 'content-type': 'application/json', 'idempotency-key': key(), accept: 'application/json' } : { 'hutong-buyer-token': token, accept: 'application/json' },
    body: action ? JSON.stringify(body || {}) : undefined
  }).then(function (res) {
    return res.json().then(function (json) {
      busy(false);
      if (!res.ok) { say(json.detail || json.title || ('HTTP ' + res.status)); return null; }
      return json;
    });
  }, function () { busy(false); say(zh ? '网络错误，请重试。' : 'Network error; please try again.'); return null; });
}
function then(json) { if (json) location.reload(); }
var confirmButton = $('confirm-receipt');
if (confirmButton) confirmButton.addEventListener('click', function () {
  if (window.confirm(confirmButton.getAttribute('data-ask'))) call('confirm_receipt').then(then);
});
var pay = $('pay');
if (pay) pay.addEventListener('click', function () { call('checkout_session').then(function (json) { if (json) location.assign(json.url); }); });
var withdraw = $('withdraw-refund');
if (withdraw) withdraw.addEventListener('click', function () { call('withdraw_refund_request').then(then); });
var form = $('refund-form');
if (form) form.addEventListener('submit', function (e) {
  e.preventDefault();
  var body = { reason: $('refund-reason').value };
  var text = $('refund-amount').value.trim(), exp = +root.getAttribute('data-exponent');
  if (text) {
    var m = /^(\d+)(?:\.(\d+))?$/.exec(text);
    var minor = m && (m[2] || '').length <= exp ? +(m[1] + ((m[2] || '') + '000').slice(0, exp)) : 0;
    if (!minor || minor > +root.getAttribute('data-held')) { $('refund-amount').setAttribute('aria-invalid', 'true'); say(zh ? '请输入不超过担保金额的退款金额，例如 12.34' : 'Enter an amount up to what Hutong holds, like 12.34'); return; }
    body.amount = minor;
  }
  var note = $('refund-note').value.trim();
  if (note) body.note = note;
  call('refund_request', body).then(then);
});
// While the payment or a decided refund is in flight, look again every 5 s.
if (root.getAttribute('data-status') === 'awaiting_payment' || root.getAttribute('data-settling')) {
  setInterval(function () { call('').then(function (e) { if (e && (e.status !== root.getAttribute('data-status') || (e.settling ? 'true' : '') !== root.getAttribute('data-settling'))) location.reload(); }); }, 5000);
}
})();
`;
