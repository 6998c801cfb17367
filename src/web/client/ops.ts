import { exampleAmount, parseMoney } from './format.js';
import { after, api, button, commonCurrencies, fail, field, picker, table, td, view, type Json, type Page } from './kit.js';
import { $, fmt, h, say, status, t, when, word } from './ui.js';

/** The operator console's views (#merchants, #ledger, #disputes, #settlement, #reconciliation). */
export function merchants(): void {
  const v = view();
  v.appendChild(h('h2', { text: t('Merchants') }));
  const name = h('input', { id: 'merchant-name', required: true, maxlength: 200 });
  const country = h('input', { id: 'merchant-country', required: true, maxlength: 2, value: 'CN', autocapitalize: 'characters' });
  const currency = picker(
    'merchant-currency',
    commonCurrencies.map((c) => [c, c] as const),
    'CNY',
    { required: true },
  );
  const form = h(
    'form',
    { id: 'merchant-form', class: 'filters' },
    field('merchant-name', t('Name'), name),
    field('merchant-country', t('Country'), country),
    field('merchant-currency', t('Settlement currency'), currency),
    h('div', null, h('button', { type: 'submit', id: 'create-merchant', text: t('Create merchant') })),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    api('POST', '/merchants', {
      name: name.value.trim(),
      country: country.value.trim().toUpperCase(),
      settlement_currency: currency.value,
    }).then(
      (m) =>
        after(
          merchants,
          // A replayed creation carries no secret (it was shown the first time only).
          m.api_key.secret_key === null || m.api_key.secret_key === undefined
            ? t('{name} was created before; its secret key was shown then. Issue a new key if it is lost.', { name: m.name })
            : t('Created {name}. Its secret key, shown once: {key}', { name: m.name, key: m.api_key.secret_key }),
        ),
      fail,
    );
  });
  v.appendChild(form);
  // The merchant of a login is picked from the list, not pasted.
  const loginMerchant = h('select', { id: 'login-merchant', required: true });
  const loginEmail = h('input', { id: 'login-email', type: 'email', required: true });
  const loginPassword = h('input', { id: 'login-password', type: 'password', required: true, minlength: 12, autocomplete: 'new-password' });
  const loginForm = h(
    'form',
    { id: 'login-form', class: 'filters' },
    field('login-merchant', t('Merchant'), loginMerchant),
    field('login-email', t('Staff email'), loginEmail),
    field('login-password', t('Password (12+)'), loginPassword),
    h('div', null, h('button', { type: 'submit', id: 'create-login', text: t('Create dashboard login') })),
  );
  loginForm.addEventListener('submit', (e) => {
    e.preventDefault();
    api('POST', `/merchants/${encodeURIComponent(loginMerchant.value)}/logins`, {
      email: loginEmail.value.trim(),
      password: loginPassword.value,
    }).then((l) => {
      loginPassword.value = '';
      say(t('Dashboard login {email} created for {merchant}.', { email: l.email, merchant: l.merchant }), true);
    }, fail);
  });
  v.appendChild(h('h3', { text: t('Dashboard logins') }));
  v.appendChild(loginForm);
  api<Page>('GET', '/merchants?limit=100').then((page) => {
    for (const m of page.data) loginMerchant.appendChild(h('option', { value: m.id, text: `${m.name} (${m.id})` }));
    v.appendChild(
      table(
        [t('Created'), t('Id'), t('Name'), t('Country'), t('Currency'), t('Status'), ''],
        page.data.map((m) =>
          h(
            'tr',
            { 'data-id': m.id },
            td(when(m.created_at)),
            td(m.id),
            td(m.name),
            td(m.country),
            td(m.settlement_currency),
            h('td', null, status(m.status)),
            h(
              'td',
              null,
              m.status === 'active'
                ? button(
                    null,
                    t('Suspend'),
                    () => {
                      if (window.confirm(t('Suspend {name}? Its keys stop working at once.', { name: m.name })))
                        api('POST', `/merchants/${m.id}/suspend`, {}).then(() => merchants(), fail);
                    },
                    'suspend danger',
                  )
                : '',
            ),
          ),
        ),
        'merchants',
      ),
    );
  }, fail);
}

export function ledger(): void {
  const v = view();
  v.appendChild(h('h2', { text: t('Ledger') }));
  const out = h('div', { id: 'verify-result' });
  const verify = button('verify', t('Verify the ledger now'), () => {
    verify.disabled = true;
    out.textContent = t('Checking…');
    api('POST', '/ledger/verify', {}).then(
      (r) => {
        verify.disabled = false;
        out.textContent = '';
        const counts = t('{a} accounts, {e} entries, {p} postings', { a: r.counts.accounts, e: r.counts.entries, p: r.counts.postings });
        out.appendChild(
          h('p', {
            id: 'verify-summary',
            class: r.ok ? 'msg ok' : 'msg',
            text: `${r.ok ? t('Ledger verified:') : t('LEDGER INVARIANT BROKEN:')} ${counts}`,
          }),
        );
        out.appendChild(
          table(
            [t('Check'), t('Result'), t('Offenders')],
            r.checks.map((c: Json) => h('tr', null, td(c.name), h('td', null, status(c.ok ? 'ok' : 'fail')), td(c.offenders.join(', ')))),
            'verify-checks',
          ),
        );
      },
      (e2) => {
        verify.disabled = false;
        fail(e2);
      },
    );
  });
  v.appendChild(verify);
  v.appendChild(out);
}

export function disputes(): void {
  const v = view();
  v.appendChild(h('h2', { text: t('Disputes') }));
  v.appendChild(
    h('p', {
      class: 'small',
      text: t(
        "Escrow trades whose seller refused the buyer's refund request. Refund the buyer, release to the seller, or split (the buyer's part is refunded, the rest released).",
      ),
    }),
  );
  Promise.all([api<Page>('GET', '/escrows?status=disputed&limit=100'), api<Page>('GET', '/merchants?limit=100')]).then(([page, ms]) => {
    const names = new Map<string, string>(ms.data.map((m) => [m.id, m.name]));
    if (!page.data.length) v.appendChild(h('p', { class: 'muted', id: 'no-disputes', text: t('No open disputes.') }));
    for (const e of page.data) {
      const c: string = e.currency;
      const r = e.refund_request ?? {};
      const d = e.dispute ?? {};
      const split = h('input', { id: `split-${e.id}`, class: 'split-amount', inputmode: 'decimal', placeholder: exampleAmount(c) });
      const note = h('input', { id: `note-${e.id}`, class: 'note', maxlength: 500 });
      const decide = (decision: 'refund' | 'release' | 'split') => {
        const body: { decision: string; refund_amount?: number; note?: string } = { decision };
        if (decision === 'split') {
          const m = parseMoney(split.value, c);
          if (!m) return say(t("Enter the buyer's part of the split, like {x}", { x: exampleAmount(c) }));
          body.refund_amount = m;
        }
        if (note.value.trim()) body.note = note.value.trim();
        const what =
          decision === 'refund'
            ? t('Refund all {amount} to the buyer', { amount: fmt(e.amount_held, c) })
            : decision === 'release'
              ? t('Release all {amount} to the seller', { amount: fmt(e.amount_held, c) })
              : t('Refund {amount} and release the rest', { amount: fmt(body.refund_amount ?? 0, c) });
        if (!window.confirm(`${what}?`)) return;
        api('POST', `/escrows/${e.id}/arbitrate`, body).then((x) => {
          disputes();
          say(
            t('Trade {id} {status}: refunded {refunded}, released {released}.', {
              id: x.id,
              status: word(x.status),
              refunded: fmt(x.amount_refunded, c),
              released: fmt(x.amount_released, c),
            }),
            true,
          );
        }, fail);
      };
      v.appendChild(
        h(
          'div',
          { class: 'dispute', 'data-id': e.id },
          h('h3', {
            text: `${names.get(e.merchant) ?? e.merchant} · ${t('order')} ${e.merchant_order_id} · ${fmt(e.amount_held, c)} ${t('held')} · ${e.id}`,
          }),
          table(
            [t('Opened'), t('Buyer asks'), t('Reason'), t("Buyer's note"), t('Seller refused because')],
            [h('tr', null, td(when(d.opened_at)), td(fmt(r.amount ?? 0, c), 'num'), td(r.reason), td(r.note ?? ''), td(d.seller_reason))],
          ),
          h(
            'div',
            { class: 'filters' },
            field(`split-${e.id}`, t("Buyer's part (split)"), split),
            field(`note-${e.id}`, t('Note'), note),
            h(
              'div',
              null,
              button(null, t('Refund buyer'), () => decide('refund'), 'refund-buyer'),
            ),
            h(
              'div',
              null,
              button(null, t('Release to seller'), () => decide('release'), 'release-seller'),
            ),
            h(
              'div',
              null,
              button(null, t('Split'), () => decide('split'), 'split secondary'),
            ),
          ),
        ),
      );
    }
  }, fail);
}

const money = (c: string) => (x: number | null | undefined) => td(fmt(x ?? 0, c), 'num');
export function settlementOps(): void {
  const v = view();
  const out = h('div', { id: 'run-result' });
  v.appendChild(h('h2', { text: t('Settlement') }));
  const cut = h('input', { id: 'run-window-end', maxlength: 40, placeholder: t('e.g. {x}', { x: '2026-11-21T08:00:00Z' }) });
  const run = (path: 'settlement_runs' | 'payout_runs', text: string, show: (r: Json) => void) => {
    const b = button(path.replace(/_/g, '-').replace(/s$/, ''), text, () => {
      b.disabled = true;
      api('POST', `/operator/${path}`, path === 'settlement_runs' && cut.value.trim() ? { window_end: cut.value.trim() } : {}).then(
        (r) => {
          b.disabled = false;
          out.textContent = '';
          show(r);
        },
        (e2) => {
          b.disabled = false;
          fail(e2);
        },
      );
    });
    return b;
  };
  v.appendChild(
    h(
      'div',
      { class: 'filters' },
      field('run-window-end', t('Intraday cut-off (optional)'), cut),
      run('settlement_runs', t('Run settlement now'), (r) => {
        out.appendChild(
          h('p', {
            class: 'msg ok',
            text: t('Settlement run: {n} new statements, {r} found made, {x} reserves released.', {
              n: r.statements.length,
              r: r.replayed,
              x: r.reserves_released,
            }),
          }),
        );
        out.appendChild(
          table(
            [t('Statement'), t('Currency'), `#${t('Lines')}`, `#${t('Reserve')}`, `#${t('Payout')}`, `#${t('Carried')}`],
            r.statements.map((s: Json) => {
              const m = money(s.currency);
              return h('tr', null, td(s.id), td(s.currency), m(s.lines_total), m(s.reserve), m(s.payout_amount), m(s.carried_out));
            }),
            'run-statements',
          ),
        );
      }),
      ' ',
      run('payout_runs', t('Run payouts now'), (r) => {
        out.appendChild(
          h('p', {
            class: 'msg ok',
            id: 'payout-summary',
            text: t('Payout run: {f} pain.001 files, {p} paid, {x} rejected, {w} waiting for a bank account.', {
              f: r.files.length,
              p: r.paid,
              x: r.failed,
              w: r.waiting,
            }),
          }),
        );
      }),
    ),
  );
  v.appendChild(
    h('p', {
      class: 'small',
      text: t(
        'Without a cut-off, each merchant is settled for the window its schedule makes due (the daily cycle does the same after each cut-off).',
      ),
    }),
  );
  v.appendChild(out);
  const cycle = h('div');
  v.appendChild(h('h3', { text: t('Daily cycle') }));
  v.appendChild(cycle);
  api('GET', '/operator/scheduled_runs?limit=20').then((r) => {
    cycle.appendChild(
      table(
        [t('Job'), t('Next run'), t('Status'), t('Last error')],
        r.upcoming.map((x: Json) => h('tr', null, td(x.key), td(when(x.due_at)), h('td', null, status(x.status)), td(x.last_error ?? ''))),
        'cycle-upcoming',
      ),
    );
    if (!r.upcoming.length) cycle.appendChild(h('p', { class: 'muted', text: t('The daily cycle starts with hutong start.') }));
    cycle.appendChild(
      table(
        [t('Occurrence'), t('Kind'), t('Status'), t('Attempts'), t('Result')],
        r.data.map((x: Json) => {
          const s = x.result ?? {};
          const result =
            x.kind === 'settlement'
              ? s.statements === undefined
                ? s.error
                : t('{n} statements, payouts {p}', { n: s.statements, p: JSON.stringify(s.payouts) })
              : s.ok === undefined
                ? s.error
                : s.ok
                  ? t('reserve covers the money held')
                  : 'ALERT';
          return h(
            'tr',
            null,
            td(when(x.occurrence)),
            td(word(x.kind)),
            h('td', null, status(x.status)),
            td(x.attempts, 'num'),
            td(result),
          );
        }),
        'cycle-runs',
      ),
    );
    if (!r.data.length) cycle.appendChild(h('p', { class: 'muted', text: t('No scheduled runs yet.') }));
  }, fail);
  v.appendChild(h('h3', { text: t('Netting windows') }));
  const ccy = picker(
    'net-currency',
    commonCurrencies.map((c) => [c, c] as const),
    'CNY',
  );
  const nf = h(
    'form',
    { id: 'net-form', class: 'filters' },
    field('net-currency', t('Currency'), ccy),
    h('div', null, h('button', { type: 'submit', id: 'net', text: t('Net the window up to now') })),
  );
  nf.addEventListener('submit', (e) => {
    e.preventDefault();
    api('POST', '/operator/netting_windows', { currency: ccy.value }).then(
      (w) => after(settlementOps, t('Window {id}: {n} positions, proof sum {s}.', { id: w.id, n: w.positions.length, s: w.proof_sum })),
      fail,
    );
  });
  v.appendChild(nf);
  const wins = h('div');
  v.appendChild(wins);
  api<Page>('GET', '/operator/netting_windows?limit=20').then((r) => {
    wins.appendChild(
      table(
        [t('Window'), t('Currency'), t('Net positions'), t('Proof Σ'), ''],
        r.data.map((w) => {
          const open = w.positions.some(
            (p: Json) => p.participant !== 'hutong' && p.net !== 0 && !w.settled.some((s: Json) => s.participant === p.participant),
          );
          return h(
            'tr',
            { 'data-id': w.id },
            td(`${w.window_start ? when(w.window_start) : '…'} → ${when(w.window_end)}`),
            td(w.currency),
            td(w.positions.map((p: Json) => `${p.participant} ${fmt(p.net, w.currency)}`).join(' · ')),
            td(w.proof_sum, 'num'),
            h(
              'td',
              null,
              open
                ? button(
                    null,
                    t('Settle'),
                    () =>
                      api('POST', `/operator/netting_windows/${w.id}/settle`, {}).then(
                        (x) => after(settlementOps, t('Settled {n} positions through the bank.', { n: x.settled.length })),
                        fail,
                      ),
                    'settle-window',
                  )
                : t('settled'),
            ),
          );
        }),
        'netting-windows',
      ),
    );
  }, fail);
}

const importKinds = [
  ['camt053', 'camt.053 (bank statement)'],
  ['acquirer_csv', 'Acquirer settlement CSV'],
  ['wallet_bill', 'Wallet bill'],
] as const;
const kindLabel = (kind: string): string => {
  const found = importKinds.find(([k]) => k === kind);
  return found === undefined ? kind : t(found[1]);
};
export function reconciliation(): void {
  const v = view();
  v.appendChild(h('h2', { text: t('Reconciliation') }));
  const kindSel = picker(
    'import-kind',
    importKinds.map(([k, label]) => [k, t(label)] as const),
  );
  const chan = h('input', { id: 'import-channel', maxlength: 40, placeholder: t('for a wallet bill') });
  const file = h('input', { id: 'import-file', type: 'file', required: true });
  const f = h(
    'form',
    { id: 'import-form', class: 'filters' },
    field('import-kind', t('File kind'), kindSel),
    field('import-channel', t('Channel'), chan),
    field('import-file', t('File'), file),
    h('div', null, h('button', { type: 'submit', id: 'import', text: t('Import and match') })),
  );
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    const x = file.files?.[0];
    if (x === undefined) return;
    $<HTMLButtonElement>('import').disabled = true;
    x.text()
      .then((content) => {
        const body: Record<string, string> = { kind: kindSel.value, name: x.name, content };
        if (chan.value.trim()) body.channel = chan.value.trim();
        return api('POST', '/operator/reconciliation/imports', body);
      })
      .then(
        (r) =>
          after(
            reconciliation,
            t('Imported {name}: {l} lines, {m} matched, {x} exceptions.', { name: r.name, l: r.lines, m: r.matched, x: r.exceptions }),
          ),
        (e2) => {
          $<HTMLButtonElement>('import').disabled = false;
          fail(e2);
        },
      );
  });
  v.appendChild(f);
  const imps = h('div');
  const exc = h('div');
  const reserve = h('div', { id: 'reserve-result' });
  v.appendChild(imps);
  v.appendChild(h('h3', { text: t('Open exceptions') }));
  v.appendChild(exc);
  api<Page>('GET', '/operator/reconciliation/imports').then((r) => {
    imps.appendChild(
      table(
        [t('Imported'), t('Kind'), t('Name'), `#${t('Lines')}`, `#${t('Matched')}`, `#${t('Exceptions')}`],
        r.data
          .slice(0, 20)
          .map((i) =>
            h(
              'tr',
              null,
              td(when(i.created_at)),
              td(kindLabel(i.kind)),
              td(i.name),
              td(i.lines, 'num'),
              td(i.matched, 'num'),
              td(i.exceptions, 'num'),
            ),
          ),
        'imports',
      ),
    );
  }, fail);
  api<Page>('GET', '/operator/reconciliation/exceptions?status=open&limit=100').then((page) => {
    if (!page.data.length) {
      exc.appendChild(h('p', { class: 'muted', id: 'no-exceptions', text: t('No open exceptions.') }));
      return;
    }
    exc.appendChild(
      table(
        [t('Found'), t('Kind'), t('Reference'), `#${t('Hutong')}`, `#${t('Statement')}`, t('Detail'), t('Resolve')],
        page.data.map((x) => {
          const c: string = x.currency ?? '';
          const note = h('input', { class: 'note', maxlength: 500, placeholder: t('reason'), 'aria-label': t('reason') });
          const resolve = (action: 'adjust' | 'explain') => {
            if (!note.value.trim()) return say(t('Give a reason'));
            api('POST', `/operator/reconciliation/exceptions/${x.id}/resolve`, { action, note: note.value.trim() }).then(
              (r) =>
                after(
                  reconciliation,
                  t('Exception {id} {status}', { id: r.id, status: word(r.status) }) +
                    (r.resolution_entry ? ` (${t('ledger entry')} ${r.resolution_entry})` : '') +
                    '.',
                ),
              fail,
            );
          };
          const canAdjust = x.kind !== 'duplicate' && x.kind !== 'currency_mismatch' && x.kind !== 'reserve_mismatch';
          const amount = (a: number | null) => (a === null ? '' : c ? fmt(a, c) : String(a));
          return h(
            'tr',
            { 'data-id': x.id, 'data-kind': x.kind },
            td(when(x.created_at)),
            td(word(x.kind)),
            td(x.reference),
            td(amount(x.expected_amount), 'num'),
            td(amount(x.actual_amount), 'num'),
            td(x.detail),
            h(
              'td',
              null,
              note,
              canAdjust ? button(null, t('Adjust'), () => resolve('adjust'), 'adjust') : null,
              button(null, t('Explained'), () => resolve('explain'), 'explain secondary'),
            ),
          );
        }),
        'exceptions',
      ),
    );
  }, fail);
  v.appendChild(h('h3', { text: t('Reserve funds check') }));
  v.appendChild(
    button('reserve-check', t('Check the reserve now'), () => {
      api('GET', '/operator/reserve_check').then((r) => {
        reserve.textContent = '';
        reserve.appendChild(
          h('p', {
            id: 'reserve-summary',
            class: r.ok ? 'msg ok' : 'msg',
            text: r.ok
              ? t('The reserve account covers the customer and merchant money held.')
              : t('ALERT: the reserve differs (see the exception queue).'),
          }),
        );
        reserve.appendChild(
          table(
            [
              t('Currency'),
              `#${t('Money held')}`,
              `#${t('Reserve (ledger)')}`,
              `#${t('Reserve (statement)')}`,
              `#${t('Owed by channels')}`,
              `#${t('Shortfall')}`,
              t('Alerts'),
            ],
            r.currencies.map((x: Json) => {
              const m = money(x.currency);
              return h(
                'tr',
                null,
                td(x.currency),
                m(x.liabilities),
                m(x.ledger_bank_balance),
                x.statement_bank_balance === null ? td('—') : m(x.statement_bank_balance),
                m(x.receivables_in_transit),
                m(x.shortfall),
                td((x.alerts ?? []).join('; ')),
              );
            }),
            'reserve-table',
          ),
        );
      }, fail);
    }),
  );
  v.appendChild(reserve);
}
