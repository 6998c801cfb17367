import { describe, expect, it } from 'vitest';
import { compareJson, compareText, parseJsonValues, stepsOf } from './blocks.js';

const fence = '```';

describe('README doc-test blocks', () => {
  it('pairs a sh block with the answer right after it, and honours the skip marker', () => {
    const md = [
      '<!-- readme-test: skip (starts the server) -->',
      `${fence}sh`,
      'npm start',
      fence,
      'prose',
      `${fence}sh`,
      'curl a',
      fence,
      '',
      `${fence}json ≈`,
      '{"a":1}',
      fence,
      `${fence}sh`,
      'curl b',
      fence,
      'prose in between',
      `${fence}json`,
      '{}',
      fence,
    ].join('\n');
    const steps = stepsOf(md);
    expect(steps.map((s) => s.run.text)).toEqual(['curl a', 'curl b']);
    expect(steps[0]?.expect?.info).toBe('≈');
    expect(steps[1]?.expect).toBeUndefined();
  });

  it('splits several JSON answers, pretty or compact, with braces inside strings', () => {
    expect(parseJsonValues('{"a":"}{"}\n{\n  "b": [1, {"c": 2}]\n}\n[3]')).toEqual([{ a: '}{' }, { b: [1, { c: 2 }] }, [3]]);
  });

  it('checks keys, types, stable values and (unless ≈) numbers; ids and times may differ', () => {
    const shown = { id: 'pay_1', object: 'payment', amount: 100, status: 'succeeded', created_at: 't1', fx_rate: '7.1' };
    const same = { id: 'pay_2', object: 'payment', amount: 100, status: 'succeeded', created_at: 't2', fx_rate: '7.3', extra: 1 };
    expect(compareJson(shown, same, false)).toEqual([]);
    expect(compareJson(shown, { ...same, status: 'failed' }, false)).toHaveLength(1);
    expect(compareJson(shown, { ...same, amount: 101 }, false)).toHaveLength(1);
    expect(compareJson(shown, { ...same, amount: 101 }, true)).toEqual([]);
    expect(compareJson(shown, { ...same, amount: '100' }, true)).toHaveLength(1);
    const missing: Record<string, unknown> = { ...same };
    delete missing.status;
    expect(compareJson(shown, missing, false)).toEqual(['$.status: missing from the answer']);
  });

  it('compares text line by line with ids, times and (≈) numbers as wildcards', () => {
    const shown = 'ledger: 6 accounts\nstl_sjes95v3qeaqkan221k0fbyt0q,2026-11-21T08:32:06.972Z,payment.capture,2524,USD';
    expect(
      compareText(shown, 'ledger: 6 accounts\nstl_aaaaaaaaaaaaaaaaaaaaaaaaaa,2027-01-01T00:00:00.000Z,payment.capture,2524,USD', false),
    ).toEqual([]);
    expect(
      compareText(shown, 'ledger: 7 accounts\nstl_aaaaaaaaaaaaaaaaaaaaaaaaaa,2027-01-01T00:00:00.000Z,payment.capture,2524,USD', false),
    ).toHaveLength(1);
    expect(
      compareText(shown, 'ledger: 7 accounts\nstl_aaaaaaaaaaaaaaaaaaaaaaaaaa,2027-01-01T00:00:00.000Z,payment.capture,99,USD', true),
    ).toEqual([]);
    expect(compareText(shown, 'ledger: 6 accounts', false)[0]).toMatch(/2 lines, got 1/);
  });
});
