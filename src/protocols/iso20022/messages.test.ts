import { describe, expect, it } from 'vitest';
import { buildPain001, controlSumOf } from './messages.js';

describe('pain.001 control sum', () => {
  it('adds the amounts exactly across 0-, 2- and 3-decimal currencies', () => {
    expect(
      controlSumOf([
        { amountMinor: 1_234n, currency: 'JPY' },
        { amountMinor: 1_999n, currency: 'USD' },
        { amountMinor: 1_500n, currency: 'KWD' },
      ]),
    ).toBe('1255.490');
    expect(controlSumOf([{ amountMinor: 1n, currency: 'KWD' }])).toBe('0.001');
    expect(controlSumOf([{ amountMinor: 5n, currency: 'CNY' }])).toBe('0.05');
    expect(controlSumOf([])).toBe('0.00');
  });

  it('stays exact where a float sum would not (amounts near the 15-digit maximum)', () => {
    const big = { amountMinor: 999_999_999_999_999n, currency: 'USD' };
    expect(controlSumOf([big, big, { amountMinor: 1n, currency: 'USD' }])).toBe('19999999999999.99');
  });

  it('writes it in the group header', () => {
    const xml = buildPain001({
      messageId: 'MSG-1',
      createdAt: '2026-03-01T08:00:00Z',
      debtorName: 'Hutong',
      debtorAccount: 'RESERVE-CNY',
      executionDate: '2026-03-02',
      transfers: [
        { endToEndId: 'po_1', amountMinor: 12_345n, currency: 'CNY', creditorName: 'Tea House', accountNumber: '6222', bankCode: '102' },
      ],
    });
    expect(xml).toContain('<CtrlSum>123.45</CtrlSum>');
  });
});
