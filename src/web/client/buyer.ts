import { formatDateTime, parseMoney } from './format.js';
import { idempotencyKey, input, lang, maybe, say, type Problem } from './ui.js';

/**
 * The escrow buyer page (/escrow/{id}). It sends the buyer's actions to the public buyer API with
 * the link token in the Hutong-Buyer-Token header (never in a URL), takes the token out of the
 * address bar, and reloads the server-rendered page after each step. Texts come from the page
 * (data-ask, the form's labels); errors show the API's detail.
 */
interface BuyerTrade {
  status: string;
  settling?: boolean;
}

const root = maybe('buyer');
if (root !== null) start(root);

function start(root: HTMLElement): void {
  // Dates come in UTC from the server; show them in the viewer's own zone, the zone named.
  for (const el of document.querySelectorAll('time[datetime]')) el.textContent = formatDateTime(el.getAttribute('datetime'), lang);
  const id = root.dataset.escrow ?? '';
  const token = root.dataset.token ?? '';
  if (/[?&]token=/.test(location.search)) {
    const q = new URLSearchParams(location.search);
    q.delete('token');
    history.replaceState(null, '', location.pathname + (q.toString() ? `?${q.toString()}` : '') + location.hash);
  }
  const busy = (on: boolean) => {
    for (const b of root.querySelectorAll('button')) b.disabled = on;
  };
  async function call<B>(action: string, body?: unknown): Promise<B | null> {
    busy(true);
    const headers: Record<string, string> = { 'hutong-buyer-token': token, accept: 'application/json' };
    if (action) {
      headers['content-type'] = 'application/json';
      headers['idempotency-key'] = idempotencyKey();
    }
    try {
      const res = await fetch(`/v1/buyer/escrows/${encodeURIComponent(id)}${action ? `/${action}` : ''}`, {
        method: action ? 'POST' : 'GET',
        credentials: 'omit',
        headers,
        body: action ? JSON.stringify(body ?? {}) : null,
      });
      const json = (await res.json()) as B & Problem;
      busy(false);
      if (!res.ok) {
        say(json.detail ?? json.title ?? `HTTP ${res.status}`);
        return null;
      }
      return json;
    } catch {
      busy(false);
      say(lang === 'zh' ? '网络错误，请重试。' : 'Network error; please try again.');
      return null;
    }
  }
  const reload = (json: unknown) => {
    if (json) location.reload();
  };

  const confirmButton = maybe('confirm-receipt');
  confirmButton?.addEventListener('click', () => {
    if (window.confirm(confirmButton.dataset.ask ?? '')) void call('confirm_receipt').then(reload);
  });
  maybe('pay')?.addEventListener('click', () => {
    void call<{ url: string }>('checkout_session').then((json) => {
      if (json) location.assign(json.url);
    });
  });
  maybe('withdraw-refund')?.addEventListener('click', () => void call('withdraw_refund_request').then(reload));
  maybe('refund-form')?.addEventListener('submit', (e) => {
    e.preventDefault();
    const body: { reason: string; amount?: number; note?: string } = { reason: input('refund-reason').value };
    const amount = input('refund-amount');
    const text = amount.value.trim();
    if (text) {
      const minor = parseMoney(text, root.dataset.currency ?? '');
      if (minor === null || minor <= 0 || minor > Number(root.dataset.held)) {
        amount.setAttribute('aria-invalid', 'true');
        say(lang === 'zh' ? '请输入不超过担保金额的退款金额，例如 12.34' : 'Enter an amount up to what Hutong holds, like 12.34');
        return;
      }
      body.amount = minor;
    }
    const note = input('refund-note').value.trim();
    if (note) body.note = note;
    void call('refund_request', body).then(reload);
  });
  // While the payment or a decided refund is in flight, look again every 5 s.
  if (root.dataset.status === 'awaiting_payment' || root.dataset.settling) {
    setInterval(() => {
      void call<BuyerTrade>('').then((t) => {
        if (t && (t.status !== root.dataset.status || (t.settling ? 'true' : '') !== (root.dataset.settling ?? ''))) location.reload();
      });
    }, 5000);
  }
}
