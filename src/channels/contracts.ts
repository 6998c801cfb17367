import assert from 'node:assert/strict';
import { findCurrency } from '../money/index.js';
import type { CardBrand, CardConnector } from './connector.js';

/**
 * Checks made when a connector is registered, so that a connector that does not do what it
 * declares fails at start-up rather than on a shopper's payment.
 */
const cardBrands: readonly CardBrand[] = ['visa', 'mastercard', 'american-express', 'jcb', 'unionpay', 'discover', 'diners-club'];

/** What every card acquirer must support: Hutong's failover authorizes, and reverses what went unanswered. */
export const cardCapabilitiesRequired = ['authorize', 'void'] as const;

export function checkCardConnector<C extends CardConnector>(connector: C): C {
  const { name, capabilities } = connector;
  assert.ok(/^[a-z][a-z0-9_-]{0,39}$/.test(name), `card connector name ${JSON.stringify(name)} must be 1–40 of a-z, 0-9, _ and -`);
  for (const capability of cardCapabilitiesRequired)
    assert.ok(capabilities[capability], `card connector ${name} must support ${capability} (failover reverses unanswered authorizations)`);
  assert.ok(connector.brands.length > 0, `card connector ${name} accepts no brand`);
  for (const brand of connector.brands) assert.ok(cardBrands.includes(brand), `card connector ${name}: unknown brand ${brand}`);
  assert.ok(connector.currencies.length > 0, `card connector ${name} accepts no currency`);
  for (const code of connector.currencies) assert.ok(findCurrency(code) !== undefined, `card connector ${name}: ${code} is not ISO 4217`);
  return connector;
}
