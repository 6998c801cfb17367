import { expect, it } from 'vitest';
import { charityProjects } from '../../sandbox/billers/index.js';
import { verifyLedger } from '../../src/ledger/index.js';
import { describeEachStore } from '../support/stores.js';
import { useBillpayApp } from './support.js';

/**
 * Billers' end-of-day files through src/reconciliation (issue 15): the sandbox charity's real file,
 * with a discrepancy of each kind planted in it, is imported like any statement file; its breaks
 * are reconciliation exceptions, resolved as the others are; a file is imported once.
 */
describeEachStore("a biller's end-of-day file through reconciliation", (dialect) => {
  const t = useBillpayApp(dialect);
  const day = '2026-03-01';
  type Exception = {
    id: string;
    kind: string;
    reference: string;
    status: string;
    expected_amount: number | null;
    actual_amount: number | null;
  };
  const pay = async (customer: string, amount: number) => {
    const res = await t.request('POST', '/v1/bill_payments', {
      key: t.app.key,
      body: { currency: 'CNY', customer, biller: t.billers.charity, account_number: charityProjects.open, amount },
    });
    expect(res.body.status).toBe('accepted');
    return res.body.id as string;
  };
  const plant = async (body: Record<string, unknown>) => {
    const res = await fetch(`${t.world.urls.charity}/_sandbox/plant`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
  };
  const reconcile = () =>
    t.request('POST', `/v1/billers/${t.billers.charity}/reconciliations`, { key: t.operatorKey, body: { date: day } });
  const ids: Record<string, string> = {};

  it('matches the file, and finds each break: booked at the biller only, another amount, left out of the file, lost by the biller', async () => {
    const customer = await t.customer(100_000);
    ids.good = await pay(customer, 300);
    ids.misstated = await pay(customer, 400);
    ids.hidden = await pay(customer, 500);
    ids.lost = await pay(customer, 600);
    ids.outsider = `outsider-${dialect}`;
    await plant({ kind: 'biller_only', reference: ids.outsider, account: 'P01', amount_minor: 999 });
    await plant({ kind: 'amount_in_file', reference: ids.misstated, amount_minor: 450 });
    await plant({ kind: 'missing_from_file', reference: ids.hidden });
    await plant({ kind: 'lost', reference: ids.lost });

    const report = await reconcile();
    expect(report.status).toBe(201);
    expect(report.body).toMatchObject({
      object: 'reconciliation_import',
      kind: 'biller_eod',
      account: `biller/${t.billers.charity}/payable`,
    });
    // In the file: the good one, the misstated one and the outsider (the hidden and the lost ones are not).
    expect(report.body.lines).toBe(3);
    expect(report.body.matched).toBe(1);
    expect(report.body.by_kind).toEqual({ missing_in_hutong: 1, amount_mismatch: 1, missing_at_channel: 2 });
    const found = (report.body.exceptions_list as Exception[]).map((e) => `${e.kind}:${e.reference}:${e.status}`).sort();
    expect(found).toEqual(
      [
        `missing_in_hutong:${ids.outsider}:open`,
        `amount_mismatch:${ids.misstated}:open`,
        `missing_at_channel:${ids.hidden}:open`,
        // Not booked at the biller: posted again under Hutong's id, recorded as explained.
        `missing_at_channel:${ids.lost}:explained`,
      ].sort(),
    );
    const mismatch = (report.body.exceptions_list as Exception[]).find((e) => e.kind === 'amount_mismatch');
    expect(mismatch).toMatchObject({ expected_amount: 400, actual_amount: 450 });
    // The lost booking is at the biller again, once, under Hutong's id.
    const file = await t.hutong.services.billpay.billerFile(t.billers.charity, day);
    expect(typeof file).toBe('string');
    expect((file as string).split('\n').filter((l) => l.startsWith(`${ids.lost},`))).toHaveLength(1);
  });

  it('imports a file once: the same file is refused; the day fetched again matches only what is new', async () => {
    // The file now holds the booking posted again: a new file, whose earlier bookings are not matched twice.
    const again = await reconcile();
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ lines: 4, matched: 1, exceptions: 0 });
    const twice = await reconcile();
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('recon_file_duplicate');
    const open = await t.request('GET', `/v1/billers/${t.billers.charity}/reconciliation_exceptions?status=open`, { key: t.operatorKey });
    expect((open.body.data as Exception[]).map((e) => e.reference).sort()).toEqual([ids.outsider, ids.misstated, ids.hidden].sort());
  });

  it('the breaks are resolved in the reconciliation queue: explained; not adjusted in the ledger', async () => {
    const queue = await t.request('GET', '/v1/operator/reconciliation/exceptions?status=open&limit=100', { key: t.operatorKey });
    const mine = (queue.body.data as Exception[]).filter((e) => [ids.outsider, ids.misstated, ids.hidden].includes(e.reference));
    expect(mine).toHaveLength(3);
    const outsider = mine.find((e) => e.reference === ids.outsider) as Exception;
    const adjust = await t.request('POST', `/v1/operator/reconciliation/exceptions/${outsider.id}/resolve`, {
      key: t.operatorKey,
      body: { action: 'adjust', note: 'book it' },
    });
    expect(adjust.status).toBe(409);
    const explained = await t.request('POST', `/v1/operator/reconciliation/exceptions/${outsider.id}/resolve`, {
      key: t.operatorKey,
      body: { action: 'explain', note: 'a donation made at the charity counter, not through Hutong' },
    });
    expect(explained.status).toBe(200);
    expect(explained.body).toMatchObject({ status: 'explained', resolution: 'a donation made at the charity counter, not through Hutong' });
    const open = await t.request('GET', `/v1/billers/${t.billers.charity}/reconciliation_exceptions?status=open`, { key: t.operatorKey });
    expect((open.body.data as Exception[]).map((e) => e.reference).sort()).toEqual([ids.misstated, ids.hidden].sort());
  });

  it('the statement import takes biller files too; a bad or unknown one is refused with the line named', async () => {
    const importFile = (content: string, channel: string | undefined, name: string) =>
      t.request('POST', '/v1/operator/reconciliation/imports', {
        key: t.operatorKey,
        body: { kind: 'biller_eod', name, content, ...(channel === undefined ? {} : { channel }) },
      });
    const header = 'reference,receipt_no,account,amount_minor,booked_at';
    const customer = await t.customer(10_000);
    const paid = await pay(customer, 700);
    const line = `${paid},CH99,P01,700,${day}T09:00:00.000Z`;
    const bad = await importFile(`${header}\n${line}\nx,CH98,P01,-5,${day}T09:00:00.000Z\n`, t.billers.charity, 'bad.csv');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('recon_file_invalid');
    expect(bad.body.detail).toContain('line 3');
    const otherDay = await importFile(`${header}\n${line}\nx,CH98,P01,5,2026-03-02T09:00:00.000Z\n`, t.billers.charity, 'two-days.csv');
    expect(otherDay.body.detail).toContain('line 3');
    const noHeader = await importFile(`${line}\n`, t.billers.charity, 'no-header.csv');
    expect(noHeader.body.detail).toContain('line 1');
    const noBiller = await importFile(`${header}\n${line}\n`, undefined, 'no-biller.csv');
    expect(noBiller.status).toBe(400);
    const unknown = await importFile(`${header}\n${line}\n`, 'blr_nobody', 'unknown.csv');
    expect(unknown.status).toBe(400);
    // A booking twice in one file: the first matches, the second is a duplicate.
    const dup = await importFile(`${header}\n${line}\n${line}\n`, t.billers.charity, 'dup.csv');
    expect(dup.status).toBe(201);
    expect(dup.body).toMatchObject({ kind: 'biller_eod', lines: 2, matched: 1, by_kind: { duplicate: 1 } });
  });

  it('the ledger balances', async () => {
    expect(await verifyLedger(t.hutong.services.store.reader)).toMatchObject({ ok: true });
  });
});
