#!/usr/bin/env node
// The `hutong` command. In a checkout (src/ and the tsx devDependency present) it runs the CLI from
// source, so `npx hutong …` always matches the code; in an installed package it runs the build (dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = `${root}src/cli/main.ts`;
const built = `${root}dist/src/cli/main.js`;

let fromSource = false;
if (existsSync(source)) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    fromSource = true;
  } catch {
    // no tsx (a production install): use the build
  }
}
if (fromSource) await import(pathToFileURL(source).href);
else if (existsSync(built)) await import(pathToFileURL(built).href);
else {
  console.error('hutong: no build found; run `npm run build` (or `npm ci` to get tsx and run from source)');
  process.exit(1);
}
