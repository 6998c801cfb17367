import { createHash } from 'node:crypto';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { loadClient } from './bundle.js';
import { setFavicon } from './html.js';
import { css } from './style.js';

/** The favicon: 互 on Hutong's navy, as SVG (no binary in the repository). */
const favicon =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#13233f"/>' +
  '<text x="16" y="23" font-size="20" text-anchor="middle" fill="#fff" font-family="PingFang SC,Microsoft YaHei,sans-serif">互</text></svg>';

/**
 * Static assets: the pages' scripts bundled by esbuild from src/web/client/ (bundle.ts: prebuilt
 * in dist/web/ by `npm run build`, or built in memory when running from source) and the CSS. Each
 * is addressed by a content hash and cached for a year; a new build gets new names.
 */
const client = loadClient();

export interface Asset {
  readonly path: string;
  readonly type: string;
  readonly body: Buffer;
  readonly etag: string;
  /** Compressed once at start: what a phone actually downloads. */
  readonly br: Buffer;
  readonly gzip: Buffer;
}

const types = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' } as const;

function asset(name: string, ext: keyof typeof types, text: string): Asset {
  const body = Buffer.from(text, 'utf8');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  return {
    path: `/assets/${name}.${hash}.${ext}`,
    type: types[ext],
    body,
    etag: `"${hash}"`,
    br,
    gzip: gzipSync(body, { level: 9 }),
  };
}

export const assets = {
  css: asset('hutong', 'css', css),
  cashier: asset('cashier', 'js', client.cashier),
  console: asset('console', 'js', client.console),
  buyer: asset('buyer', 'js', client.buyer),
  favicon: asset('favicon', 'svg', favicon),
} as const;
setFavicon(assets.favicon.path);

export const assetsByPath = new Map<string, Asset>(Object.values(assets).map((a) => [a.path, a]));
