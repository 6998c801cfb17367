import assert from 'node:assert/strict';
import type { Hutong } from '../app.js';
import { isFailure } from '../core/index.js';
import { amount } from '../money/index.js';
import { mapBounded } from './load.js';
import type { BenchSettings } from './settings.js';

/** One merchant and its funded customers: the accounts every phase moves money between. */
export interface Population {
  readonly merchantId: string;
  /** The merchant's secret key, for the HTTP phase's Authorization header. */
  readonly secretKey: string;
  readonly customerIds: readonly string[];
}

export async function populate(hutong: Hutong, settings: BenchSettings): Promise<Population> {
  const { parties, wallets } = hutong.services;
  const created = await parties.createMerchant({ name: 'Bench Merchant', country: 'CN', settlementCurrency: settings.currency });
  assert.ok(!isFailure(created), `createMerchant: ${isFailure(created) ? created.detail : ''}`);
  assert.ok(created.secretKey !== null, 'a new merchant shows its secret key');
  const merchantId = created.merchant.id;

  const indexes = Array.from({ length: settings.customersCount }, (_, i) => i);
  const customerIds = await mapBounded(indexes, settings.seedInFlightMax, async (i) => {
    const customer = await parties.createCustomer(merchantId, { name: `Bench Customer ${i}` });
    assert.ok(!isFailure(customer), `createCustomer: ${isFailure(customer) ? customer.detail : ''}`);
    return customer.id;
  });

  const opening = amount(settings.topUpMinor, settings.currency);
  await mapBounded(customerIds, settings.seedInFlightMax, async (customerId) => {
    const movement = await wallets.topUp(merchantId, customerId, { amount: opening });
    assert.ok(!isFailure(movement), `topUp: ${isFailure(movement) ? movement.detail : ''}`);
  });
  return { merchantId, secretKey: created.secretKey, customerIds };
}
