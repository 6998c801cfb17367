import { escrowDetail, escrows, keys, overview, paymentDetail, payments, settlementDetail, settlements, webhooks } from './dashboard.js';
import { customsDeclarationDetail, customsDeclarations, customsOps } from './customs-views.js';
import { api, fail } from './kit.js';
import { disputes, ledger, merchants, reconciliation, settlementOps } from './ops.js';
import { input, maybe, say, t } from './ui.js';
import { audit, cases, operatorSignIn, operators, reviews, rules, sanctions, whoAmI } from './risk-views.js';

/**
 * The dashboard, the operator console and their sign-in pages (/dashboard, /ops and their /login).
 * The views call the public /v1 API with the session cookie; a hash route picks the view.
 */
const signIn = maybe('sign-in-page');
operatorSignIn();
if (signIn !== null) {
  const kind = signIn.dataset.kind;
  maybe('sign-in-form')?.addEventListener('submit', (e) => {
    e.preventDefault();
    api<{ kind: string }>('POST', '/dashboard_sessions', { secret_key: input('secret-key').value.trim() }).then((s) => {
      input('secret-key').value = '';
      const want = kind === 'ops' ? 'operator' : 'merchant';
      if (s.kind !== want)
        return say(
          kind === 'ops'
            ? t('That is a merchant key; the console needs the operator key.')
            : t('That is the operator key; the dashboard needs a merchant secret key.'),
        );
      location.assign(kind === 'ops' ? '/ops' : '/dashboard');
    }, fail);
  });
  maybe('password-form')?.addEventListener('submit', (e) => {
    e.preventDefault();
    api('POST', '/dashboard_sessions', { email: input('email').value.trim(), password: input('password').value }).then(() => {
      input('password').value = '';
      location.assign('/dashboard');
    }, fail);
  });
}

const app = maybe('app');
if (app !== null) {
  const kind = app.dataset.kind;
  maybe('sign-out')?.addEventListener('click', (e) => {
    e.preventDefault();
    api('DELETE', '/dashboard_sessions/current').then(() => location.assign(kind === 'ops' ? '/ops/login' : '/dashboard/login'), fail);
  });
  const routes: Record<string, () => void> =
    kind === 'ops'
      ? {
          merchants,
          ledger,
          disputes,
          settlement: settlementOps,
          reconciliation,
          customs: () => customsOps(),
          cases,
          reviews,
          sanctions,
          rules,
          operators,
          audit,
        }
      : {
          overview,
          payments: () => payments(),
          webhooks,
          keys,
          escrow: () => escrows(),
          settlements,
          customs: () => customsDeclarations(),
        };
  const route = () => {
    say('');
    const [head = '', arg] = location.hash.replace(/^#/, '').split('/');
    for (const link of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
      const on = link.getAttribute('href') === `#${head}`;
      link.className = on ? 'on' : '';
      if (on) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    if (head === 'payment' && arg) return paymentDetail(decodeURIComponent(arg));
    if (head === 'escrow' && arg) return escrowDetail(decodeURIComponent(arg));
    if (head === 'settlement' && arg && kind !== 'ops') return settlementDetail(decodeURIComponent(arg));
    if (head === 'customs' && arg && kind !== 'ops') return customsDeclarationDetail(decodeURIComponent(arg));
    (routes[head] ?? routes[kind === 'ops' ? 'merchants' : 'overview'] ?? overview)();
  };
  window.addEventListener('hashchange', route);
  // The console first learns the operator's role (its views offer what the role may do).
  void (kind === 'ops' ? whoAmI() : Promise.resolve()).then(route);
}
