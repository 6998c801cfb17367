import { expect, it } from 'vitest';
import { useTestApp } from './support/app.js';

/**
 * Issue 12, "Input": every integer a client can send has a maximum in its schema (a `minimum_payout`
 * of 2^63 or 1e400 used to reach the store and answer 500), and every currency a client can send is a
 * payable ISO 4217 code (ZZZ, XXX, XAU used to be accepted by netting windows and fee plans).
 * Walks the OpenAPI document, so a new route is checked without editing this test.
 */
const t = useTestApp('sqlite');

type Schema = Record<string, unknown>;

function walk(schema: unknown, path: string, visit: (schema: Schema, path: string) => void): void {
  if (schema === null || typeof schema !== 'object') return;
  const s = schema as Schema;
  visit(s, path);
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties' && value !== null && typeof value === 'object')
      for (const [name, inner] of Object.entries(value)) walk(inner, `${path}/${name}`, visit);
    else if (key === 'items' || key === 'additionalProperties' || key === 'patternProperties') walk(value, `${path}[]`, visit);
    else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') for (const inner of value as unknown[]) walk(inner, path, visit);
  }
}

function requestSchemas(spec: any): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [route, methods] of Object.entries<any>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      for (const p of op.parameters ?? []) out.push([`${method.toUpperCase()} ${route} ${p.in}:${p.name}`, p.schema]);
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (body !== undefined) out.push([`${method.toUpperCase()} ${route} body`, body]);
    }
  }
  return out;
}

it('every integer a client sends has a maximum', async () => {
  const spec = (await t.request('GET', '/openapi.json')).body;
  const offenders: string[] = [];
  for (const [where, schema] of requestSchemas(spec))
    walk(schema, where, (s, path) => {
      if ((s.type === 'integer' || s.type === 'number') && typeof s.maximum !== 'number') offenders.push(path);
    });
  expect(offenders).toEqual([]);
});

it('every currency a client sends is limited to payable ISO 4217 codes', async () => {
  const spec = (await t.request('GET', '/openapi.json')).body;
  const offenders: string[] = [];
  for (const [where, schema] of requestSchemas(spec))
    walk(schema, where, (s, path) => {
      if (!/currency(\[\])?$/.test(path) || s.type !== 'string') return;
      const pattern = typeof s.pattern === 'string' ? new RegExp(s.pattern) : undefined;
      const refused = ['ZZZ', 'XXX', 'XAU', 'XTS'].every((code) => pattern !== undefined && !pattern.test(code));
      const accepted = ['CNY', 'USD', 'JPY', 'XOF'].every((code) => pattern?.test(code) === true);
      if (!(refused && accepted)) offenders.push(path);
    });
  expect(offenders).toEqual([]);
});
