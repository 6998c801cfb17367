/**
 * The card walkthrough with @hutong/sdk instead of curl: a payment, confirmed with a test card,
 * part refunded, found in the list, and a refused request as a typed problem.
 *
 *   HUTONG_URL=http://127.0.0.1:4000 HUTONG_KEY=sk_test_… npx tsx examples/sdk-tour.ts
 *
 * The README runs it against the started service (test/readme), and so does test/sdk/examples.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { createHutongClient, HutongProblemError } from '@hutong/sdk';

const hutong = createHutongClient({
  baseUrl: process.env.HUTONG_URL ?? 'http://127.0.0.1:4000',
  apiKey: process.env.HUTONG_KEY ?? '',
});

// Every POST gets its own Idempotency-Key; a retry after a lost answer sends the same one.
const order = `sdk-tour-${randomUUID()}`;
const payment = await hutong.post('/v1/payments', { body: { amount: 12_800, currency: 'CNY', merchant_order_id: order } });
console.log(`payment ${payment.id} ${payment.status} ${payment.amount} ${payment.currency}`);

const confirmed = await hutong.post('/v1/payments/{id}/confirm', {
  params: { path: { id: payment.id } },
  body: { payment_method: { type: 'card', card: { number: '4111111111111004', exp_month: 12, exp_year: 2030, cvc: '123' } } },
});
console.log(`confirmed ${confirmed.status}`);

const refund = await hutong.post('/v1/refunds', { body: { payment: payment.id, amount: 2_800, reason: 'one item returned' } });
console.log(`refund ${refund.id} ${refund.status} ${refund.amount}`);

const list = await hutong.get('/v1/payments', { params: { query: { merchant_order_id: order } } });
const [listed] = list.data;
console.log(`payments for the order: ${list.data.length}, captured ${listed?.amount_captured}, refunded ${listed?.amount_refunded}`);

try {
  await hutong.post('/v1/payments', { body: { amount: 12.5, currency: 'CNY', merchant_order_id: `${order}-2` } });
} catch (error) {
  if (!(error instanceof HutongProblemError)) throw error;
  console.log(`refused: ${error.status} ${error.code} (${error.detail})`);
}
