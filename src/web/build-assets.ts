import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleClient, clientEntries, prebuiltDir } from './bundle.js';

/** `npm run build`: bundles the pages' scripts into dist/web/ (served with content-hashed names). */
const bundles = bundleClient();
mkdirSync(prebuiltDir, { recursive: true });
for (const name of clientEntries) writeFileSync(join(prebuiltDir, `${name}.js`), bundles[name]);
console.log(`web: ${clientEntries.map((n) => `${n}.js ${bundles[n].length} B`).join(', ')} → ${prebuiltDir}`);
