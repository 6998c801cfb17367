import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { isFailure } from '../../src/core/index.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';
import { liuYang, sandboxIdentity, zhaoMingde } from '../support/identity.js';

const samples = fileURLToPath(new URL('../../samples/sanctions/', import.meta.url));

describeEachStore('sanctions screening', (dialect) => {
  const t = useTestApp(dialect, {
    identity: async () => {
      const service = await sandboxIdentity();
      return { port: service.port, close: service.close };
    },
  });

  async function funded(key: string): Promise<string> {
    const id = await t.makeCustomer(key);
    await t.request('POST', `/v1/customers/${id}/top_ups`, { key, body: { amount: 50_000, currency: 'CNY' } });
    return id;
  }
  const transfer = (key: string, source: string, destination: string) =>
    t.request('POST', '/v1/transfers', { key, body: { source, destination, amount: 1_000, currency: 'CNY' } });

  it('imports the sample lists; a malformed file is refused and the old list kept', async () => {
    const { risk } = t.hutong.services;
    const sdn = await risk.importListFile(join(samples, 'sdn.csv'));
    const un = await risk.importListFile(join(samples, 'un-consolidated.xml'));
    expect(sdn).toMatchObject({ list: 'ofac_sdn', entries: 5 });
    expect(un).toMatchObject({ list: 'un_consolidated', entries: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'hutong-sdn-'));
    writeFileSync(join(dir, 'sdn.csv'), '9001,"ZHAO, Mingde","individual"\r\n');
    const bad = await risk.importListFile(join(dir, 'sdn.csv'));
    expect(isFailure(bad) && bad.failure).toBe('risk_list_invalid');
    const lists = await t.request('GET', '/v1/risk/lists', { key: t.operatorKey });
    expect(lists.body.data.map((l: { list: string; entries: number }) => `${l.list}:${l.entries}`)).toEqual([
      'ofac_sdn:5',
      'un_consolidated:3',
    ]);
  });

  it('screens customers at verification; a hit holds their money until an analyst clears it, a confirmed hit for good', async () => {
    const m = await t.makeMerchant();
    const [a, b, c] = [await funded(m.key), await funded(m.key), await funded(m.key)];
    const verified = await t.request('POST', `/v1/customers/${a}/verifications`, { key: m.key, body: { level: 'id', ...zhaoMingde } });
    expect(verified.status).toBe(201);
    expect(verified.body.screening).toBe('review');
    const held = await transfer(m.key, a, b);
    expect(held.status).toBe(422);
    expect(held.body.code).toBe('risk_party_blocked');
    expect((await t.request('GET', `/v1/risk/hits?party=${a}`, { key: m.key })).status).toBe(403);
    const hits = (await t.request('GET', `/v1/risk/hits?party=${a}&status=open`, { key: t.operatorKey })).body.data;
    expect(hits.map((h: { list: string; entry_id: string }) => `${h.list}/${h.entry_id}`).sort()).toEqual([
      'ofac_sdn/9001',
      'un_consolidated/7000001',
    ]);
    expect(hits[0]).toMatchObject({ object: 'screening_hit', subject_name: '赵明德', context: 'verification' });

    for (const hit of hits) {
      const cleared = await t.request('POST', `/v1/risk/hits/${hit.id}/decision`, {
        key: t.operatorKey,
        body: { decision: 'false_positive', reason: 'date of birth and ID differ from the listed person' },
      });
      expect(cleared.body).toMatchObject({ status: 'false_positive' });
    }
    const again = await t.request('POST', `/v1/risk/hits/${hits[0].id}/decision`, {
      key: t.operatorKey,
      body: { decision: 'confirmed', reason: 'changed my mind' },
    });
    expect(again.status).toBe(409);
    expect((await transfer(m.key, a, b)).status).toBe(201);
    // Clearing is remembered: verifying again does not reopen the same entries.
    expect(
      (await t.request('POST', `/v1/customers/${a}/verifications`, { key: m.key, body: { level: 'id', ...zhaoMingde } })).body.screening,
    ).toBe('clear');

    // Another customer with the same name, confirmed: it can no longer pay or withdraw.
    await t.request('POST', `/v1/customers/${c}/verifications`, { key: m.key, body: { level: 'id', ...zhaoMingde } });
    const cHits = (await t.request('GET', `/v1/risk/hits?party=${c}`, { key: t.operatorKey })).body.data;
    await t.request('POST', `/v1/risk/hits/${cHits[0].id}/decision`, {
      key: t.operatorKey,
      body: { decision: 'confirmed', reason: 'same person' },
    });
    expect((await t.request('GET', `/v1/customers/${c}/limits`, { key: m.key })).body.screening).toBe('confirmed');
    expect((await transfer(m.key, c, b)).body.code).toBe('risk_party_blocked');
    const withdrawal = await t.request('POST', `/v1/customers/${c}/withdrawals`, { key: m.key, body: { amount: 100, currency: 'CNY' } });
    expect(withdrawal.body.code).toBe('risk_party_blocked');
  });

  it('rescreens everyone when a list changes', async () => {
    const m = await t.makeMerchant();
    const [a, b] = [await funded(m.key), await funded(m.key)];
    expect(
      (await t.request('POST', `/v1/customers/${a}/verifications`, { key: m.key, body: { level: 'id', ...liuYang } })).body.screening,
    ).toBe('clear');
    expect((await transfer(m.key, a, b)).status).toBe(201);
    const dir = mkdtempSync(join(tmpdir(), 'hutong-sdn-'));
    writeFileSync(join(dir, 'sdn.csv'), '9100,"LIU, Yang","individual","SDGT",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"FICTIONAL"\r\n');
    const imported = await t.hutong.services.risk.importListFile(join(dir, 'sdn.csv'));
    expect(imported).toMatchObject({ list: 'ofac_sdn', entries: 1 });
    expect(isFailure(imported) ? 0 : imported.hits).toBeGreaterThanOrEqual(1);
    expect((await transfer(m.key, a, b)).body.code).toBe('risk_party_blocked');
  });
});
