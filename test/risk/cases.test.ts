import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { crossBorderDayTotals, walletDayTotals } from '../../src/read-models/index.js';
import { beijingDayRange, largeValueCsv, largeValueLines } from '../../src/risk/index.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

const samples = fileURLToPath(new URL('../../samples/sanctions/', import.meta.url));

describeEachStore('suspicious-activity cases and cross-border AML', (dialect) => {
  const t = useTestApp(dialect, {
    customs: async () => ({
      options: { settings: { importSingleMaxCnyMinor: 50_000_000n, importAnnualMaxCnyMinor: 1_000_000_000n } },
      close: async () => undefined,
    }),
  });
  let orderNo = 0;

  async function customer(key: string, name: string, topUp: number, idNumber?: string): Promise<string> {
    const res = await t.request('POST', '/v1/customers', {
      key,
      body: idNumber === undefined ? { name } : { name, identity: { type: 'resident_id', number: idNumber } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    if (topUp > 0) {
      const top = await t.request('POST', `/v1/customers/${res.body.id}/top_ups`, { key, body: { amount: topUp, currency: 'CNY' } });
      expect(top.status, JSON.stringify(top.body)).toBe(201);
    }
    return res.body.id as string;
  }
  async function move(key: string, source: string, destination: string, amount: number): Promise<string> {
    const res = await t.request('POST', '/v1/transfers', { key, body: { source, destination, amount, currency: 'CNY' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }
  const scan = (day: string) => t.request('POST', '/v1/risk/cases/scan', { key: t.operatorKey, body: { day } });

  it('opens structuring, rapid in-and-out and many-payers cases with their evidence, once per party and day', async () => {
    const m = await t.makeMerchant();
    t.clock.set(new Date('2026-04-01T02:00:00Z')); // 10:00 on 1 April in Beijing
    const splitter = await customer(m.key, 'Splitter', 60_000_000);
    const mule = await customer(m.key, 'Mule', 0);
    const sink = await customer(m.key, 'Sink', 0);
    // 240,000 + 230,000 = 470,000: 94% of the CNY 500,000 large-value threshold, in two transfers.
    const split = [await move(m.key, splitter, mule, 24_000_000), await move(m.key, splitter, mule, 23_000_000)];
    // The mule passes 430,000 of its 470,000 (91%) straight on.
    const passOn = await move(m.key, mule, sink, 43_000_000);
    // Ten payers into one wallet.
    const hub = await customer(m.key, 'Hub', 0);
    const payments: string[] = [];
    for (let i = 0; i < 10; i++) payments.push(await move(m.key, await customer(m.key, `Payer ${i}`, 100_000), hub, 10_000));
    // Near misses: one transfer just under the threshold (not split), 85% passed on, nine payers;
    // top-ups count as money in, so each near miss keeps enough of its own.
    const single = await customer(m.key, 'Single', 60_000_000);
    await move(m.key, single, sink, 49_900_000);
    const keeper = await customer(m.key, 'Keeper', 0);
    await move(m.key, await customer(m.key, 'Funder', 30_000_000), keeper, 10_000_000);
    await move(m.key, keeper, sink, 8_500_000);
    const quiet = await customer(m.key, 'Quiet', 0);
    for (let i = 0; i < 9; i++) await move(m.key, await customer(m.key, `Small ${i}`, 100_000), quiet, 10_000);

    // The merchant never sees cases; a malformed day is a 400 problem.
    expect((await t.request('GET', '/v1/risk/cases', { key: m.key })).status).toBe(403);
    const bad = await scan('2026-02-30');
    expect([bad.status, bad.headers['content-type']]).toEqual([400, expect.stringContaining('application/problem+json')]);
    expect((await scan('01-04-2026')).status).toBe(400);

    // Two scans at once: the cases are opened once.
    const [a, b] = await Promise.all([scan('2026-04-01'), scan('2026-04-01')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.data.length + b.body.data.length).toBe(3);
    expect((await scan('2026-04-01')).body.data).toEqual([]);
    expect((await scan('2026-04-02')).body.data).toEqual([]);

    const cases = (await t.request('GET', '/v1/risk/cases?status=open', { key: t.operatorKey })).body.data as {
      id: string;
      party: string;
      typology: string;
      evidence: string[];
      amount: number;
      status: string;
    }[];
    const byType = Object.fromEntries(cases.map((c) => [c.typology, c]));
    expect(Object.keys(byType).sort()).toEqual(['many_payers', 'rapid_in_out', 'structuring']);
    expect(byType.structuring).toMatchObject({ party: splitter, amount: 47_000_000, evidence: [...split].sort() });
    expect(byType.rapid_in_out).toMatchObject({ party: mule, amount: 43_000_000, evidence: [...[...split].sort(), passOn] });
    expect(byType.many_payers).toMatchObject({ party: hub, amount: 100_000, evidence: [...payments].sort() });
    const filtered = await t.request('GET', `/v1/risk/cases?party=${hub}`, { key: t.operatorKey });
    expect(filtered.body.data.map((c: { typology: string }) => c.typology)).toEqual(['many_payers']);

    // The analyst workflow: assign, then one decision wins; the loser and later changes get 409.
    const id = byType.structuring!.id;
    const assigned = await t.request('POST', `/v1/risk/cases/${id}/assign`, { key: t.operatorKey, body: { analyst: 'wang.li' } });
    expect(assigned.body).toMatchObject({ status: 'open', analyst: 'wang.li' });
    const [d1, d2] = await Promise.all([
      t.request('POST', `/v1/risk/cases/${id}/decision`, {
        key: t.operatorKey,
        body: { decision: 'reported', reason: 'split under threshold' },
      }),
      t.request('POST', `/v1/risk/cases/${id}/decision`, { key: t.operatorKey, body: { decision: 'closed', reason: 'salary payments' } }),
    ]);
    expect([d1.status, d2.status].sort()).toEqual([200, 409]);
    const winner = d1.status === 200 ? d1 : d2;
    expect(winner.body.status).toBe(d1.status === 200 ? 'reported' : 'closed');
    expect((d1.status === 409 ? d1 : d2).body.code).toBe('risk_case_decided');
    expect((await t.request('POST', `/v1/risk/cases/${id}/assign`, { key: t.operatorKey, body: {} })).status).toBe(409);
    expect(
      (await t.request('POST', '/v1/risk/cases/case_nope/decision', { key: t.operatorKey, body: { decision: 'closed', reason: 'nope' } }))
        .status,
    ).toBe(404);
    const badDecision = await t.request('POST', `/v1/risk/cases/${byType.many_payers!.id}/decision`, {
      key: t.operatorKey,
      body: { decision: 'ignored', reason: 'x' },
    });
    expect(badDecision.status).toBe(400);
    // A later scan does not reopen the decided case.
    expect((await scan('2026-04-01')).body.data).toEqual([]);

    // Audited (who, before, after), and exported as CSV.
    const audit = await t.hutong.services.store.reader
      .selectFrom('audit_log')
      .select(['action', 'target', 'before', 'after'])
      .where('target', '=', id)
      .orderBy('seq')
      .execute();
    expect(audit.map((r) => r.action)).toEqual(['POST /v1/risk/cases/:id/assign', 'POST /v1/risk/cases/:id/decision']);
    expect(JSON.parse(audit[1]!.before as string)).toMatchObject({ status: 'open' });
    expect(JSON.parse(audit[1]!.after as string)).toMatchObject({ status: winner.body.status });
    const csv = await t.hutong.server.inject({
      method: 'GET',
      url: '/v1/risk/cases?format=csv',
      headers: { authorization: `Bearer ${t.operatorKey}` },
    });
    expect([csv.statusCode, csv.headers['content-type']]).toEqual([200, expect.stringContaining('text/csv')]);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe(
      'case,party,merchant,typology,period,currency,total_minor,status,analyst,reason,opened_at,decided_at,evidence,summary',
    );
    expect(lines).toHaveLength(4);
  });

  it('screens a cross-border payer at the import order, and reports natural persons at CNY 200,000 a day cross-border', async () => {
    const { risk } = t.hutong.services;
    await risk.importListFile(join(samples, 'sdn.csv'));
    const m = await t.makeMerchant();
    t.clock.set(new Date('2026-05-10T04:00:00Z'));
    const order = (name: string, number: string) => ({ payer_name: name, id_type: 'resident_id', id_number: number });
    const pay = (customerId: string, name: string, number: string, amount: number) =>
      t.request('POST', '/v1/payments', {
        key: m.key,
        body: { merchant_order_id: `xb-${++orderNo}`, amount, currency: 'CNY', customer: customerId, import_order: order(name, number) },
      });
    const confirm = (id: string, customerId: string) =>
      t.request('POST', `/v1/payments/${id}/confirm`, { key: m.key, body: { payment_method: { type: 'wallet', customer: customerId } } });

    // A listed name is stopped before any order exists, and waits in the review queue.
    const zhao = await customer(m.key, 'Zhao Mingde', 1_000_000, '320102198801010049');
    const stopped = await pay(zhao, 'Zhao Mingde', '320102198801010049', 50_000);
    expect([stopped.status, stopped.body.code]).toEqual([422, 'payer_screening_hit']);
    const hits = (await t.request('GET', `/v1/risk/hits?party=${zhao}&status=open`, { key: t.operatorKey })).body.data;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h: { context: string }) => h.context === 'cross_border')).toBe(true);
    for (const h of hits as { id: string }[]) {
      const decided = await t.request('POST', `/v1/risk/hits/${h.id}/decision`, {
        key: t.operatorKey,
        body: { decision: 'false_positive', reason: 'different date of birth' },
      });
      expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    }
    const cleared = await pay(zhao, 'Zhao Mingde', '320102198801010049', 50_000);
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(201);

    // Cross-border: 150,000 + 60,000 = 210,000 in a day is reported; 190,000 is not (nor would it be domestic).
    const big = await customer(m.key, 'Zhang Wei', 30_000_000, '110101199003074514');
    const small = await customer(m.key, 'Li Na', 30_000_000, '310115198506120026');
    for (const [c, name, number, amount] of [
      [big, 'Zhang Wei', '110101199003074514', 15_000_000],
      [big, 'Zhang Wei', '110101199003074514', 6_000_000],
      [small, 'Li Na', '310115198506120026', 19_000_000],
    ] as const) {
      const created = await pay(c, name, number, amount);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const paid = await confirm(created.body.id, c);
      expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    }
    const range = beijingDayRange('2026-05-10');
    const reader = t.hutong.services.store.reader;
    const lines = largeValueLines('2026-05-10', [
      ...(await walletDayTotals(reader, range)),
      ...(await crossBorderDayTotals(reader, range)),
    ]);
    expect(lines.map((l) => [l.partyId, l.scope, l.totalMinor, l.count, l.thresholdMinor])).toEqual([
      [big, 'cross_border', 21_000_000n, 2, 20_000_000n],
    ]);
    expect(largeValueCsv(lines).split('\n')[1]).toMatch(/,20000000,cross_border$/);
    expect(largeValueLines('2026-05-11', await crossBorderDayTotals(reader, beijingDayRange('2026-05-11')))).toEqual([]);
  });
});
