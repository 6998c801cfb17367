import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/**
 * The pages' scripts are typed TypeScript modules in `src/web/client/` (docs/web.md), bundled by
 * esbuild into one IIFE per page. `npm run build` writes them to `dist/web/` (build-assets.ts);
 * running from source (tsx: `./bin/hutong.js`, the tests) bundles them in memory at start, so a
 * checkout never serves a stale build.
 */
export const clientEntries = ['cashier', 'console', 'buyer'] as const;
export type ClientEntry = (typeof clientEntries)[number];
export type ClientBundles = Record<ClientEntry, string>;

const here = dirname(fileURLToPath(import.meta.url));
const fromSource = import.meta.url.endsWith('.ts');
/** dist/src/web/ → dist/web/ */
export const prebuiltDir = join(here, '..', '..', 'web');
const sourceDir = fromSource ? join(here, 'client') : join(here, '..', '..', '..', 'src', 'web', 'client');

export function bundleClient(dir = sourceDir): ClientBundles {
  const result = buildSync({
    entryPoints: clientEntries.map((name) => join(dir, `${name}.ts`)),
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    outdir: 'out',
    write: false,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const out: Partial<ClientBundles> = {};
  for (const file of result.outputFiles) {
    const name = file.path.replace(/^.*[\\/]/, '').replace(/\.js$/, '') as ClientEntry;
    out[name] = file.text;
  }
  for (const name of clientEntries) if (out[name] === undefined) throw new Error(`esbuild produced no ${name}.js`);
  return out as ClientBundles;
}

/** The prebuilt bundles when running compiled (dist/), else a fresh in-memory build from source. */
export function loadClient(): ClientBundles {
  if (!fromSource && existsSync(join(prebuiltDir, 'console.js'))) {
    return Object.fromEntries(clientEntries.map((n) => [n, readFileSync(join(prebuiltDir, `${n}.js`), 'utf8')])) as ClientBundles;
  }
  return bundleClient();
}
