import { api, button, fail, field, picker, anyOption, table, td, view, type Json, type Page } from './kit.js';
import { fmt, h, say, t, when, type Child } from './ui.js';
import type { Word } from './words.js';

/**
 * Customs declarations (docs/customs.md): the merchant dashboard's list of its declarations, a
 * declaration's status history and — for one customs returned (100) or that ended in an error —
 * what to fix, from customs' reason; and the operator console's view of all declarations with a
 * summary of the rejection reasons. Everything comes from `GET /v1/customs_declarations` (a
 * merchant's own; with the operator's session, everyone's, with `merchant`).
 */
const statuses = ['pending', 'submitted', 'accepted', 'returned', 'failed', 'withdrawing', 'withdrawn'] as const;
const statusWords: Record<string, Word> = {
  pending: 'Pending push',
  submitted: 'Submitted',
  accepted: 'Accepted (120)',
  returned: 'Returned (100)',
  failed: 'Error',
  withdrawing: 'Withdrawing',
  withdrawn: 'Withdrawn',
};
export function declarationStatusWord(code: string): string {
  const w = statusWords[code];
  return w === undefined ? code : t(w);
}

function statusChip(code: string): HTMLSpanElement {
  return h('span', { class: `status ${code}`, 'data-status': code, text: declarationStatusWord(code) });
}

/**
 * What to fix, from customs' returnStatus and its reason. Customs words its reasons in Chinese
 * (the sandbox adds the English in brackets); the phrases matched are customs' own.
 */
export function whatToFix(d: {
  status: string;
  return_status: string | null;
  return_info: string | null;
  last_error: string | null;
}): Word | null {
  if (d.status !== 'returned' && d.status !== 'failed') return null;
  const info = d.return_info ?? '';
  const code = d.return_status ?? '';
  if (code === '-621049' || info.includes('签名'))
    return 'Customs could not verify Hutong’s signature: the operator must register Hutong’s customs certificate with the single window, then push again.';
  if (code === '-621041' || info.includes('重复申报'))
    return 'Customs already has this payment slip: modify the declaration instead of declaring it again.';
  if (info.includes('未备案'))
    return 'Hutong is not registered with customs as a declarant: the operator registers it with the single window.';
  if (info.includes('电商订单不存在'))
    return 'Customs has no e-commerce order for this order number: the platform must send its order (CEB311), then push this slip again.';
  if (info.includes('运单不存在')) return 'Customs has no waybill for this order: the carrier must send its waybill (CEB511).';
  if (info.includes('实际支付金额'))
    return 'The amount paid on the platform’s order differs from this payment slip: correct the order (goods value + freight + tax − discount = the amount paid), or modify the declaration, then push again.';
  if (info.includes('订购人与支付人'))
    return 'The platform’s order names another buyer than this payment’s payer: the order’s buyer must be the payer (name and ID number).';
  if (info.includes('收货人')) return 'The consignee on the order differs from the waybill’s: correct one of them.';
  if (info.includes('年度交易限值'))
    return 'The buyer’s yearly cross-border import allowance is spent: this order cannot clear this year; refund it.';
  if (info.includes('单次交易限值')) return 'The order is above the CNY 5,000 single-order limit: split it or refund it.';
  if (info.includes('已放行')) return 'Customs released the goods; the slip cannot be withdrawn.';
  if (code === '' && d.last_error !== null)
    return 'Customs could not be reached; Hutong stopped retrying. Check the link to the single window, then push again.';
  return 'Read customs’ reason, correct the order, waybill or declaration, then push again.';
}

let filter = '';
let cursors: string[] = [];

function listQuery(cursor: string | undefined): string {
  const q = new URLSearchParams({ limit: '20' });
  if (filter) q.set('status', filter);
  if (cursor) q.set('cursor', cursor);
  return q.toString();
}

function filters(render: () => void): HTMLElement {
  const s = picker('customs-status', [anyOption(), ...statuses.map((c) => [c, declarationStatusWord(c)] as const)], filter);
  s.addEventListener('change', () => {
    filter = s.value;
    cursors = [];
    render();
  });
  return h('div', { class: 'filters' }, field('customs-status', t('Status'), s));
}

function pager(page: Page, render: (cursor?: string) => void): HTMLElement {
  const p = h('p');
  if (cursors.length)
    p.appendChild(
      button(null, `← ${t('Newer')}`, () => {
        cursors.pop();
        render(cursors[cursors.length - 1]);
      }),
    );
  if (page.has_more && page.next_cursor)
    p.appendChild(
      button(null, `${t('Older')} →`, () => {
        cursors.push(page.next_cursor as string);
        render(page.next_cursor as string);
      }),
    );
  return p;
}

/** Dashboard, #customs: the merchant's declarations; a returned one shows customs' reason and what to fix. */
export function customsDeclarations(cursor = cursors[cursors.length - 1]): void {
  const v = view();
  v.appendChild(h('h2', { text: t('Customs declarations') }));
  v.appendChild(
    h('p', {
      class: 'muted',
      text: t('Declared payments go to the customs single window as CEB411 payment slips; customs answers with receipts.'),
    }),
  );
  v.appendChild(filters(() => customsDeclarations()));
  api<Page>('GET', `/customs_declarations?${listQuery(cursor)}`).then((page) => {
    v.appendChild(
      table(
        [
          t('Created'),
          t('Order no.'),
          t('Customs office'),
          `#${t('Amount declared (CNY)')}`,
          t('Status'),
          t("Customs' reason"),
          t('What to fix'),
          t('Id'),
        ],
        page.data.map((d: Json) => {
          const fix = whatToFix(d);
          return h(
            'tr',
            { 'data-id': d.id, 'data-status': d.status },
            td(when(d.created_at)),
            td(d.sub_order_no ? `${d.order_no} / ${d.sub_order_no}` : d.order_no),
            td(d.customs_office),
            td(fmt(d.amount, 'CNY'), 'num'),
            h('td', null, statusChip(d.status)),
            td(d.return_info, 'reason'),
            td(fix === null ? '' : t(fix), 'fix'),
            h('td', null, h('a', { href: `#customs/${d.id}`, text: d.id })),
          );
        }),
        'customs-table',
      ),
    );
    if (!page.data.length) v.appendChild(h('p', { class: 'muted', text: t('No declarations match.') }));
    v.appendChild(pager(page, customsDeclarations));
  }, fail);
}

/** Dashboard, #customs/{id}: one declaration, its status history, and what to fix. */
export function customsDeclarationDetail(id: string): void {
  const v = view();
  api('GET', `/customs_declarations/${encodeURIComponent(id)}`).then((d) => {
    v.appendChild(h('p', null, h('a', { href: '#customs', text: `← ${t('Customs declarations')}` })));
    v.appendChild(h('h2', { text: t('Customs declaration {id}', { id: d.id }) }));
    const rows: [string, Child][] = [
      [t('Status'), statusChip(d.status)],
      [t('Order no.'), d.order_no],
      [t('Sub-order'), d.sub_order_no ?? ''],
      [t('Customs office'), d.customs_office],
      [t('Amount declared (CNY)'), fmt(d.amount, 'CNY')],
      [t('Payment amount'), fmt(d.payment_amount, d.payment_currency)],
      [t('Locked rate to CNY'), d.cny_rate ?? ''],
      [t('Payer'), `${d.payer.name} · ${d.payer.id_number_masked}`],
      [t('Version'), String(d.version)],
      [t('Push attempts'), String(d.push_attempts)],
      [t("Customs' reason"), d.return_info ?? ''],
      [t('Last error'), d.last_error ?? ''],
    ];
    v.appendChild(
      h(
        'dl',
        { class: 'facts', id: 'customs-facts' },
        rows.filter(([, value]) => value !== '').map(([k, value]) => [h('dt', { text: k }), h('dd', null, value)]),
      ),
    );
    const fix = whatToFix(d);
    if (fix !== null) {
      v.appendChild(h('h3', { text: t('What to fix') }));
      v.appendChild(h('p', { id: 'customs-fix', class: 'msg', text: t(fix) }));
      v.appendChild(
        button('customs-modify', t('Modify and push again'), () => {
          api('POST', `/customs_declarations/${encodeURIComponent(d.id)}/modify`, {}).then((x) => {
            customsDeclarationDetail(d.id);
            setTimeout(() => say(t('Pushed again as version {v}.', { v: x.version }), true), 50);
          }, fail);
        }),
      );
    } else if (d.status === 'pending' || d.status === 'submitted' || d.status === 'withdrawing') {
      v.appendChild(h('p', { class: 'muted', text: t('Waiting for customs’ answer.') }));
    }
    v.appendChild(h('h3', { text: t('Status history') }));
    v.appendChild(
      table(
        [t('At'), t('Version'), t('Status'), t('Receipt code'), t("Customs' reason")],
        (d.history as Json[]).map((e) =>
          h(
            'tr',
            { 'data-status': e.status },
            td(when(e.at)),
            td(e.version),
            h('td', null, statusChip(e.status)),
            td(e.return_status),
            td(e.return_info),
          ),
        ),
        'customs-history',
      ),
    );
  }, fail);
}

/** Console, #customs: every merchant's declarations, and the rejection reasons among them. */
export function customsOps(cursor = cursors[cursors.length - 1]): void {
  const v = view();
  v.appendChild(h('h2', { text: t('All customs declarations') }));
  v.appendChild(filters(() => customsOps()));
  api<Page>('GET', `/customs_declarations?${listQuery(cursor)}`).then((page) => {
    const refused = page.data.filter((d: Json) => d.status === 'returned' || d.status === 'failed');
    const reasons = new Map<string, number>();
    for (const d of refused) {
      const reason: string = d.return_info ?? d.last_error ?? '—';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    v.appendChild(h('h3', { text: t('Rejection reasons') }));
    v.appendChild(h('p', { class: 'muted', text: t('Declarations returned or in error on this page, by customs’ reason.') }));
    v.appendChild(
      table(
        [t("Customs' reason"), `#${t('Declarations')}`, t('What to fix')],
        [...reasons.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([reason, n]) => {
            const sample = refused.find((d: Json) => (d.return_info ?? d.last_error ?? '—') === reason);
            const fix = whatToFix(sample);
            return h('tr', null, td(reason), td(n, 'num'), td(fix === null ? '' : t(fix)));
          }),
        'customs-reasons',
      ),
    );
    v.appendChild(h('h3', { text: t('Customs declarations') }));
    v.appendChild(
      table(
        [
          t('Created'),
          t('Merchant'),
          t('Order no.'),
          t('Customs office'),
          `#${t('Amount declared (CNY)')}`,
          t('Status'),
          t('Receipt code'),
          t("Customs' reason"),
        ],
        page.data.map((d: Json) =>
          h(
            'tr',
            { 'data-id': d.id, 'data-status': d.status },
            td(when(d.created_at)),
            td(d.merchant),
            td(d.sub_order_no ? `${d.order_no} / ${d.sub_order_no}` : d.order_no),
            td(d.customs_office),
            td(fmt(d.amount, 'CNY'), 'num'),
            h('td', null, statusChip(d.status)),
            td(d.return_status),
            td(d.return_info ?? d.last_error),
          ),
        ),
        'customs-ops-table',
      ),
    );
    if (!page.data.length) v.appendChild(h('p', { class: 'muted', text: t('No declarations match.') }));
    v.appendChild(pager(page, customsOps));
  }, fail);
}
