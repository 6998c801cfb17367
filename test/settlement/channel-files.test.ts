import { expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { walletBill } from '../../sandbox/wallets/bill.js';
import { WalletStore, type Order } from '../../sandbox/wallets/model.js';
import { isFailure } from '../../src/core/failure.js';
import { newId } from '../../src/core/ids.js';
import { accountIdFor, verifyLedger } from '../../src/ledger/index.js';
import { createPaymentLedger } from '../../src/payments/postings.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

const card = (number: string) => ({ number, exp_month: 12, exp_year: 2030, cvc: '123' });

describeEachStore('channel statement files from the sandbox', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const app = useTestApp(dialect, { channels: cardWorldChannels(fixture) });
  const op = () => ({ key: app.operatorKey });

  it('reconciles the acquirer settlement CSV of what the card world approved, with an injected discrepancy', async () => {
    const m = await app.makeMerchant('Card Shop');
    const paid: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await app.request('POST', '/v1/payments', {
        key: m.key,
        body: { amount: 4_200 + i, currency: 'USD', merchant_order_id: `card-${i}` },
      });
      const confirmed = await app.request('POST', `/v1/payments/${created.body.id}/confirm`, {
        key: m.key,
        body: { payment_method: { type: 'card', card: card(testCardFor('visa', 'approved').pan) } },
      });
      expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('succeeded');
      paid.push(created.body.id);
    }
    const refund = await app.request('POST', '/v1/refunds', { key: m.key, body: { payment: paid[0], amount: 1_000 } });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    const clean = fixture.world.settlementFile();
    expect(clean.trim().split('\n')).toHaveLength(1 + 4 + 1);
    const r = await app.request('POST', '/v1/operator/reconciliation/imports', {
      ...op(),
      body: { kind: 'acquirer_csv', name: 'acquirer-clean.csv', content: clean, channel: 'sandbox_acquirer' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const ex = await app.request('GET', '/v1/operator/reconciliation/exceptions?limit=100', op());
    expect(r.body, clean + JSON.stringify(ex.body.data)).toMatchObject({ lines: 4, matched: 4, exceptions: 0 });

    const created = await app.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 9_900, currency: 'USD', merchant_order_id: 'card-late' },
    });
    await app.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: card(testCardFor('visa', 'approved').pan) } },
    });
    // The same lines again are duplicates (reconciled before); the new one is 1.00 off.
    const again = fixture.world.settlementFile();
    const r2 = await app.request('POST', '/v1/operator/reconciliation/imports', {
      ...op(),
      body: { kind: 'acquirer_csv', name: 'acquirer-again.csv', content: again, channel: 'sandbox_acquirer' },
    });
    expect(r2.body).toMatchObject({ lines: 5, matched: 1, by_kind: { duplicate: 4 } });
    const created2 = await app.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 1_500, currency: 'USD', merchant_order_id: 'card-later' },
    });
    await app.request('POST', `/v1/payments/${created2.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: card(testCardFor('visa', 'approved').pan) } },
    });
    const off = fixture.world.settlementFile({ skip: 5, inject: ['amount'] });
    const r3 = await app.request('POST', '/v1/operator/reconciliation/imports', {
      ...op(),
      body: { kind: 'acquirer_csv', name: 'acquirer-3.csv', content: off, channel: 'sandbox_acquirer' },
    });
    expect(r3.body).toMatchObject({ lines: 1, matched: 0, by_kind: { amount_mismatch: 1 } });
    const report = await verifyLedger(app.hutong.services.store.reader);
    expect(report.ok).toBe(true);
  });

  it("reconciles a wallet bill in the wallet's own format", async () => {
    const m = await app.makeMerchant('Wallet Shop');
    const { writer, ledger } = app.hutong.services;
    const postings = createPaymentLedger(ledger, accountIdFor);
    const store = new WalletStore(100, 100);
    const at = app.clock.now();
    for (const amountMinor of [8_800n, 1_200n, 500n]) {
      const paymentId = newId('pay');
      const posted = await writer.run((trx) =>
        postings.captureNow(trx, {
          entryId: newId('ent'),
          paymentId,
          merchantId: m.id,
          source: { kind: 'channel', channel: 'alipay_sandbox' },
          currency: 'CNY',
          grossMinor: amountMinor,
          feeMinor: 0n,
        }),
      );
      if (isFailure(posted)) throw new Error(posted.detail);
      store.addOrder({
        wallet: 'alipay_sandbox',
        orderId: paymentId,
        walletOrderId: `2026${amountMinor}`,
        requestDigest: '',
        amountMinor,
        currency: 'CNY',
        subject: 'tea',
        notifyUrl: '',
        qrCode: '',
        redirectUrl: '',
        createdAt: at,
        status: 'paid',
        paidAt: at,
        refundedMinor: 0n,
        notification: {} as Order['notification'],
      });
    }
    const bill = walletBill(store, 'alipay_sandbox', { date: at.toISOString().slice(0, 10), inject: ['missing', 'unknown'], at });
    const r = await app.request('POST', '/v1/operator/reconciliation/imports', {
      ...(app && op()),
      body: { kind: 'wallet_bill', name: 'alipay.txt', content: bill },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ account: 'channel/alipay_sandbox/receivable', lines: 3, matched: 2 });
    expect(r.body.by_kind).toMatchObject({ missing_at_channel: 1, missing_in_hutong: 1 });
    const malformed = bill.replace('|PAY|', '|PAID|');
    const bad = await app.request('POST', '/v1/operator/reconciliation/imports', {
      ...op(),
      body: { kind: 'wallet_bill', name: 'bad.txt', content: malformed },
    });
    expect(bad.body.code).toBe('recon_file_invalid');
    expect(bad.body.detail).toMatch(/line 3: kind PAID/);
  });
});
