import { createHash } from 'node:crypto';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { buyerJs } from './buyer-script.js';
import { cashierJs } from './cashier-script.js';
import { consoleJs } from './console-script.js';
import { css } from './style.js';

/**
 * Static assets are TypeScript strings, so `npm start` (dist/) serves exactly what the tests
 * serve. Each is addressed by a content hash and cached for a year; a new build gets new names.
 */
export interface Asset {
  readonly path: string;
  readonly type: string;
  readonly body: Buffer;
  readonly etag: string;
  /** Compressed once at start: what a phone actually downloads. */
  readonly br: Buffer;
  readonly gzip: Buffer;
}

function asset(name: string, ext: 'js' | 'css', text: string): Asset {
  const body = Buffer.from(text, 'utf8');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  return {
    path: `/assets/${name}.${hash}.${ext}`,
    type: ext === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
    body,
    etag: `"${hash}"`,
    br,
    gzip: gzipSync(body, { level: 9 }),
  };
}

export const assets = {
  css: asset('hutong', 'css', css),
  cashier: asset('cashier', 'js', cashierJs),
  console: asset('console', 'js', consoleJs),
  buyer: asset('buyer', 'js', buyerJs),
} as const;

export const assetsByPath = new Map<string, Asset>(Object.values(assets).map((a) => [a.path, a]));
