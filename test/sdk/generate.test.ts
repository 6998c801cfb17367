import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { generatedSchema, schemaFile } from '../../scripts/sdk-generate.js';

/** The SDK's committed types are what the API's OpenAPI document generates today. */
it('packages/sdk/src/schema.ts is not stale (run npm run sdk:generate after changing a route schema)', { timeout: 180_000 }, async () => {
  const committed = await readFile(schemaFile, 'utf8');
  const fresh = await generatedSchema();
  expect(fresh.length).toBeGreaterThan(10_000);
  expect(committed === fresh, 'packages/sdk/src/schema.ts is stale: run npm run sdk:generate').toBe(true);
});
