/**
 * The web module's door: the dashboard and console sessions service (service.ts) and what the
 * server-rendered pages are made of (HTML escaping and headers, hashed assets, words in Chinese and
 * English). The pages' HTTP routes live with the other routes in src/api (pages.ts, buyer-page.ts);
 * the browser code is src/web/client, bundled by esbuild (bundle.ts).
 */
export * from './assets.js';
export * from './html.js';
export * from './i18n.js';
export * from './service.js';
export * from './risk-text.js';
