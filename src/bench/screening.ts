import { performance } from 'node:perf_hooks';
import { listedName, screenName, screeningThresholdPermilleDefault, type ListedName } from '../risk/index.js';
import { formatCount, renderTable } from './table.js';

/**
 * Sanctions screening throughput (issue 16: "screening 1,000,000 names against the full SDN list,
 * names/s"). The full OFAC list cannot be fetched here (no network beyond the package registries),
 * so the bench builds a list of the full list's size from a seeded generator: 12,000 entries (the
 * SDN list holds about 12,000 on 2026 data) with 1.5 aliases each on average, Latin names of 2–4
 * tokens, every tenth with a Hanzi original-script name. It screens `count` subject names through
 * the same `screenName` the service uses (normalisation, Jaro-Winkler in order and token-sorted,
 * Hanzi) and reports names/s and what 1,000,000 names would take at that rate.
 */
const syllables = [
  'al',
  'an',
  'ba',
  'chen',
  'da',
  'el',
  'fa',
  'go',
  'ha',
  'ib',
  'ka',
  'li',
  'ma',
  'na',
  'or',
  'pe',
  'ra',
  'sa',
  'ta',
  'vo',
  'wang',
  'ya',
  'zhao',
  'mir',
];
const hanzi = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾';

function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function nameOf(random: () => number): string {
  const tokens = 2 + Math.floor(random() * 3);
  const parts: string[] = [];
  for (let t = 0; t < tokens; t++) {
    const length = 2 + Math.floor(random() * 2);
    let token = '';
    for (let s = 0; s < length; s++) token += syllables[Math.floor(random() * syllables.length)];
    parts.push(token[0]?.toUpperCase() + token.slice(1));
  }
  return parts.join(' ');
}

export function syntheticList(entries: number, seed = 42): ListedName[] {
  const random = generator(seed);
  const listed: ListedName[] = [];
  for (let e = 0; e < entries; e++) {
    const id = String(10_000 + e);
    listed.push(listedName('ofac_sdn', id, nameOf(random)));
    const aliases = Math.floor(random() * 4);
    for (let a = 0; a < aliases; a++) listed.push(listedName('ofac_sdn', id, nameOf(random)));
    if (e % 10 === 0) {
      const han = Array.from({ length: 2 + Math.floor(random() * 2) }, () => hanzi[Math.floor(random() * hanzi.length)]).join('');
      listed.push(listedName('ofac_sdn', id, han));
    }
  }
  return listed;
}

export function measureScreening(count: number, listed: readonly ListedName[]): { perSec: number; hits: number; ms: number } {
  const random = generator(7);
  const subjects = Array.from({ length: count }, () => nameOf(random));
  const started = performance.now();
  let hits = 0;
  for (const subject of subjects) hits += screenName(subject, listed, screeningThresholdPermilleDefault).length;
  const ms = performance.now() - started;
  return { perSec: (count * 1000) / ms, hits, ms };
}

export function runScreeningBench(options: { quick: boolean }): void {
  const entries = 12_000;
  const listed = syntheticList(entries);
  const count = options.quick ? 50 : 500;
  const r = measureScreening(count, listed);
  const millionHours = 1_000_000 / r.perSec / 3600;
  process.stdout.write(
    `\nSanctions screening — ${formatCount(entries)} generated entries (${formatCount(listed.length)} names), ${count} subjects, threshold ${screeningThresholdPermilleDefault}‰\n`,
  );
  process.stdout.write(
    renderTable(
      ['names/s', 'ms per name', 'hits', '1,000,000 names would take'],
      [[r.perSec.toFixed(1), (r.ms / count).toFixed(1), String(r.hits), `${millionHours.toFixed(1)} h`]],
    ) + '\n',
  );
}
