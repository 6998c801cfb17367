import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createBankClient } from '../../src/channels/bank/client.js';
import { isFailure, newId } from '../../src/core/index.js';
import { accountIdFor } from '../../src/ledger/index.js';
import { createPaymentLedger } from '../../src/payments/postings.js';
import { startSandboxBank } from '../../sandbox/bank/bank.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

const samples = fileURLToPath(new URL('../../samples/sanctions/', import.meta.url));
const day = 86_400_000;

describeEachStore('sanctions screening of payout beneficiaries', (dialect) => {
  const t = useTestApp(dialect, {
    bank: async () => {
      const bank = await startSandboxBank({ clock: { now: () => t.clock.now() } });
      return { client: createBankClient(bank.baseUrl), close: () => bank.close() };
    },
  });

  async function captured(merchantId: string, grossMinor: bigint): Promise<void> {
    const { writer, ledger } = t.hutong.services;
    const posted = await writer.run((trx) =>
      createPaymentLedger(ledger, accountIdFor).captureNow(trx, {
        entryId: newId('ent'),
        paymentId: newId('pay'),
        merchantId,
        source: { kind: 'channel', channel: 'sandbox_acquirer' },
        currency: 'CNY',
        grossMinor,
        feeMinor: 0n,
      }),
    );
    if (isFailure(posted)) throw new Error(posted.detail);
  }

  it('a payee on a list is not paid until an analyst clears it; its payout waits', async () => {
    for (const file of ['sdn.csv', 'un-consolidated.xml'])
      expect(isFailure(await t.hutong.services.risk.importListFile(join(samples, file)))).toBe(false);
    const clean = await t.makeMerchant('Clean Shop');
    const listed = await t.makeMerchant('Listed Shop');
    await t.request('POST', '/v1/bank_accounts', {
      key: clean.key,
      body: { currency: 'CNY', holder_name: 'Clean Shop Ltd', iban: 'DE89 3704 0044 0532 0130 00' },
    });
    const account = await t.request('POST', '/v1/bank_accounts', {
      key: listed.key,
      body: { currency: 'CNY', holder_name: 'Orient Horizon Trading Limited', iban: 'GB82 WEST 1234 5698 7654 32' },
    });
    expect(account.status).toBe(201);
    await captured(clean.id, 10_000n);
    await captured(listed.id, 20_000n);
    t.clock.advance(2 * day);
    expect((await t.request('POST', '/v1/operator/settlement_runs', { key: t.operatorKey, body: {} })).status).toBe(200);

    const first = await t.hutong.services.payouts.send();
    if (isFailure(first)) throw new Error(first.detail);
    const statusOf = async (key: string) =>
      ((await t.request('GET', '/v1/payouts', { key })).body.data as { status: string }[]).map((p) => p.status);
    expect(await statusOf(clean.key)).toEqual(['paid']);
    expect(await statusOf(listed.key)).toEqual(['pending']);
    const hits = (await t.request('GET', '/v1/risk/hits?status=open', { key: t.operatorKey })).body.data.filter(
      (h: { merchant: string }) => h.merchant === listed.id,
    );
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      party_type: 'beneficiary',
      context: 'payout',
      list: 'ofac_sdn',
      entry_id: '9002',
      subject_name: 'Orient Horizon Trading Limited',
    });

    // Sending again does not pay it either; clearing the hit does.
    await t.hutong.services.payouts.send();
    expect(await statusOf(listed.key)).toEqual(['pending']);
    await t.request('POST', `/v1/risk/hits/${hits[0].id}/decision`, {
      key: t.operatorKey,
      body: { decision: 'false_positive', reason: 'registered in Shenzhen in 2019, unrelated to the listed company' },
    });
    await t.hutong.services.payouts.send();
    expect(await statusOf(listed.key)).toEqual(['paid']);
  });

  it("onboarding checks the licence number and screens the merchant, its legal person and owners; a hit holds the merchant's payouts", async () => {
    for (const file of ['sdn.csv', 'un-consolidated.xml']) await t.hutong.services.risk.importListFile(join(samples, file));
    const m = await t.makeMerchant('Harbour Goods');
    await t.request('POST', '/v1/bank_accounts', {
      key: m.key,
      body: { currency: 'CNY', holder_name: 'Harbour Goods Ltd', iban: 'DE89 3704 0044 0532 0130 00' },
    });
    const body = { business_licence: '91350100M000100Y43', legal_person: '王芳', beneficial_owners: ['Ivan Petrov', 'Chen Jing'] };
    const typo = await t.request('POST', `/v1/risk/merchants/${m.id}/onboarding`, {
      key: t.operatorKey,
      body: { ...body, business_licence: '91350100M000100Y44' },
    });
    expect(typo.body.code).toBe('onboarding_invalid');
    expect((await t.request('POST', `/v1/risk/merchants/${m.id}/onboarding`, { key: m.key, body })).status).toBe(403);
    expect((await t.request('POST', '/v1/risk/merchants/mer_nobody/onboarding', { key: t.operatorKey, body })).status).toBe(404);
    const checked = await t.request('POST', `/v1/risk/merchants/${m.id}/onboarding`, { key: t.operatorKey, body });
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ object: 'merchant_onboarding', screening: 'review' });
    expect(checked.body.parties.map((p: { name: string; screening: string }) => `${p.name}:${p.screening}`)).toEqual([
      'Harbour Goods:clear',
      '王芳:clear',
      'Ivan Petrov:review',
      'Chen Jing:clear',
    ]);
    await captured(m.id, 5_000n);
    t.clock.advance(2 * day);
    await t.request('POST', '/v1/operator/settlement_runs', { key: t.operatorKey, body: { merchant: m.id } });
    await t.hutong.services.payouts.send();
    const statuses = ((await t.request('GET', '/v1/payouts', { key: m.key })).body.data as { status: string }[]).map((p) => p.status);
    expect(statuses).toEqual(['pending']);
  });
});
