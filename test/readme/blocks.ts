/**
 * The README as a doc test (issue 19): its fenced blocks, and how an answer is compared with the one
 * the README shows.
 *
 * - ```sh blocks run in order in one bash session, as a newcomer pastes them into one terminal.
 *   A block preceded by `<!-- readme-test: skip (why) -->` is shown, not run.
 * - A ```json block right after a ```sh block is the answer it shows: one JSON value per curl.
 *   Every key shown must be in the answer with a value of the same type; stable values (object,
 *   status, code, currency, type, …) must be equal; numbers must be equal unless the block is marked
 *   ```json ≈ (figures that depend on moving FX rates or on the clock).
 * - A ```text block right after is compared line by line, with ids, times, ports and (for ≈) numbers
 *   as wildcards.
 */

export interface Block {
  readonly lang: string;
  /** The fence's info string after the language (`≈` marks varying figures). */
  readonly info: string;
  readonly text: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly skip: string | undefined;
}

export interface Step {
  readonly run: Block;
  readonly expect: Block | undefined;
}

const skipMarker = /^<!--\s*readme-test:\s*skip\b(.*?)-->\s*$/;

export function parseBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let lastProse = '';
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i] ?? '');
    if (open === null) {
      if ((lines[i] ?? '').trim() !== '') lastProse = (lines[i] ?? '').trim();
      continue;
    }
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j] ?? '')) body.push(lines[j++] ?? '');
    if (j >= lines.length) throw new Error(`README line ${i + 1}: a fenced block is never closed`);
    const skip = skipMarker.exec(lastProse);
    blocks.push({
      lang: open[1] ?? '',
      info: open[2] ?? '',
      text: body.join('\n'),
      line: i + 1,
      skip: skip === null ? undefined : (skip[1] ?? '').trim(),
    });
    lastProse = '';
    i = j;
  }
  return blocks;
}

/** Each runnable block with the answer shown right after it (only blank lines between). */
export function stepsOf(markdown: string): Step[] {
  const lines = markdown.split('\n');
  const blocks = parseBlocks(markdown);
  const steps: Step[] = [];
  blocks.forEach((block, index) => {
    if (block.lang !== 'sh' || block.skip !== undefined) return;
    const next = blocks[index + 1];
    const closing = block.line + block.text.split('\n').length + 1;
    const between = next === undefined ? [] : lines.slice(closing, next.line - 1);
    const adjacent = next !== undefined && between.every((l) => l.trim() === '') && (next.lang === 'json' || next.lang === 'text');
    steps.push({ run: block, expect: adjacent ? next : undefined });
  });
  return steps;
}

/** Splits a text holding several JSON values (one per curl, possibly pretty-printed) into values. */
export function parseJsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  if (depth !== 0) throw new Error(`unbalanced JSON: ${text.slice(0, 200)}`);
  return values;
}

/** Values the README shows that must come back equal, whatever the run. */
const stableKeys = new Set([
  'object',
  'status',
  'code',
  'currency',
  'type',
  'brand',
  'last4',
  'mode',
  'channel',
  'settlement_currency',
  'sell_currency',
  'buy_currency',
  'decline_code',
  'direction',
  'enabled_events',
  'name',
  'country',
  'holder_name',
  'iban',
  'merchant_order_id',
  'description',
  'reason',
  'capture_method',
  'time_zone',
]);

/** Differences between what the README shows and what came back; empty when they agree. */
export function compareJson(expected: unknown, actual: unknown, approx: boolean, path = '$', key = ''): string[] {
  if (expected === null) return [];
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (actual === null && (key === '' || !stableKeys.has(key))) return [];
  if (kind(expected) !== kind(actual))
    return [`${path}: the README shows ${kind(expected)} ${JSON.stringify(expected)}, got ${kind(actual)} ${JSON.stringify(actual)}`];
  if (Array.isArray(expected)) {
    const got = actual as unknown[];
    if (stableKeys.has(key))
      return JSON.stringify(expected) === JSON.stringify(got)
        ? []
        : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`];
    if (!approx && expected.length !== got.length) return [`${path}: the README shows ${expected.length} items, got ${got.length}`];
    const problems: string[] = [];
    expected.forEach((item, i) => {
      if (i < got.length) problems.push(...compareJson(item, got[i], approx, `${path}[${i}]`, ''));
    });
    return problems;
  }
  if (typeof expected === 'object') {
    const got = actual as Record<string, unknown>;
    const problems: string[] = [];
    for (const [k, v] of Object.entries(expected as Record<string, unknown>)) {
      if (!(k in got)) problems.push(`${path}.${k}: missing from the answer`);
      else problems.push(...compareJson(v, got[k], approx, `${path}.${k}`, k));
    }
    return problems;
  }
  if (typeof expected === 'number') return approx || expected === actual ? [] : [`${path}: expected ${expected}, got ${String(actual)}`];
  // Stable strings must be equal, but for the ids, times and addresses inside them.
  if (typeof expected === 'string' && stableKeys.has(key) && !linePattern(expected, false).test(String(actual)))
    return [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  return [];
}

/** A line of a text answer as a pattern: ids, times, addresses and (≈) numbers match anything. */
export function linePattern(line: string, approx: boolean): RegExp {
  const wildcards: RegExp[] = [
    /\b[a-z]{2,5}_[0-9a-zA-Z_-]{10,}\b/g, // object ids and keys
    /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, // ISO times
    /\b\d{4}-\d\d-\d\d\b/g, // dates
    /127\.0\.0\.1:\d+|localhost:\d+/g, // addresses
  ];
  if (approx) wildcards.push(/-?\d+(\.\d+)?/g);
  let pattern = '';
  let rest = line.trim();
  for (;;) {
    let first: { index: number; length: number } | undefined;
    for (const w of wildcards) {
      w.lastIndex = 0;
      const m = w.exec(rest);
      if (m !== null && (first === undefined || m.index < first.index)) first = { index: m.index, length: m[0].length };
    }
    if (first === undefined) break;
    pattern += escape(rest.slice(0, first.index)) + '.+?';
    rest = rest.slice(first.index + first.length);
  }
  return new RegExp(`^${pattern}${escape(rest)}$`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compareText(expected: string, actual: string, approx: boolean): string[] {
  const want = expected.split('\n').filter((l) => l.trim() !== '');
  const got = actual.split('\n').filter((l) => l.trim() !== '');
  const problems: string[] = [];
  if (want.length !== got.length) problems.push(`the README shows ${want.length} lines, got ${got.length}`);
  want.forEach((line, i) => {
    const pattern = linePattern(line, approx);
    if (i < got.length && !pattern.test((got[i] ?? '').trim()))
      problems.push(`line ${i + 1}: expected ${JSON.stringify(line)}, got ${JSON.stringify(got[i])}`);
  });
  return problems;
}
