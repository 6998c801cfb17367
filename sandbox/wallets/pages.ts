import { formatDecimal } from '../../src/money/index.js';
import type { Order } from './model.js';
import type { WalletProfile } from './profiles.js';
import { bilingual, escapeHtml } from '../shared/http.js';

/**
 * The wallet's pay page (what a shopper sees after scanning the QR code or following the
 * redirect): self-contained HTML, English and Chinese side by side, one form with #pay. Stable ids
 * for browser tests: #merchant-order, #amount, #subject, #pay (and #status on the result pages).
 */
const style = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d1f23; }
  main { max-width: 28rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 8px; }
  h1 { font-size: 1.25rem; margin-top: 0; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem 1rem; }
  dt { font-weight: 600; } dd { margin: 0; }
  button { font: inherit; padding: .5rem 1rem; margin-top: 1rem; background: #0b5cad; color: #fff; border: 0; border-radius: 4px; }
  .notice { font-size: .875rem; color: #555; }
  :focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function summary(order: Order): string {
  const amountText = `${order.currency} ${formatDecimal({ minor: order.amountMinor, currency: order.currency })}`;
  return `<dl>
<dt>${bilingual('Order', '订单')}</dt><dd id="merchant-order">${escapeHtml(order.orderId)}</dd>
<dt>${bilingual('Item', '商品')}</dt><dd id="subject">${escapeHtml(order.subject)}</dd>
<dt>${bilingual('Amount', '金额')}</dt><dd id="amount">${escapeHtml(amountText)}</dd>
</dl>`;
}

export function payPage(profile: WalletProfile, order: Order): string {
  const body = `<h1>${bilingual(escapeHtml(profile.displayName), escapeHtml(profile.displayNameChinese))}</h1>
<p class="notice">${bilingual('Sandbox wallet: no real money moves.', '沙盒钱包：不涉及真实资金。')}</p>
${summary(order)}
<form method="post">
<button type="submit" id="pay">${bilingual('Pay', '确认支付')}</button>
</form>`;
  return layout(`${profile.displayName} · 确认支付`, body);
}

export function statusPage(profile: WalletProfile, order: Order, english: string, chinese: string): string {
  const body = `<h1>${bilingual(escapeHtml(profile.displayName), escapeHtml(profile.displayNameChinese))}</h1>
${summary(order)}
<p id="status">${bilingual(escapeHtml(english), escapeHtml(chinese))}</p>`;
  return layout(`${profile.displayName} · ${chinese}`, body);
}

export function messagePage(english: string, chinese: string): string {
  return layout('Sandbox wallet', `<h1 id="status">${bilingual(escapeHtml(english), escapeHtml(chinese))}</h1>`);
}
