import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFailure } from '../core/index.js';
import { csvRecords, parseOfacSdn, parseUnConsolidated, type ParsedList } from './list-files.js';
import { listedName, screenName } from './matching.js';
import { formsOf, latinTokens } from './names.js';
import { periodKeys } from './periods.js';

const sample = (file: string) => readFileSync(new URL(`../../samples/sanctions/${file}`, import.meta.url), 'utf8');

function sampleNames() {
  const lists = [parseOfacSdn(sample('sdn.csv'), sample('alt.csv')), parseUnConsolidated(sample('un-consolidated.xml'))] as ParsedList[];
  return lists.flatMap((l) => l.entries.flatMap((e) => e.names.map((n) => listedName(l.list, e.entryId, n))));
}

describe('name normalisation', () => {
  it('reorders LAST, First, folds case, diacritics and punctuation, drops legal suffixes and stopwords', () => {
    expect(latinTokens('MUÑOZ GARCÍA, José María')).toEqual(['jose', 'maria', 'munoz', 'garcia']);
    expect(latinTokens('Orient Horizon Trading Co., Ltd.')).toEqual(['orient', 'horizon', 'trading']);
    expect(latinTokens('Bank of the East S.A.')).toEqual(['bank', 'east']);
  });

  it('keeps Chinese names as Simplified Hanzi and as pinyin', () => {
    expect(formsOf('趙明德')).toEqual({ han: '赵明德', latin: ['zhao ming de', 'zhao mingde'] });
    expect(formsOf('王芳').han).toBe('王芳');
  });
});

describe('screening against the sample lists', () => {
  const names = sampleNames();
  const hitsOf = (name: string, threshold = 900) => screenName(name, names, threshold).map((m) => `${m.list}/${m.entryId}`);

  it('finds primary names, reordered names, aliases and misspellings', () => {
    expect(hitsOf('Mingde Zhao')).toEqual(expect.arrayContaining(['ofac_sdn/9001', 'un_consolidated/7000001']));
    expect(hitsOf('Ivan Petroff')).toContain('ofac_sdn/9003');
    expect(hitsOf('Ivan Petrov')).toContain('ofac_sdn/9003');
    expect(hitsOf('Jose Maria Munoz Garcia')).toContain('ofac_sdn/9005');
    expect(hitsOf('Orient Horizon Trading Limited')).toContain('ofac_sdn/9002');
  });

  it('matches Chinese input in Hanzi (Traditional or Simplified) and as pinyin', () => {
    expect(hitsOf('赵明德')).toEqual(expect.arrayContaining(['ofac_sdn/9001', 'un_consolidated/7000001']));
    expect(hitsOf('趙明德')).toContain('un_consolidated/7000001');
    expect(hitsOf('大江海运有限公司')).toContain('un_consolidated/7100001');
  });

  it('does not flag unrelated names', () => {
    for (const name of ['张伟', '李娜', 'Li Lei', 'Acme Widgets Ltd', 'Maria Schmidt']) expect(hitsOf(name)).toEqual([]);
  });

  it('the threshold is a setting: lower catches more', () => {
    expect(hitsOf('Ivan Petrenko', 950)).toEqual([]);
    expect(hitsOf('Ivan Petrenko', 850)).toContain('ofac_sdn/9003');
  });
});

describe('list files', () => {
  it('reads the OFAC and UN samples', () => {
    const sdn = parseOfacSdn(sample('sdn.csv'), sample('alt.csv'));
    const un = parseUnConsolidated(sample('un-consolidated.xml'));
    if (isFailure(sdn) || isFailure(un)) throw new Error('sample refused');
    expect(sdn.entries).toHaveLength(5);
    expect(sdn.entries.find((e) => e.entryId === '9001')).toMatchObject({ kind: 'individual', programs: ['SDGT', 'IFSR'] });
    expect(sdn.entries.find((e) => e.entryId === '9003')?.names).toEqual(['PETROV, Ivan Sergeyevich', 'PETROFF, Ivan']);
    expect(un.entries.map((e) => e.entryId)).toEqual(['7000001', '7000002', '7100001']);
    expect(un.entries[0]?.names).toContain('趙明德');
  });

  it('refuses truncated, misshapen and empty files', () => {
    const sdn = sample('sdn.csv');
    expect(isFailure(parseOfacSdn(sdn.slice(0, sdn.length / 2), undefined))).toBe(true);
    expect(isFailure(parseOfacSdn('9001,"ZHAO, Mingde","individual"\r\n', undefined))).toBe(true);
    expect(isFailure(parseOfacSdn('', undefined))).toBe(true);
    expect(isFailure(parseOfacSdn(sdn, '9999,1,"aka","NOBODY",-0- \r\n'))).toBe(true);
    const xml = sample('un-consolidated.xml');
    expect(isFailure(parseUnConsolidated(xml.slice(0, xml.length - 40)))).toBe(true);
    expect(isFailure(parseUnConsolidated('<?xml version="1.0"?><OTHER/>'))).toBe(true);
  });

  it('CSV records round-trip any fields (property)', () => {
    const field = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 8 }), (rows) => {
        const text = rows.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(',')).join('\r\n');
        expect(csvRecords(text)).toEqual(rows);
      }),
    );
  });
});

describe('limit periods', () => {
  it('count days and years in Beijing time', () => {
    expect(periodKeys(new Date('2026-03-02T15:59:59Z'))).toEqual({ life: 'life', year: 'year:2026', day: 'day:2026-03-02' });
    expect(periodKeys(new Date('2026-03-02T16:00:00Z')).day).toBe('day:2026-03-03');
    expect(periodKeys(new Date('2026-12-31T16:00:00Z')).year).toBe('year:2027');
  });
});
