import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { fail, type Failure } from '../core/index.js';
import { RiskError } from './errors.js';

/**
 * Readers for the sanctions list files (domain.md §10). Both refuse a file that is not what it
 * claims to be — a wrong column count, a truncated XML, an alias naming no entry, an empty list —
 * so that a bad download never replaces a good list.
 */
export interface ListEntry {
  readonly entryId: string;
  readonly kind: 'individual' | 'entity' | 'vessel' | 'aircraft';
  readonly name: string;
  /** Every name to screen against: the primary name, aliases, original-script names. */
  readonly names: readonly string[];
  readonly programs: readonly string[];
}

export interface ParsedList {
  readonly list: 'ofac_sdn' | 'un_consolidated';
  readonly entries: readonly ListEntry[];
}

/** Files above this are refused (the full SDN CSV is ~5 MB, the UN XML ~2.5 MB). */
export const listFileBytesMax = 64 * 1024 * 1024;
const sdnColumns = 12;
const altColumns = 5;
const ofacNull = '-0-';

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. */
export function csvRecords(text: string): string[][] | undefined {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  const endRecord = () => {
    record.push(field);
    if (record.length > 1 || record[0] !== '') records.push(record);
    record = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else quoted = false;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') endRecord();
    // A CR ends a record only when no LF follows; OFAC's files end with a DOS end-of-file mark.
    else if (c === '\r') {
      if (text[i + 1] !== '\n') endRecord();
    } else if (c !== '\u001a') field += c;
  }
  if (quoted) return undefined;
  endRecord();
  return records;
}

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== '' && value.trim() !== ofacNull;

function sdnKind(type: string): ListEntry['kind'] {
  const t = type.trim().toLowerCase();
  return t === 'individual' ? 'individual' : t === 'vessel' ? 'vessel' : t === 'aircraft' ? 'aircraft' : 'entity';
}

/** OFAC SDN: sdn.csv (entries) and alt.csv (aliases). add.csv holds addresses, which we do not screen. */
export function parseOfacSdn(sdnCsv: string, altCsv: string | undefined): ParsedList | Failure<RiskError> {
  const rows = csvRecords(sdnCsv);
  if (rows === undefined) return fail(RiskError.ListFileInvalid, 'sdn.csv: a quoted field is not closed (truncated file?)');
  const entries = new Map<string, { entryId: string; kind: ListEntry['kind']; name: string; names: string[]; programs: string[] }>();
  for (const [index, row] of rows.entries()) {
    if (row.length !== sdnColumns)
      return fail(RiskError.ListFileInvalid, `sdn.csv line ${index + 1}: ${row.length} fields, expected ${sdnColumns}`);
    const [entNum, name, type, program] = row as [string, string, string, string];
    if (!/^\d+$/.test(entNum.trim()) || !present(name))
      return fail(RiskError.ListFileInvalid, `sdn.csv line ${index + 1}: no entry number or name`);
    const programs = present(program)
      ? program
          .split(/[\];[]+/)
          .map((p) => p.trim())
          .filter((p) => p !== '')
      : [];
    entries.set(entNum.trim(), { entryId: entNum.trim(), kind: sdnKind(type), name: name.trim(), names: [name.trim()], programs });
  }
  const alts = altCsv === undefined ? [] : csvRecords(altCsv);
  if (alts === undefined) return fail(RiskError.ListFileInvalid, 'alt.csv: a quoted field is not closed (truncated file?)');
  for (const [index, row] of alts.entries()) {
    if (row.length !== altColumns)
      return fail(RiskError.ListFileInvalid, `alt.csv line ${index + 1}: ${row.length} fields, expected ${altColumns}`);
    const entry = entries.get((row[0] as string).trim());
    if (entry === undefined) return fail(RiskError.ListFileInvalid, `alt.csv line ${index + 1}: no SDN entry ${row[0]}`);
    if (present(row[3])) entry.names.push((row[3] as string).trim());
  }
  if (entries.size === 0) return fail(RiskError.ListFileInvalid, 'sdn.csv holds no entries');
  return { list: 'ofac_sdn', entries: [...entries.values()] };
}

const unParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['INDIVIDUAL', 'ENTITY', 'INDIVIDUAL_ALIAS', 'ENTITY_ALIAS', 'VALUE'].includes(name),
});

type UnNode = Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function unEntry(node: UnNode, kind: 'individual' | 'entity', aliasTag: string): ListEntry | undefined {
  const entryId = text(node.DATAID);
  const parts = ['FIRST_NAME', 'SECOND_NAME', 'THIRD_NAME', 'FOURTH_NAME'].map((k) => text(node[k])).filter((p) => p !== undefined);
  if (entryId === undefined || parts.length === 0) return undefined;
  const name = parts.join(' ');
  const names = [name];
  const original = text(node.NAME_ORIGINAL_SCRIPT);
  if (original !== undefined) names.push(original);
  for (const alias of (node[aliasTag] as UnNode[] | undefined) ?? []) {
    const aliasName = text(alias.ALIAS_NAME);
    if (aliasName !== undefined) names.push(aliasName);
  }
  const programs = [text(node.UN_LIST_TYPE)].filter((p) => p !== undefined);
  return { entryId, kind, name, names, programs };
}

/** The UN Security Council consolidated list: CONSOLIDATED_LIST → INDIVIDUALS/INDIVIDUAL, ENTITIES/ENTITY. */
export function parseUnConsolidated(xml: string): ParsedList | Failure<RiskError> {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return fail(RiskError.ListFileInvalid, `UN list: not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  const root = (unParser.parse(xml) as UnNode).CONSOLIDATED_LIST as UnNode | undefined;
  if (root === undefined) return fail(RiskError.ListFileInvalid, 'UN list: no CONSOLIDATED_LIST element');
  const individuals = ((root.INDIVIDUALS as UnNode | undefined)?.INDIVIDUAL as UnNode[] | undefined) ?? [];
  const entities = ((root.ENTITIES as UnNode | undefined)?.ENTITY as UnNode[] | undefined) ?? [];
  const entries: ListEntry[] = [];
  for (const [kind, nodes, aliasTag] of [
    ['individual', individuals, 'INDIVIDUAL_ALIAS'],
    ['entity', entities, 'ENTITY_ALIAS'],
  ] as const) {
    for (const node of nodes) {
      const entry = unEntry(node, kind, aliasTag);
      if (entry === undefined) return fail(RiskError.ListFileInvalid, `UN list: an ${kind.toUpperCase()} has no DATAID or name`);
      entries.push(entry);
    }
  }
  if (entries.length === 0) return fail(RiskError.ListFileInvalid, 'UN list: no INDIVIDUAL or ENTITY');
  return { list: 'un_consolidated', entries };
}
