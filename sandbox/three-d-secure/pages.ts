import { formatDecimal } from '../../src/money/index.js';
import type { Transaction } from './model.js';
import { bilingual, escapeHtml } from '../shared/http.js';

/**
 * The ACS challenge pages: self-contained HTML (no scripts, no external assets), English and
 * Chinese side by side, usable with a keyboard and a screen reader, and stable ids for browser
 * tests: #otp, #submit, #cancel (and #error when a code was wrong).
 */
export interface ChallengePageOptions {
  /** Shown to the person in the sandbox, since there is no phone to receive it. */
  readonly otpHint: string;
  /** Tries left after a wrong code; undefined on the first display. */
  readonly attemptsLeft?: number;
}

const style = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d1f23; }
  main { max-width: 28rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 8px; }
  h1 { font-size: 1.25rem; margin-top: 0; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem 1rem; }
  dt { font-weight: 600; } dd { margin: 0; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input { font: inherit; padding: .5rem; width: 100%; box-sizing: border-box; letter-spacing: .2em; }
  button { font: inherit; padding: .5rem 1rem; margin: 1rem .5rem 0 0; }
  #submit { background: #0b5cad; color: #fff; border: 0; border-radius: 4px; }
  .error { color: #a40000; font-weight: 600; }
  .notice { font-size: .875rem; color: #555; }
  :focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
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

function amountText(transaction: Transaction): string {
  const formatted = formatDecimal({ minor: BigInt(transaction.amountMinor), currency: transaction.currency });
  return `${transaction.currency} ${formatted}`;
}

function summary(transaction: Transaction): string {
  return `<dl>
<dt>${bilingual('Merchant', '商户')}</dt><dd id="merchant">${escapeHtml(transaction.merchantName)}</dd>
<dt>${bilingual('Amount', '金额')}</dt><dd id="amount">${escapeHtml(amountText(transaction))}</dd>
<dt>${bilingual('Card', '银行卡')}</dt><dd id="card">•••• ${escapeHtml(transaction.panLast4)}</dd>
</dl>`;
}

export function challengePage(transaction: Transaction, options: ChallengePageOptions): string {
  const wrong = options.attemptsLeft !== undefined;
  const error = wrong
    ? `<p id="error" class="error" role="alert">${bilingual(
        `Wrong code. ${options.attemptsLeft} ${options.attemptsLeft === 1 ? 'try' : 'tries'} left.`,
        `验证码错误，还可尝试 ${options.attemptsLeft} 次。`,
      )}</p>`
    : '';
  const body = `<h1>${bilingual('Confirm your payment', '确认付款')}</h1>
<p class="notice">${bilingual('Sandbox card issuer: no real card or money is involved.', '沙盒发卡行：不涉及真实银行卡或资金。')}</p>
${summary(transaction)}
<form method="post">
${error}
<label for="otp">${bilingual('One-time code', '动态验证码')}</label>
<input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="32" required autofocus aria-describedby="otp-hint${wrong ? ' error' : ''}"${wrong ? ' aria-invalid="true"' : ''}>
<p id="otp-hint" class="notice">${bilingual(`In the sandbox the code is ${escapeHtml(options.otpHint)}.`, `沙盒验证码为 ${escapeHtml(options.otpHint)}。`)}</p>
<button type="submit" id="submit">${bilingual('Submit', '提交')}</button>
<button type="submit" id="cancel" name="cancel" value="1" formnovalidate>${bilingual('Cancel', '取消')}</button>
</form>`;
  return layout('Sandbox 3-D Secure · 付款验证', body);
}

export function completedPage(transaction: Transaction): string {
  const body = `<h1>${bilingual('This verification is finished', '此验证已结束')}</h1>
${summary(transaction)}
<p id="completed">${bilingual('Its result was already sent back to the merchant.', '结果已返回商户。')}</p>`;
  return layout('Sandbox 3-D Secure · 已结束', body);
}

export function messagePage(english: string, chinese: string): string {
  return layout('Sandbox 3-D Secure', `<h1>${bilingual(escapeHtml(english), escapeHtml(chinese))}</h1>`);
}
