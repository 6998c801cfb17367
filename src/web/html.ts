/**
 * HTML for the web pages: every interpolated value goes through `escapeHtml` unless it is a
 * `Raw` produced by `html` itself, so nothing a merchant or shopper typed can become markup.
 */
export class Raw {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => entities[c] as string);
}

type Value = string | number | bigint | boolean | null | undefined | Raw | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Raw) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
}

/** Tagged template: literal parts are trusted, every `${value}` is escaped (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: Value[]): Raw {
  let out = strings[0] as string;
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] as string);
  });
  return new Raw(out);
}

/**
 * The pages' policy: scripts and styles only from Hutong's own origin (no inline script), data
 * only to Hutong's API, forms only to Hutong, never framed.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const pageHeaders: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': contentSecurityPolicy,
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

export interface Layout {
  readonly lang: 'en' | 'zh';
  readonly title: string;
  readonly body: Raw;
  readonly scripts: readonly string[];
  readonly stylesheet: string;
  readonly bodyClass?: string;
  readonly favicon?: string;
}

/** Set by assets.ts (the favicon's content-hashed path); html.ts imports no asset itself. */
export let faviconPath = '/favicon.ico';
export function setFavicon(path: string): void {
  faviconPath = path;
}

export function page(l: Layout): string {
  return `<!doctype html>${
    html`<html lang="${l.lang === 'zh' ? 'zh-CN' : 'en'}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${l.title}</title>
        <link rel="stylesheet" href="${l.stylesheet}" />
        <link rel="icon" type="image/svg+xml" href="${l.favicon ?? faviconPath}" />
      </head>
      <body class="${l.bodyClass ?? ''}">
        ${l.body}${l.scripts.map((s) => html`<script src="${s}" defer></script>`)}
      </body>
    </html>`.value
  }`;
}
