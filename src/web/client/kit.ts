import type { paths } from '@hutong/sdk/schema';
import { h, say, t, type Attrs, type Child, type Problem } from './ui.js';

/**
 * What the dashboard and the console share: the API with the session cookie and the CSRF token
 * (from the hutong_csrf cookie) on every unsafe request, tables, fields and buttons.
 */
/**
 * The API's JSON as the pages read it. The pages read a few fields of many views; the views'
 * schemas live in /openapi.json and the SDK (packages/sdk) types them: `api()` answers that type for a
 * path written out; this alias marks the seam that is left, paths built at run time.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Json = any;
export interface Page<T = Json> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

function cookie(name: string): string {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return '';
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly problem: Problem,
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'DELETE';
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? (unknown extends J ? Json : J) : Json;
/**
 * A GET's answer typed from the SDK's generated schema (@hutong/sdk/schema, types only: nothing of
 * it is bundled) when the path is written out (`'/reports/balances'`); Json when it is built at run
 * time, and for the other methods (their pages read what they post back loosely; typing them waits
 * for the pages' owners).
 */
type Answer<M extends Method, P extends string> = M extends 'GET'
  ? `/v1${P}` extends keyof paths
    ? paths[`/v1${P}`]['get'] extends { responses: { 200: infer Ok } }
      ? JsonOf<Ok>
      : Json
    : Json
  : Json;

export async function api<T = never, M extends Method = Method, P extends string = string>(
  method: M,
  path: P,
  body?: unknown,
): Promise<[T] extends [never] ? Answer<M, P> : T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = cookie('hutong_csrf');
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    headers['idempotency-key'] = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }
  const res = await fetch(`/v1${path}`, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await res.text();
  const json = (text ? JSON.parse(text) : {}) as Json;
  if (res.status === 401 && !location.pathname.includes('/login')) location.assign(`${location.pathname.replace(/\/$/, '')}/login`);
  if (!res.ok) throw new ApiError(json.detail ?? json.title ?? `HTTP ${res.status}`, json);
  return json;
}

export function fail(e: unknown): void {
  say(e instanceof Error ? e.message : String(e));
}

/** Column headers: a leading # right-aligns a number column. */
export function table(headers: readonly string[], rows: readonly Child[], id?: string): HTMLDivElement {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { id },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headers.map((x) => h('th', { scope: 'col', class: x.startsWith('#') ? 'num' : null, text: x.replace(/^#/, '') })),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
}
export function td(text: string | number | null | undefined, cls?: string): HTMLTableCellElement {
  return h('td', { class: cls, text: text === null || text === undefined ? '' : String(text) });
}
export function view(): HTMLElement {
  const v = document.getElementById('view') as HTMLElement;
  v.textContent = '';
  return v;
}
export function field(id: string, label: string, control: HTMLElement): HTMLDivElement {
  return h('div', null, h('label', { for: id, text: label }), control);
}
export function button(id: string | null, text: string, onclick: (e: Event) => void, cls?: string): HTMLButtonElement {
  return h('button', { type: 'button', id, class: cls, text, onclick });
}
export function card(label: string, value: string, id?: string): HTMLDivElement {
  return h('div', null, h('div', { class: 'muted', text: label }), h('div', { class: 'big', id, text: value }));
}
/** A select of codes shown in words; '' is "any". */
export function picker(
  id: string,
  options: readonly (readonly [value: string, label: string])[],
  value = '',
  attrs: Attrs = {},
): HTMLSelectElement {
  const s = h(
    'select',
    { id, name: id, ...attrs },
    options.map(([v, label]) => h('option', { value: v, text: label })),
  );
  s.value = value;
  return s;
}
export const anyOption = (): readonly [string, string] => ['', t('any')];
/** The currencies a person picks from: the settlement currencies and the common cross-border ones. */
export const commonCurrencies = ['CNY', 'USD', 'EUR', 'HKD', 'GBP', 'JPY', 'SGD', 'AUD', 'CAD', 'KRW'] as const;
/** Re-render, then say something (the render clears the message). */
export function after(render: () => void, text: string): void {
  render();
  setTimeout(() => say(text, true), 50);
}
