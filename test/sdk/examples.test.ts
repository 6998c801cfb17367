import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseBlocks } from '../readme/blocks.js';
import { repoRoot } from '../support/process.js';

/**
 * The README's TypeScript blocks are excerpts of the examples that test/sdk/process.test.ts runs
 * against a started service (and the README test runs examples/sdk-tour.ts): they cannot drift.
 */
it('every ```ts block of the README is a run of lines of a file in examples/ (indentation aside)', () => {
  const examples = readdirSync(join(repoRoot, 'examples'))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({ name, lines: readFileSync(join(repoRoot, 'examples', name), 'utf8').split('\n') }));
  const blocks = parseBlocks(readFileSync(join(repoRoot, 'README.md'), 'utf8')).filter((b) => b.lang === 'ts');
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  for (const block of blocks) {
    const lines = block.text.split('\n');
    const found = examples.some(({ lines: file }) =>
      file.some((_, start) => lines.every((line, i) => file[start + i]?.trim() === line.trim())),
    );
    expect(found, `README line ${block.line}: the ts block is not a verbatim excerpt of a file in examples/`).toBe(true);
  }
});

it('the SDK imports only its own files, node: built-ins and its declared dependencies (never the service in src/)', () => {
  const dir = join(repoRoot, 'packages', 'sdk');
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const files = readdirSync(join(dir, 'src')).filter((name) => name.endsWith('.ts'));
  expect(files).toContain('client.ts');
  for (const name of files) {
    const text = readFileSync(join(dir, 'src', name), 'utf8');
    for (const [, specifier] of text.matchAll(/\bfrom '([^']+)'/g)) {
      const allowed =
        /^\.\/[a-z-]+\.js$/.test(specifier ?? '') ||
        specifier?.startsWith('node:') ||
        Object.hasOwn(manifest.dependencies, specifier ?? '');
      expect(allowed, `packages/sdk/src/${name} imports ${specifier}`).toBe(true);
    }
  }
});
