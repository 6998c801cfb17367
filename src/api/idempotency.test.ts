import { expect, it } from 'vitest';
import { requestDigest } from './idempotency.js';

const confirm = (number: string, cvc: string) => ({
  payment_method: { type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc } },
});

it('keeps card security codes and full card numbers out of the idempotency digest', () => {
  const url = '/v1/payments/:id/confirm';
  const base = requestDigest('POST', url, { id: 'pay_1' }, confirm('4111111111111004', '123'));
  // The digest does not depend on the CVC at all, nor on the digits before the last four...
  expect(requestDigest('POST', url, { id: 'pay_1' }, confirm('4111111111111004', '999'))).toBe(base);
  expect(requestDigest('POST', url, { id: 'pay_1' }, confirm('4000000000001004', '123'))).toBe(base);
  // ...but another card (last four), another payment or another amount is another request.
  expect(requestDigest('POST', url, { id: 'pay_1' }, confirm('4111111111111053', '123'))).not.toBe(base);
  expect(requestDigest('POST', url, { id: 'pay_2' }, confirm('4111111111111004', '123'))).not.toBe(base);
  expect(requestDigest('POST', '/v1/transfers', {}, { amount: 1 })).not.toBe(requestDigest('POST', '/v1/transfers', {}, { amount: 2 }));
});
