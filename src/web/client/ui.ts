import { formatDateTime, formatMoney, type Lang } from './format.js';
import { zh, type Word } from './words.js';

/**
 * The pages' tiny UI layer (docs/web.md says why it is ours and this small): `h` builds DOM with
 * textContent only (nothing from the API is ever parsed as HTML, which the CSP would refuse
 * anyway), `t` gives a word in the page's language (a missing Chinese word is a type error),
 * and the formatters use Intl in the page's language.
 */
export const lang: Lang = document.documentElement.lang.startsWith('zh') ? 'zh' : 'en';

export function t(word: Word, vars?: Readonly<Record<string, string | number>>): string {
  let text: string = lang === 'zh' ? zh[word] : word;
  if (vars !== undefined) for (const [k, v] of Object.entries(vars)) text = text.split(`{${k}}`).join(String(v));
  return text;
}

export const fmt = (minor: number | bigint, currency: string): string => formatMoney(minor, currency, lang);
export const when = (iso: string | null | undefined): string => formatDateTime(iso, lang);

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing`);
  return el as T;
}
export const maybe = <T extends HTMLElement = HTMLElement>(id: string): T | null => document.getElementById(id) as T | null;
export const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);

export type Child = Node | string | number | null | undefined | false | readonly Child[];
export type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/** An element: `text` sets textContent, `on…` adds a listener, false/null/undefined attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (k === 'text') el.textContent = String(v ?? '');
    else if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}
function append(el: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c as readonly Child[]);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : (c as Node));
  }
}

export function say(text: string, ok = false): void {
  const m = maybe('message');
  if (m === null) return;
  m.textContent = text;
  m.className = ok ? 'msg ok' : 'msg';
  m.hidden = text === '';
}

export function idempotencyKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** A problem+json answer, as the API sends it. */
export interface Problem {
  readonly code?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly status?: number;
}

/** Words for the API's status and method codes; an unknown code is shown with spaces. */
const codeWords: Record<string, readonly [string, string]> = {
  requires_payment_method: ['Awaiting payment', '待支付'],
  requires_action: ['Awaiting the shopper', '待用户操作'],
  processing: ['Processing', '处理中'],
  requires_capture: ['Authorized', '已授权'],
  succeeded: ['Succeeded', '成功'],
  canceled: ['Canceled', '已取消'],
  failed: ['Failed', '失败'],
  pending: ['Pending', '处理中'],
  active: ['Active', '正常'],
  suspended: ['Suspended', '已停用'],
  enabled: ['Enabled', '已启用'],
  disabled: ['Disabled', '已停用'],
  delivered: ['Delivered', '已送达'],
  ok: ['OK', '通过'],
  fail: ['Failed', '未通过'],
  awaiting_payment: ['Awaiting payment', '待付款'],
  held: ['Held', '担保中'],
  shipped: ['Shipped', '已发货'],
  refunding: ['Refund requested', '退款申请中'],
  disputed: ['Disputed', '争议中'],
  completed: ['Completed', '已完成'],
  refunded: ['Refunded', '已退款'],
  closed: ['Closed', '已关闭'],
  paid: ['Paid', '已付款'],
  carried: ['Carried over', '结转'],
  waiting: ['Waiting', '等待中'],
  sent: ['Sent', '已发送'],
  rejected: ['Rejected', '已拒绝'],
  open: ['Open', '待处理'],
  resolved: ['Resolved', '已处理'],
  due: ['Due', '待执行'],
  running: ['Running', '执行中'],
  done: ['Done', '已完成'],
  card: ['Card', '银行卡'],
  wallet: ['Hutong wallet', '互通钱包'],
  external_wallet: ['Outside wallet (QR)', '第三方钱包（扫码）'],
  authorization: ['Authorization', '授权'],
  capture: ['Capture', '请款'],
  refund: ['Refund', '退款'],
  reversal: ['Reversal', '冲正'],
  visa: ['Visa', 'Visa'],
  mastercard: ['Mastercard', '万事达卡'],
  'american-express': ['American Express', '美国运通'],
  jcb: ['JCB', 'JCB'],
  unionpay: ['UnionPay', '银联'],
  discover: ['Discover', 'Discover'],
  'diners-club': ['Diners Club', '大来卡'],
  physical: ['Physical goods', '实物商品'],
  virtual: ['Virtual goods', '虚拟商品'],
  live: ['Live', '正式'],
  test: ['Test', '测试'],
};
export function word(code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '';
  const w = codeWords[code];
  if (w !== undefined) return lang === 'zh' ? w[1] : w[0];
  const spaced = code.replace(/_/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
export function status(code: string): HTMLSpanElement {
  return h('span', { class: `status ${code}`, 'data-status': code, text: word(code) });
}
