import jaroWinkler from 'jaro-winkler';
import { formsOf, sortedTokens, type NameForms } from './names.js';

/** One listed name (primary or alias) of one list entry, in its comparable forms. */
export interface ListedName {
  readonly list: string;
  readonly entryId: string;
  readonly name: string;
  readonly latin: readonly string[];
  readonly latinSorted: readonly string[];
  readonly han: string | null;
}

export interface Match {
  readonly list: string;
  readonly entryId: string;
  readonly matchedName: string;
  /** Jaro-Winkler similarity × 1000, rounded down. */
  readonly scorePermille: number;
}

export function listedName(list: string, entryId: string, name: string): ListedName {
  const forms = formsOf(name);
  return { list, entryId, name, latin: forms.latin, latinSorted: forms.latin.map(sortedTokens), han: forms.han };
}

/** The best similarity between a subject's forms and one listed name: in order, token-sorted, and in Hanzi. */
export function similarity(subject: NameForms & { latinSorted: readonly string[] }, listed: ListedName): number {
  let best = 0;
  if (subject.han !== null && listed.han !== null) best = jaroWinkler(subject.han, listed.han);
  for (let i = 0; i < subject.latin.length; i++) {
    for (let j = 0; j < listed.latin.length; j++) {
      const inOrder = jaroWinkler(subject.latin[i] as string, listed.latin[j] as string);
      const sorted = jaroWinkler(subject.latinSorted[i] as string, listed.latinSorted[j] as string);
      best = Math.max(best, inOrder, sorted);
    }
  }
  return best;
}

/**
 * Screens one name against every listed name; at most one match per entry (its best name), best
 * first. `thresholdPermille` is the setting (HUTONG_RISK_SCREENING_THRESHOLD; OFAC's search is
 * used around 850–900 in practice).
 */
export function screenName(name: string, listed: readonly ListedName[], thresholdPermille: number): Match[] {
  const forms = formsOf(name);
  if (forms.latin.length === 0 && forms.han === null) return [];
  const subject = { ...forms, latinSorted: forms.latin.map(sortedTokens) };
  const best = new Map<string, Match>();
  for (const candidate of listed) {
    const scorePermille = Math.floor(similarity(subject, candidate) * 1000);
    if (scorePermille < thresholdPermille) continue;
    const key = `${candidate.list}/${candidate.entryId}`;
    const seen = best.get(key);
    if (seen === undefined || seen.scorePermille < scorePermille)
      best.set(key, { list: candidate.list, entryId: candidate.entryId, matchedName: candidate.name, scorePermille });
  }
  return [...best.values()].sort((a, b) => b.scorePermille - a.scorePermille);
}
