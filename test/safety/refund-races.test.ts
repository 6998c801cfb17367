import { expect, it } from 'vitest';
import { createIso8583Acquirer } from '../../src/channels/iso8583-acquirer/index.js';
import { createConnectorRegistry, type RouteQuery } from '../../src/channels/registry.js';
import type { CardConnector } from '../../src/channels/connector.js';
import { isFailure } from '../../src/core/failure.js';
import { startCardWorld } from '../../sandbox/card-world/index.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';
import { freshVisa } from './world.js';

/**
 * Two completions of one refund that the acquirer declines (a retry racing the first try, or the
 * recovery sweep asking again): the refund's reservation on the payment must be given back once.
 * Before the fix each completion gave it back, so `amount_refunded` went below zero and the
 * payment could then be refunded for more than was captured.
 */
const declineDelayMs = 60;

function decliningRefunds() {
  return async () => {
    const world = await startCardWorld({ port: 0 });
    const real = createIso8583Acquirer({ name: 'sandbox_acquirer', host: '127.0.0.1', port: world.acquirerPort, timeoutMs: 400 });
    const acquirer: CardConnector = Object.assign(Object.create(real) as CardConnector, {
      refund: async () => {
        await new Promise((resolve) => setTimeout(resolve, declineDelayMs));
        return { status: 'declined' as const, responseCode: '05', reason: 'do not honor' };
      },
    });
    const registry = createConnectorRegistry({ connectors: [acquirer] });
    return {
      route: (query: RouteQuery) => registry.route(query),
      connector: (name: string) => registry.connector(name),
      async close() {
        await registry.close();
        await world.close();
      },
    };
  };
}

describeEachStore('refund racing its own retry', (dialect) => {
  const t = useTestApp(dialect, { channels: decliningRefunds() });

  it('gives a declined refund its reservation back once', async () => {
    const m = await t.makeMerchant();
    const created = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 5_000, currency: 'USD', merchant_order_id: 'refund-race' },
    });
    const paid = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: { number: freshVisa(), exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(paid.body.status).toBe('succeeded');
    const { payments } = t.hutong.services;
    const input = { paymentId: created.body.id as string, amountMinor: 2_000n };
    const both = await Promise.all([payments.refund(m.id, input, 'same-key'), payments.refund(m.id, input, 'same-key')]);
    for (const r of both) expect(isFailure(r) ? r.failure : r.status).toBe('failed');
    const after = await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key });
    expect(after.body.amount_refunded).toBe(0);
    // The reservation rule still holds: at most what was captured can be reserved.
    const over = await payments.refund(m.id, { paymentId: created.body.id as string, amountMinor: 5_001n }, 'too-much');
    expect(isFailure(over) ? over.failure : over.status).toBe('refund_exceeds_captured');
  });
});
