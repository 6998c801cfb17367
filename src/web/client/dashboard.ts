import { formatDay, parseMoney, exampleAmount } from './format.js';
import {
  after,
  anyOption,
  api,
  button,
  card,
  commonCurrencies,
  fail,
  field,
  picker,
  table,
  td,
  view,
  type Json,
  type Page,
} from './kit.js';
import { $, fmt, h, lang, say, status, t, when, word } from './ui.js';

/** The merchant dashboard's views (the routes of #overview, #payments, …). */
const palette = ['#0b5cad', '#2e9e5b', '#b86e00', '#8e44ad', '#c0392b', '#16a2b8'];

interface VolumeRow {
  date: string;
  currency: string;
  method: string;
  count: number;
  amount: number;
}

/** Daily volume per currency: stacked bars per method, a labelled axis, today included. */
function chart(rows: readonly VolumeRow[]): HTMLDivElement {
  const wrap = h('div', { id: 'volume-chart' });
  const byCurrency = new Map<string, VolumeRow[]>();
  for (const r of rows) byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), r]);
  const currencies = [...byCurrency.keys()].sort();
  if (currencies.length === 0) wrap.appendChild(h('p', { class: 'muted', text: t('No captured payments in the last 14 days.') }));
  const days: string[] = [];
  for (let d = 13; d >= 0; d--) days.push(new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10));
  const ns = 'http://www.w3.org/2000/svg';
  const svgEl = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  };
  for (const cur of currencies) {
    const list = byCurrency.get(cur) ?? [];
    const methods = [...new Set(list.map((r) => r.method))];
    const totals = new Map<string, number>();
    for (const r of list) totals.set(r.date, (totals.get(r.date) ?? 0) + r.amount);
    const max = Math.max(0, ...totals.values());
    const left = 64;
    const W = 600;
    const H = 160;
    const bw = (W - left) / days.length;
    const svg = svgEl('svg', {
      viewBox: `0 0 ${W} ${H + 22}`,
      width: '100%',
      role: 'img',
      'aria-label': t('Daily captured volume in {c}', { c: cur }),
    });
    // The axis: zero and the day's maximum, labelled in the currency.
    svg.appendChild(svgEl('line', { x1: left - 4, y1: H, x2: W, y2: H, stroke: '#8a94a6' }));
    svg.appendChild(svgEl('line', { x1: left - 4, y1: 10, x2: W, y2: 10, stroke: '#e4e8ef' }));
    svg.appendChild(svgEl('text', { x: left - 8, y: 14, 'font-size': 10, 'text-anchor': 'end' }, fmt(max, cur)));
    svg.appendChild(svgEl('text', { x: left - 8, y: H, 'font-size': 10, 'text-anchor': 'end' }, fmt(0, cur)));
    days.forEach((day, i) => {
      let y = H;
      methods.forEach((m, mi) => {
        const row = list.find((r) => r.date === day && r.method === m);
        if (row === undefined) return;
        const bh = max === 0 ? 0 : Math.max(1, Math.round((row.amount / max) * (H - 10)));
        y -= bh;
        const rect = svgEl('rect', { x: left + i * bw + 3, y, width: bw - 6, height: bh, fill: palette[mi % palette.length] ?? '#0b5cad' });
        rect.appendChild(svgEl('title', {}, `${formatDay(day, lang)} ${word(m)}: ${fmt(row.amount, cur)} (${row.count})`));
        svg.appendChild(rect);
      });
      // Every third day and today are labelled.
      if ((days.length - 1 - i) % 3 === 0)
        svg.appendChild(
          svgEl(
            'text',
            { x: left + i * bw + bw / 2, y: H + 15, 'font-size': 10, 'text-anchor': 'middle', class: i === days.length - 1 ? 'today' : '' },
            i === days.length - 1 ? t('today') : formatDay(day, lang),
          ),
        );
    });
    wrap.appendChild(h('h3', { text: `${cur} · ${t('highest day')} ${fmt(max, cur)}` }));
    wrap.appendChild(svg);
    const legend = h(
      'p',
      { class: 'legend' },
      methods.map((m) => h('span', null, h('i'), word(m))),
    );
    // Colours of the legend swatches (CSP forbids inline style attributes, so set them as properties).
    legend.querySelectorAll('i').forEach((sw, mi) => (sw.style.background = palette[mi % palette.length] ?? ''));
    wrap.appendChild(legend);
  }
  return wrap;
}

export function overview(): void {
  const v = view();
  v.appendChild(h('h2', { text: t('Balances') }));
  const cards = h('div', { class: 'cards', id: 'balances' });
  v.appendChild(cards);
  v.appendChild(h('h2', { text: t('Daily volume (captured, last 14 days)') }));
  const c = h('div');
  v.appendChild(c);
  api<Page>('GET', '/reports/balances').then((b) => {
    if (b.data.length === 0) cards.appendChild(h('p', { class: 'muted', text: t('No balances yet.') }));
    const by = new Map<string, { available: number; settling: number; authorized: number }>();
    for (const x of b.data) {
      const s = by.get(x.currency) ?? { available: 0, settling: 0, authorized: 0 };
      if (x.account === 'available') s.available += x.posted - x.pending_out;
      else if (x.account === 'pending') s.settling += x.posted;
      s.authorized += x.pending_in;
      by.set(x.currency, s);
    }
    for (const cur of [...by.keys()].sort()) {
      const s = by.get(cur) as { available: number; settling: number; authorized: number };
      cards.appendChild(
        h(
          'div',
          { 'data-currency': cur },
          h('div', { class: 'muted', text: t('{c} available', { c: cur }) }),
          h('div', { class: 'big', text: fmt(s.available, cur) }),
          h('div', { class: 'small', text: `${t('awaiting settlement')} ${fmt(s.settling, cur)}` }),
          s.authorized ? h('div', { class: 'small', text: `${t('authorized')} ${fmt(s.authorized, cur)}` }) : null,
        ),
      );
    }
  }, fail);
  api<Page<VolumeRow>>('GET', '/reports/daily_volume?days=14').then((r) => c.appendChild(chart(r.data)), fail);
}

const filters: Record<string, string> = {};
let cursors: string[] = [];
const filterNames = ['status', 'method', 'brand', 'currency', 'from', 'to', 'order'] as const;
export function payments(cursor = cursors[cursors.length - 1]): void {
  const v = view();
  v.appendChild(h('h2', { text: t('Payments') }));
  const f = h('form', { class: 'filters', id: 'payment-filters' });
  const add = (name: string, label: string, control: HTMLElement) => f.appendChild(field(`f-${name}`, label, control));
  const codes = (list: readonly string[]) => [anyOption(), ...list.map((c) => [c, word(c)] as const)];
  add(
    'status',
    t('Status'),
    picker(
      'f-status',
      codes(['requires_payment_method', 'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled', 'failed']),
      filters.status,
    ),
  );
  add('method', t('Method'), picker('f-method', codes(['card', 'wallet', 'external_wallet']), filters.method));
  add(
    'brand',
    t('Brand'),
    picker('f-brand', codes(['visa', 'mastercard', 'american-express', 'jcb', 'unionpay', 'discover', 'diners-club']), filters.brand),
  );
  add('currency', t('Currency'), picker('f-currency', [anyOption(), ...commonCurrencies.map((c) => [c, c] as const)], filters.currency));
  add('from', t('From (UTC date)'), h('input', { id: 'f-from', name: 'from', type: 'date', value: filters.from ?? '' }));
  add('to', t('To (UTC date)'), h('input', { id: 'f-to', name: 'to', type: 'date', value: filters.to ?? '' }));
  add('order', t('Order id'), h('input', { id: 'f-order', name: 'order', value: filters.order ?? '' }));
  f.appendChild(h('div', null, h('button', { type: 'submit', id: 'apply-filters', text: t('Search') })));
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    for (const n of filterNames) filters[n] = $<HTMLInputElement>(`f-${n}`).value.trim();
    cursors = [];
    payments();
  });
  v.appendChild(f);
  const q = new URLSearchParams({ limit: '20' });
  if (filters.status) q.set('status', filters.status);
  if (filters.method) q.set('method', filters.method);
  if (filters.brand) q.set('brand', filters.brand);
  if (filters.currency) q.set('currency', filters.currency.toUpperCase());
  if (filters.order) q.set('merchant_order_id', filters.order);
  if (filters.from) q.set('created_gte', filters.from);
  if (filters.to) q.set('created_lt', new Date(Date.parse(filters.to) + 86_400_000).toISOString().slice(0, 10));
  if (cursor) q.set('cursor', cursor);
  const out = h('div');
  v.appendChild(out);
  api<Page>('GET', `/payments?${q.toString()}`).then((page) => {
    out.appendChild(
      table(
        [t('Created'), t('Order'), `#${t('Amount')}`, t('Status'), t('Method'), t('Id')],
        page.data.map((p) => {
          const pm = p.payment_method;
          const m = pm ? (pm.card ? `${word(pm.card.brand)} ·${pm.card.last4}` : (p.channel ?? word(pm.type))) : '';
          return h(
            'tr',
            { 'data-id': p.id },
            td(when(p.created_at)),
            td(p.merchant_order_id),
            td(fmt(p.amount, p.currency), 'num'),
            h('td', null, status(p.status)),
            td(m),
            h('td', null, h('a', { href: `#payment/${p.id}`, text: p.id })),
          );
        }),
        'payments-table',
      ),
    );
    if (page.data.length === 0) out.appendChild(h('p', { class: 'muted', id: 'no-payments', text: t('No payments match.') }));
    const pager = h('p');
    if (cursors.length > 0)
      pager.appendChild(
        button('prev-page', `← ${t('Newer')}`, () => {
          cursors.pop();
          payments(cursors[cursors.length - 1]);
        }),
      );
    if (page.has_more && page.next_cursor)
      pager.appendChild(
        button('next-page', `${t('Older')} →`, () => {
          cursors.push(page.next_cursor as string);
          payments(page.next_cursor as string);
        }),
      );
    out.appendChild(pager);
  }, fail);
}

export function paymentDetail(id: string): void {
  const v = view();
  const at = encodeURIComponent(id);
  Promise.all([
    api('GET', `/payments/${at}`),
    api<Page>('GET', `/refunds?payment=${at}`),
    api<Page>('GET', `/payments/${at}/ledger_entries`),
  ]).then(([p, refundPage, linePage]: [Json, Page, Page]) => {
    const refunds = refundPage.data;
    const lines = linePage.data;
    const c: string = p.currency;
    v.appendChild(h('p', null, h('a', { href: '#payments', text: `← ${t('Payments')}` })));
    v.appendChild(h('h2', { id: 'payment-title' }, `${t('Payment')} ${p.id} `, status(p.status)));
    const pm = p.payment_method;
    const method = pm?.card ? t('{brand} ending {last4}', { brand: word(pm.card.brand), last4: pm.card.last4 }) : pm ? word(pm.type) : '—';
    v.appendChild(
      h(
        'div',
        { class: 'cards' },
        card(t('Amount'), fmt(p.amount, c), 'detail-amount'),
        card(t('Refunded'), fmt(p.amount_refunded, c), 'detail-refunded'),
        card(t('Fee'), fmt(p.fee, c)),
        h(
          'div',
          null,
          h('div', { class: 'muted', text: t('Order / method') }),
          h('div', { text: p.merchant_order_id }),
          h('div', { text: method + (p.channel ? ` · ${p.channel}` : '') }),
        ),
      ),
    );
    const refundable: number = p.amount_captured - p.amount_refunded;
    if (refundable > 0) {
      const amount = h('input', { id: 'refund-amount', placeholder: exampleAmount(c), inputmode: 'decimal' });
      const reason = h('input', { id: 'refund-reason', placeholder: t('reason (optional)'), maxlength: 500 });
      const form = h(
        'form',
        { id: 'refund-form', class: 'filters' },
        field('refund-amount', t('Refund amount (blank = all)'), amount),
        field('refund-reason', t('Reason'), reason),
        h('div', null, h('button', { type: 'submit', id: 'refund', class: 'danger', text: t('Refund') })),
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const body: { payment: string; amount?: number; reason?: string } = { payment: p.id };
        if (amount.value.trim()) {
          const minor = parseMoney(amount.value, c);
          if (minor === null || minor <= 0) return say(t('Enter an amount like {x}', { x: exampleAmount(c) }));
          body.amount = minor;
        }
        if (reason.value.trim()) body.reason = reason.value.trim();
        if (!window.confirm(t('Refund {amount}?', { amount: fmt(body.amount ?? refundable, c) }))) return;
        $<HTMLButtonElement>('refund').disabled = true;
        api('POST', '/refunds', body).then(
          (r) => {
            say(`${t('Refund')} ${r.id}: ${word(r.status)}`, true);
            paymentDetail(p.id);
          },
          (e2) => {
            $<HTMLButtonElement>('refund').disabled = false;
            fail(e2);
          },
        );
      });
      v.appendChild(h('h3', { text: t('Refund') }));
      v.appendChild(form);
    }
    v.appendChild(h('h3', { text: t('Timeline') }));
    v.appendChild(
      table(
        [t('At'), t('From'), t('To'), t('Why')],
        p.timeline.map((x: Json) => h('tr', null, td(when(x.at)), td(word(x.from)), h('td', null, status(x.to)), td(x.reason))),
        'timeline',
      ),
    );
    if (p.attempts.length) {
      v.appendChild(h('h3', { text: t('Attempts at channels') }));
      v.appendChild(
        table(
          [t('Sent'), t('Kind'), t('Channel'), t('Status'), t('Code'), `#${t('Amount')}`],
          p.attempts.map((a: Json) =>
            h(
              'tr',
              null,
              td(when(a.sent_at)),
              td(word(a.kind)),
              td(a.channel),
              h('td', null, status(a.status)),
              td(a.response_code ?? ''),
              td(fmt(a.amount, c), 'num'),
            ),
          ),
          'attempts',
        ),
      );
    }
    v.appendChild(h('h3', { text: t('Refunds') }));
    v.appendChild(
      refunds.length
        ? table(
            [t('Created'), t('Id'), `#${t('Amount')}`, t('Status'), t('Reason')],
            refunds.map((r) =>
              h(
                'tr',
                { 'data-id': r.id },
                td(when(r.created_at)),
                td(r.id),
                td(fmt(r.amount, r.currency), 'num'),
                h('td', null, status(r.status)),
                td(r.reason ?? r.failure_reason ?? ''),
              ),
            ),
            'refunds',
          )
        : h('p', { class: 'muted', text: t('None.') }),
    );
    v.appendChild(h('h3', { text: t('Ledger entries') }));
    v.appendChild(
      table(
        [t('At'), t('Entry'), t('Reason'), t('Account'), `#${t('Debit')}`, `#${t('Credit')}`],
        lines.map((l) =>
          h(
            'tr',
            { 'data-reason': l.reason },
            td(when(l.created_at)),
            td(l.entry + (l.kind === 'posted' ? '' : ` (${l.kind})`)),
            td(l.reason),
            td(`${l.account_owner_type}:${l.account_code}`),
            td(l.amount > 0 ? fmt(l.amount, l.currency) : '', 'num'),
            td(l.amount < 0 ? fmt(-l.amount, l.currency) : '', 'num'),
          ),
        ),
        'ledger',
      ),
    );
  }, fail);
}

export function webhooks(): void {
  const v = view();
  v.appendChild(h('h2', { text: t('Webhook endpoints') }));
  const url = h('input', { id: 'webhook-url', type: 'url', placeholder: 'https://shop.example/hooks/hutong', required: true });
  const form = h(
    'form',
    { id: 'webhook-form', class: 'filters' },
    field('webhook-url', t('URL (all events)'), url),
    h('div', null, h('button', { type: 'submit', text: t('Add endpoint') })),
  );
  const secret = h('pre', { id: 'webhook-secret', hidden: true });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    api('POST', '/webhook_endpoints', { url: url.value.trim(), enabled_events: ['*'] }).then((ep) => {
      webhooks();
      setTimeout(() => {
        const s = $('webhook-secret');
        s.hidden = false;
        s.textContent = `${t('Signing secret (shown once):')} ${ep.secret}`;
      }, 50);
    }, fail);
  });
  v.appendChild(form);
  v.appendChild(secret);
  const list = h('div');
  v.appendChild(list);
  api<Page>('GET', '/webhook_endpoints?limit=100').then((page) => {
    if (!page.data.length) list.appendChild(h('p', { class: 'muted', text: t('No endpoints.') }));
    for (const ep of page.data) {
      const log = h('div');
      list.appendChild(h('h3', { text: `${ep.url} (${word(ep.status)})` }));
      list.appendChild(log);
      api<Page>('GET', `/webhook_endpoints/${ep.id}/deliveries?limit=20`).then((d) => {
        log.appendChild(
          table(
            [t('Created'), t('Event'), t('Status'), t('Attempts'), t('Last answer'), ''],
            d.data.map((x) =>
              h(
                'tr',
                null,
                td(when(x.created_at)),
                td(x.event_type),
                h('td', null, status(x.status)),
                td(x.attempts, 'num'),
                td(x.last_status_code ?? x.last_error ?? ''),
                h(
                  'td',
                  null,
                  button(
                    null,
                    t('Redeliver'),
                    () =>
                      api('POST', `/events/${x.event}/redeliver`, {}).then(() => after(webhooks, `${t('Queued again:')} ${x.event}`), fail),
                    'redeliver secondary',
                  ),
                ),
              ),
            ),
            `deliveries-${ep.id}`,
          ),
        );
      }, fail);
    }
  }, fail);
}

export function keys(): void {
  const v = view();
  v.appendChild(h('h2', { text: t('API keys') }));
  v.appendChild(
    h('p', {
      class: 'small',
      text: t(
        'Secret keys are shown once, when the operator issues them; here only their hints. Ask the operator to issue or revoke keys.',
      ),
    }),
  );
  api<Page>('GET', '/api_keys').then((k) => {
    v.appendChild(
      table(
        [t('Id'), t('Hint'), t('Mode'), t('Created'), t('Revoked')],
        k.data.map((x) => h('tr', null, td(x.id), td(x.hint), td(word(x.mode)), td(when(x.created_at)), td(when(x.revoked_at) || '—'))),
        'keys',
      ),
    );
  }, fail);
}

// ---- escrow trades ----
let escrowFilter = '';
let escrowCursors: string[] = [];
const escrowStatuses = ['awaiting_payment', 'held', 'shipped', 'refunding', 'disputed', 'completed', 'refunded', 'closed'];
export function escrows(cursor = escrowCursors[escrowCursors.length - 1]): void {
  const v = view();
  v.appendChild(h('h2', { text: t('Escrow trades') }));
  const s = picker('escrow-status', [anyOption(), ...escrowStatuses.map((c) => [c, word(c)] as const)], escrowFilter);
  s.addEventListener('change', () => {
    escrowFilter = s.value;
    escrowCursors = [];
    escrows();
  });
  v.appendChild(h('div', { class: 'filters' }, field('escrow-status', t('Status'), s)));
  const q = new URLSearchParams({ limit: '20' });
  if (escrowFilter) q.set('status', escrowFilter);
  if (cursor) q.set('cursor', cursor);
  api<Page>('GET', `/escrows?${q.toString()}`).then((page) => {
    v.appendChild(
      table(
        [t('Created'), t('Order'), `#${t('Amount')}`, `#${t('Held')}`, t('Status'), t('Shipping'), t('Id')],
        page.data.map((e) =>
          h(
            'tr',
            { 'data-id': e.id },
            td(when(e.created_at)),
            td(e.merchant_order_id),
            td(fmt(e.amount, e.currency), 'num'),
            td(fmt(e.amount_held, e.currency), 'num'),
            h('td', null, status(e.status)),
            td(e.shipping ? `${e.shipping.carrier} ${e.shipping.waybill_number}` : ''),
            h('td', null, h('a', { href: `#escrow/${e.id}`, text: e.id })),
          ),
        ),
        'escrows-table',
      ),
    );
    if (!page.data.length) v.appendChild(h('p', { class: 'muted', text: t('No trades match.') }));
    const pager = h('p');
    if (escrowCursors.length)
      pager.appendChild(
        button(null, `← ${t('Newer')}`, () => {
          escrowCursors.pop();
          escrows(escrowCursors[escrowCursors.length - 1]);
        }),
      );
    if (page.has_more && page.next_cursor)
      pager.appendChild(
        button(null, `${t('Older')} →`, () => {
          escrowCursors.push(page.next_cursor as string);
          escrows(page.next_cursor as string);
        }),
      );
    v.appendChild(pager);
  }, fail);
}

export function escrowDetail(id: string): void {
  const v = view();
  api('GET', `/escrows/${encodeURIComponent(id)}`).then((e) => {
    const c: string = e.currency;
    const r = e.refund_request;
    const step = (path: string, body: object, ask?: string) => {
      if (ask !== undefined && !window.confirm(ask)) return;
      api('POST', `/escrows/${e.id}/${path}`, body).then((x) => {
        escrowDetail(e.id);
        say(t('Trade {id} is now {status}.', { id: x.id, status: word(x.status) }), true);
      }, fail);
    };
    const form = (fid: string, fields: HTMLElement[], label: string, submit: () => void, cls?: string) => {
      const f = h(
        'form',
        { id: fid, class: 'filters' },
        fields,
        h('div', null, h('button', { type: 'submit', id: fid.replace('-form', ''), class: cls, text: label })),
      );
      f.addEventListener('submit', (ev) => {
        ev.preventDefault();
        submit();
      });
      return f;
    };
    v.appendChild(h('p', null, h('a', { href: '#escrow', text: `← ${t('Escrow trades')}` })));
    v.appendChild(h('h2', { id: 'escrow-title' }, `${t('Trade')} ${e.id} `, status(e.status)));
    v.appendChild(
      h(
        'div',
        { class: 'cards' },
        card(t('Amount'), fmt(e.amount, c)),
        card(t('Held'), fmt(e.amount_held, c), 'escrow-held'),
        card(t('Released'), fmt(e.amount_released, c), 'escrow-released'),
        card(t('Refunded'), fmt(e.amount_refunded, c), 'escrow-refunded'),
        card(t('Fee'), fmt(e.fee ?? 0, c)),
      ),
    );
    v.appendChild(
      h(
        'p',
        null,
        `${t('Order')} ${e.merchant_order_id} · ${word(e.goods_type)}${e.description ? ` · ${e.description}` : ''} · ${t('payment')} `,
        h('a', { href: `#payment/${e.payment}`, text: e.payment }),
        e.buyer_url
          ? h(
              'span',
              null,
              ' · ',
              h('a', { href: e.buyer_url, id: 'buyer-link', target: '_blank', rel: 'noopener', text: t('buyer page') }),
            )
          : null,
      ),
    );
    if (e.status === 'held') {
      const carrier = h('input', { id: 'ship-carrier', required: true, maxlength: 60, placeholder: 'SF Express' });
      const waybill = h('input', { id: 'ship-waybill', required: true, maxlength: 60 });
      v.appendChild(h('h3', { text: t('Ship') }));
      v.appendChild(
        form(
          'ship-form',
          [field('ship-carrier', t('Carrier'), carrier), field('ship-waybill', t('Waybill number'), waybill)],
          t('Mark shipped'),
          () => step('ship', { carrier: carrier.value.trim(), waybill_number: waybill.value.trim() }),
        ),
      );
    }
    if (e.status === 'shipped') {
      const days = h('input', { id: 'extend-days', type: 'number', min: 1, max: 30, value: 3 });
      v.appendChild(
        h('h3', { text: t("Buyer's confirm period: until {at} (extended {n}×)", { at: when(e.confirm_due_at), n: e.extensions }) }),
      );
      v.appendChild(
        form('extend-form', [field('extend-days', t('Extend by days'), days)], t('Extend'), () =>
          step('extend', { days: Number(days.value) }),
        ),
      );
    }
    if (e.status === 'refunding' && r) {
      const reason = h('input', { id: 'refuse-reason', required: true, maxlength: 500 });
      v.appendChild(h('h3', { text: `${t('Refund request:')} ${fmt(r.amount, c)} · ${r.reason}${r.note ? ` · “${r.note}”` : ''}` }));
      v.appendChild(
        h(
          'p',
          null,
          button('agree-refund', t('Agree: refund {amount}', { amount: fmt(r.amount, c) }), () =>
            step('agree_refund', {}, t('Refund {amount} to the buyer?', { amount: fmt(r.amount, c) })),
          ),
        ),
      );
      v.appendChild(
        form(
          'refuse-refund-form',
          [field('refuse-reason', t('Refuse because (the operator will arbitrate)'), reason)],
          t('Refuse'),
          () => step('refuse_refund', { reason: reason.value.trim() }),
          'danger',
        ),
      );
    }
    if (e.status === 'awaiting_payment')
      v.appendChild(
        h(
          'p',
          null,
          button(
            'cancel-escrow',
            t('Close this unpaid trade'),
            () => step('cancel', {}, t('Close the trade and cancel its payment?')),
            'danger',
          ),
        ),
      );
    const rows: [string, string][] = [[e.created_at, t('created ({amount})', { amount: fmt(e.amount, c) })]];
    if (e.close_due_at) rows.push([e.close_due_at, t('closes if still unpaid')]);
    if (e.shipping) rows.push([e.shipping.shipped_at, `${t('shipped:')} ${e.shipping.carrier} ${e.shipping.waybill_number}`]);
    if (r) rows.push([r.requested_at, t('refund requested: {amount} ({reason})', { amount: fmt(r.amount, c), reason: r.reason })]);
    if (e.dispute) rows.push([e.dispute.opened_at, `${t('seller refused:')} ${e.dispute.seller_reason}`]);
    if (e.resolution) {
      const x = e.resolution;
      rows.push([
        x.at,
        t('{decision} by {by}: refunded {refunded}, released {released}', {
          decision: word(x.decision),
          by: x.by,
          refunded: fmt(x.refunded, c),
          released: fmt(x.released, c),
        }) + (x.note ? ` (${x.note})` : ''),
      ]);
    }
    if (e.status === 'shipped' && e.confirm_due_at) rows.push([e.confirm_due_at, t('receipt confirmed automatically (due)')]);
    rows.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    v.appendChild(h('h3', { text: t('Timeline') }));
    v.appendChild(
      table(
        [t('At'), t('What')],
        rows.map((x) => h('tr', null, td(when(x[0])), td(x[1]))),
        'escrow-timeline',
      ),
    );
  }, fail);
}

// ---- settlements ----
const money = (c: string) => (x: number | null | undefined) => td(fmt(x ?? 0, c), 'num');
export function settlements(): void {
  const v = view();
  v.appendChild(h('h2', { text: t('Settlements') }));
  const sched = h('p', { id: 'schedule', class: 'small' });
  const stm = h('div');
  const pay = h('div');
  const banks = h('div');
  v.appendChild(sched);
  v.appendChild(stm);
  api('GET', '/settlement_schedule').then((s) => {
    sched.textContent =
      t('Schedule (set by the operator): T+{d}, cut-off {hh}:00 {zone}', {
        d: s.delay_days,
        hh: String(s.cutoff_hour).padStart(2, '0'),
        zone: s.time_zone,
      }) +
      (s.minimum_payout ? t(', minimum payout {x} (minor units)', { x: s.minimum_payout }) : '') +
      (s.reserve_percent_bps
        ? t(', rolling reserve {p}% held {d} days', { p: s.reserve_percent_bps / 100, d: s.reserve_hold_days })
        : t(', no reserve')) +
      '.';
  }, fail);
  api<Page>('GET', '/settlements?limit=50').then((page) => {
    stm.appendChild(
      table(
        [
          t('Period'),
          t('Currency'),
          `#${t('Gross')}`,
          `#${t('Fees')}`,
          `#${t('Refunds')}`,
          `#${t('Chargebacks')}`,
          `#${t('Reserve')}`,
          `#${t('Carried')}`,
          `#${t('Payout')}`,
          t('Status'),
        ],
        page.data.map((s, i) => {
          const m = money(s.currency);
          const x = s.summary ?? {};
          const older = page.data[i + 1];
          return h(
            'tr',
            { 'data-id': s.id },
            h('td', null, h('a', { href: `#settlement/${s.id}`, text: `${older ? when(older.window_end) : '…'} → ${when(s.window_end)}` })),
            td(s.currency),
            m(x.gross),
            m(-(x.fees ?? 0)),
            m(x.refunds),
            m(x.chargebacks),
            m(-s.reserve),
            m(s.carried_out),
            m(s.payout_amount),
            h('td', null, status(x.payout_status ?? 'carried')),
          );
        }),
        'settlements-table',
      ),
    );
    if (!page.data.length) stm.appendChild(h('p', { class: 'muted', text: t('No statements yet.') }));
  }, fail);
  v.appendChild(h('h3', { text: t('Payouts') }));
  v.appendChild(pay);
  api<Page>('GET', '/payouts?limit=50').then((page) => {
    pay.appendChild(
      table(
        [t('Created'), t('Id'), `#${t('Amount')}`, t('Status'), t('Failure'), t('Statement')],
        page.data.map((p) =>
          h(
            'tr',
            { 'data-id': p.id },
            td(when(p.created_at)),
            td(p.id),
            td(fmt(p.amount, p.currency), 'num'),
            h('td', null, status(p.status)),
            td(p.failure_code ? `${p.failure_code}: ${p.failure_reason}` : ''),
            h('td', null, h('a', { href: `#settlement/${p.settlement}`, text: p.settlement })),
          ),
        ),
        'payouts-table',
      ),
    );
  }, fail);
  v.appendChild(h('h3', { text: t('Bank accounts') }));
  v.appendChild(banks);
  const cur = picker(
    'bank-currency',
    commonCurrencies.map((c) => [c, c] as const),
    'CNY',
    { required: true },
  );
  const holder = h('input', { id: 'bank-holder', required: true, maxlength: 140 });
  const iban = h('input', { id: 'bank-iban', maxlength: 42, placeholder: t('IBAN, or:') });
  const number = h('input', { id: 'bank-number', maxlength: 34 });
  const code = h('input', { id: 'bank-code', maxlength: 20 });
  const f = h(
    'form',
    { id: 'bank-form', class: 'filters' },
    field('bank-currency', t('Currency'), cur),
    field('bank-holder', t('Holder'), holder),
    field('bank-iban', 'IBAN', iban),
    field('bank-number', t('Account number'), number),
    field('bank-code', t('Bank code'), code),
    h('div', null, h('button', { type: 'submit', id: 'add-bank', text: t('Add account') })),
  );
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    const body: Record<string, string> = { currency: cur.value, holder_name: holder.value.trim() };
    if (iban.value.trim()) body.iban = iban.value.trim();
    else {
      body.account_number = number.value.trim();
      body.bank_code = code.value.trim();
    }
    api('POST', '/bank_accounts', body).then(
      (b) => after(settlements, t('Payouts in {c} now go to {account}.', { c: b.currency, account: b.iban ?? b.account_number })),
      fail,
    );
  });
  api<Page>('GET', '/bank_accounts').then((l) => {
    banks.appendChild(
      table(
        [t('Currency'), t('Holder'), t('Account'), t('Bank code'), t('Added')],
        l.data.map((b) =>
          h('tr', null, td(b.currency), td(b.holder_name), td(b.iban ?? b.account_number), td(b.bank_code ?? ''), td(when(b.created_at))),
        ),
        'bank-accounts',
      ),
    );
    banks.appendChild(f);
  }, fail);
}

export function settlementDetail(id: string): void {
  const v = view();
  api('GET', `/settlements/${encodeURIComponent(id)}/lines?limit=500`).then((r) => {
    const s = r.settlement;
    const c: string = s.currency;
    v.appendChild(h('p', null, h('a', { href: '#settlements', text: `← ${t('Settlements')}` })));
    v.appendChild(h('h2', { id: 'settlement-title', text: t('Statement {id} · until {at}', { id: s.id, at: when(s.window_end) }) }));
    v.appendChild(
      h(
        'div',
        { class: 'cards' },
        card(t('Carried in'), fmt(s.carried_in, c)),
        card(t('Lines ({n})', { n: s.lines_count }), fmt(s.lines_total, c), 'lines-total'),
        card(t('Reserve'), fmt(s.reserve, c)),
        card(t('Payout'), fmt(s.payout_amount, c), 'statement-payout'),
        card(t('Carried out'), fmt(s.carried_out, c)),
      ),
    );
    v.appendChild(
      h(
        'p',
        null,
        h('a', {
          id: 'lines-csv',
          href: `/v1/settlements/${encodeURIComponent(s.id)}/lines.csv`,
          download: `${s.id}.csv`,
          text: t('Download the lines as CSV'),
        }),
      ),
    );
    v.appendChild(
      table(
        [t('Posted'), t('Reason'), t('Object'), `#${t('Amount')}`],
        r.data.map((l: Json) =>
          h(
            'tr',
            { 'data-reason': l.reason },
            td(when(l.posted_at)),
            td(word(l.reason)),
            td(l.object_id ? `${l.object_type} ${l.object_id}` : ''),
            td(fmt(l.amount, c), 'num'),
          ),
        ),
        'lines',
      ),
    );
    if (r.has_more) v.appendChild(h('p', { class: 'muted', text: t('The first 500 lines; the CSV has them all.') }));
  }, fail);
}
