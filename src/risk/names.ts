import { createRequire } from 'node:module';

/**
 * Name normalisation for sanctions screening, after OFAC's own search (domain.md §10): reorder
 * "LAST, First", fold case, diacritics and punctuation, drop legal suffixes and stopwords. Chinese
 * names are kept in Simplified Hanzi (Traditional folded with OpenCC) and also romanised as pinyin
 * with pinyin-pro, so that 趙明德 meets both 赵明德 in a list's original script and "ZHAO, Mingde".
 */
const legalSuffixes = new Set([
  'ltd',
  'limited',
  'llc',
  'inc',
  'incorporated',
  'co',
  'corp',
  'corporation',
  'company',
  'gmbh',
  'ag',
  'sa',
  'plc',
  'jsc',
  'ojsc',
  'cjsc',
  'pjsc',
  'llp',
  'lp',
  'bv',
  'nv',
  'srl',
  'spa',
  'oy',
  'ab',
  'pte',
  'pty',
]);
const stopwords = new Set(['the', 'of', 'and', 'for', 'a', 'an', 'de', 'del', 'la', 'el', 'le', 'van', 'von', 'der']);
const hanPattern = /\p{Script=Han}/u;

/**
 * OpenCC's and pinyin-pro's dictionaries cost about half a second to load: they are loaded on the
 * first Chinese name screened, not by every process that imports this module (every CLI command).
 */
const requireLazily = createRequire(import.meta.url);
let chinese: { toSimplified: (text: string) => string; pinyin: (typeof import('pinyin-pro'))['pinyin'] } | undefined;
function chineseTools(): NonNullable<typeof chinese> {
  if (chinese === undefined) {
    const OpenCC = requireLazily('opencc-js') as typeof import('opencc-js');
    const { pinyin } = requireLazily('pinyin-pro') as typeof import('pinyin-pro');
    chinese = { toSimplified: OpenCC.Converter({ from: 'hk', to: 'cn' }), pinyin };
  }
  return chinese;
}

export function hasHan(text: string): boolean {
  return hanPattern.test(text);
}

/** Latin-script normalisation: the tokens, in order, after reordering "LAST, First". */
export function latinTokens(name: string): string[] {
  const parts = name.split(',');
  const reordered = parts.length === 2 ? `${parts[1]} ${parts[0]}` : name;
  const folded = reordered
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/\./g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ');
  return folded.split(' ').filter((t) => t !== '' && !legalSuffixes.has(t) && !stopwords.has(t));
}

export function simplifiedHan(name: string): string {
  return chineseTools()
    .toSimplified(name.normalize('NFKC'))
    .replace(/[^\p{Script=Han}]+/gu, '');
}

/**
 * The forms a name is compared in: Latin names as their normalised tokens; Chinese names as
 * Simplified Hanzi (`han`) and as pinyin, both syllable by syllable ("zhao ming de") and with the
 * given name joined ("zhao mingde"), the way lists romanise Chinese names.
 */
export interface NameForms {
  readonly latin: readonly string[];
  readonly han: string | null;
}

export function formsOf(name: string): NameForms {
  if (!hasHan(name)) {
    const tokens = latinTokens(name);
    return { latin: tokens.length === 0 ? [] : [tokens.join(' ')], han: null };
  }
  const han = simplifiedHan(name);
  const syllables = chineseTools()
    .pinyin(han, { toneType: 'none', type: 'array', surname: 'head' })
    .map((s) => s.replace(/ü/g, 'v'));
  const [surname, ...given] = syllables;
  const latin = [syllables.join(' ')];
  if (surname !== undefined && given.length > 1) latin.push(`${surname} ${given.join('')}`);
  return { latin, han };
}

/** Tokens sorted, so that "mingde zhao" and "zhao mingde" compare equal. */
export function sortedTokens(normalised: string): string {
  return normalised.split(' ').sort().join(' ');
}
