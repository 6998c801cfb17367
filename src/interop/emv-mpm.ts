import assert from 'node:assert/strict';

/**
 * EMV merchant-presented mode (EMVCo QRCPS MPM), Hutong's own codec (domain.md §5, after
 * mvallim/emv-qrcode's MerchantPresentedModeValidator). A payload is a flat list of TLV fields:
 * a 2-digit id, a 2-digit length and the value. Lengths count characters (code points); the CRC
 * (field 63, CRC-16/CCITT-FALSE) counts the UTF-8 bytes of everything up to and including "6304".
 *
 * `parseMpm` is lenient: it reads as far as it can and names every violation it meets;
 * a strict decode is "no violations".
 */
export interface MpmField {
  readonly id: string;
  readonly value: string;
  /** Sub-fields of a template (26–51, 62, 64, 80–99) when the value parses as TLV. */
  readonly subFields?: readonly MpmField[];
}

/** One broken rule: which field, a stable code, and a sentence that names it. */
export interface MpmViolation {
  readonly field: string;
  readonly code: MpmViolationCode;
  readonly message: string;
}

export type MpmViolationCode =
  'malformed' | 'truncated' | 'missing' | 'duplicate' | 'out_of_order' | 'too_long' | 'value_invalid' | 'crc_mismatch';

/** A TLV value has at most 99 characters: its length is two digits. */
export const mpmValueCharsMax = 99;
/** Payloads longer than this are not read at all (EMV: 512 characters is the most a code carries). */
export const mpmPayloadCharsMax = 512;
const crcPrefix = '6304';

/**
 * CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final xor.
 * Check value: CRC("123456789") = 0x29B1.
 */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function crcHexOf(text: string): string {
  return crc16(Buffer.from(text, 'utf8')).toString(16).toUpperCase().padStart(4, '0');
}

const chars = (text: string): number => [...text].length;

/** One TLV field; a value that does not fit is a programmer error. */
export function tlv(id: string, value: string): string {
  assert.match(id, /^[0-9]{2}$/);
  const count = chars(value);
  assert.ok(count > 0 && count <= mpmValueCharsMax, `TLV ${id}: 1 to ${mpmValueCharsMax} characters, got ${count}`);
  return `${id}${String(count).padStart(2, '0')}${value}`;
}

/** Appends field 63 with the CRC over everything before it and "6304". */
export function appendCrc(withoutCrc: string): string {
  const covered = withoutCrc + crcPrefix;
  return covered + crcHexOf(covered);
}

interface Scan {
  readonly fields: MpmField[];
  readonly violations: MpmViolation[];
}

/** Splits TLV text; stops at the first malformed header or a length that runs past the end. */
function scanTlv(text: string, where: string): Scan {
  const all = [...text];
  const fields: MpmField[] = [];
  const violations: MpmViolation[] = [];
  let at = 0;
  while (at < all.length) {
    const id = all.slice(at, at + 2).join('');
    const lengthText = all.slice(at + 2, at + 4).join('');
    const name = where === '' ? id : `${where}.${id}`;
    if (!/^[0-9]{2}$/.test(id) || !/^[0-9]{2}$/.test(lengthText)) {
      violations.push({ field: name, code: 'malformed', message: `at character ${at}: expected a 2-digit id and a 2-digit length` });
      break;
    }
    const length = Number(lengthText);
    if (length === 0 || at + 4 + length > all.length) {
      const left = all.length - at - 4;
      violations.push({ field: name, code: 'truncated', message: `field ${name} declares ${length} characters, ${left} remain` });
      break;
    }
    fields.push({ id, value: all.slice(at + 4, at + 4 + length).join('') });
    at += 4 + length;
  }
  return { fields, violations };
}

const isTemplate = (id: string): boolean => {
  const n = Number(id);
  return (n >= 26 && n <= 51) || n === 62 || n === 64 || n >= 80;
};

/** Reads a payload leniently: every field it can, and every violation of the MPM rules. */
export function parseMpm(payload: string): Scan {
  if (chars(payload) > mpmPayloadCharsMax) {
    return { fields: [], violations: [{ field: 'payload', code: 'too_long', message: `more than ${mpmPayloadCharsMax} characters` }] };
  }
  const top = scanTlv(payload, '');
  const violations = [...top.violations];
  const fields = top.fields.map((field): MpmField => {
    if (!isTemplate(field.id)) return field;
    const inner = scanTlv(field.value, field.id);
    violations.push(...inner.violations);
    return { ...field, subFields: inner.fields };
  });
  violations.push(...checkOrderAndCrc(payload, fields, top.violations.length > 0));
  violations.push(...checkFields(fields));
  return { fields, violations };
}

function checkOrderAndCrc(payload: string, fields: readonly MpmField[], broken: boolean): MpmViolation[] {
  const out: MpmViolation[] = [];
  if (fields[0]?.id !== '00') out.push({ field: '00', code: 'out_of_order', message: 'the payload format indicator (00) must come first' });
  const crcAt = fields.findIndex((field) => field.id === '63');
  if (crcAt === -1) {
    out.push({ field: '63', code: 'missing', message: 'the CRC (63) is mandatory' });
    return out;
  }
  if (crcAt !== fields.length - 1 || broken) {
    out.push({ field: '63', code: 'out_of_order', message: 'the CRC (63) must be the last field' });
  }
  const crc = fields[crcAt]?.value ?? '';
  if (!/^[0-9A-F]{4}$/.test(crc)) {
    out.push({ field: '63', code: 'value_invalid', message: `the CRC must be 4 upper-case hex digits, got ${JSON.stringify(crc)}` });
    return out;
  }
  if (!payload.endsWith(crcPrefix + crc)) return out;
  const expected = crcHexOf(payload.slice(0, payload.length - 4));
  if (expected !== crc) out.push({ field: '63', code: 'crc_mismatch', message: `the CRC is ${crc}, the payload's CRC is ${expected}` });
  return out;
}

interface Rule {
  readonly mandatory?: boolean;
  readonly maxChars?: number;
  readonly pattern?: RegExp;
  readonly describe?: string;
}

/** The top-level rules of EMV MPM 1.1 (§4.2–4.8), per id. */
const rules: Readonly<Record<string, Rule>> = {
  '00': { mandatory: true, pattern: /^01$/, describe: '"01"' },
  '01': { pattern: /^1[12]$/, describe: '"11" (static) or "12" (dynamic)' },
  '52': { mandatory: true, pattern: /^[0-9]{4}$/, describe: '4 digits (ISO 18245)' },
  '53': { mandatory: true, pattern: /^[0-9]{3}$/, describe: '3 digits (ISO 4217 numeric)' },
  '54': { maxChars: 13, pattern: /^(?=.*[1-9])[0-9]+(\.[0-9]*)?$/, describe: 'a positive decimal with "." (≤ 13 characters)' },
  '55': { pattern: /^0[123]$/, describe: '"01", "02" or "03"' },
  '56': { maxChars: 13, pattern: /^[0-9]+(\.[0-9]*)?$/, describe: 'a decimal' },
  '57': { maxChars: 5, pattern: /^[0-9]+(\.[0-9]*)?$/, describe: 'a percentage 00.01–99.99' },
  '58': { mandatory: true, pattern: /^[A-Z]{2}$/, describe: 'ISO 3166-1 alpha-2' },
  '59': { mandatory: true, maxChars: 25 },
  '60': { mandatory: true, maxChars: 15 },
  '61': { maxChars: 10 },
};

function checkFields(fields: readonly MpmField[]): MpmViolation[] {
  const out: MpmViolation[] = [];
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field.id)) out.push({ field: field.id, code: 'duplicate', message: `field ${field.id} appears more than once` });
    seen.add(field.id);
    out.push(...checkValue(field.id, field.value, rules[field.id]));
  }
  for (const [id, rule] of Object.entries(rules)) {
    if (rule.mandatory === true && !seen.has(id)) out.push({ field: id, code: 'missing', message: `field ${id} is mandatory` });
  }
  if (!fields.some((field) => Number(field.id) >= 2 && Number(field.id) <= 51)) {
    out.push({ field: '02-51', code: 'missing', message: 'at least one merchant account information field (02–51) is mandatory' });
  }
  const tip = fields.find((field) => field.id === '55')?.value;
  if (tip === '02' && !seen.has('56')) out.push({ field: '56', code: 'missing', message: 'tip indicator 02 needs a fixed fee (56)' });
  if (tip === '03' && !seen.has('57')) out.push({ field: '57', code: 'missing', message: 'tip indicator 03 needs a percentage (57)' });
  for (const field of fields) out.push(...checkTemplate(field));
  return out;
}

function checkValue(name: string, value: string, rule: Rule | undefined): MpmViolation[] {
  if (rule === undefined) return [];
  const out: MpmViolation[] = [];
  if (rule.maxChars !== undefined && chars(value) > rule.maxChars) {
    out.push({ field: name, code: 'too_long', message: `field ${name} has ${chars(value)} characters, at most ${rule.maxChars}` });
  }
  if (rule.pattern !== undefined && !rule.pattern.test(value)) {
    out.push({ field: name, code: 'value_invalid', message: `field ${name} must be ${rule.describe ?? rule.pattern.source}` });
  }
  return out;
}

const additionalDataRules: Readonly<Record<string, Rule>> = Object.fromEntries(
  ['01', '02', '03', '04', '05', '06', '07', '08'].map((id) => [id, { maxChars: 25 }]),
);
const languageRules: Readonly<Record<string, Rule>> = {
  '00': { mandatory: true, pattern: /^[a-zA-Z]{2}$/, describe: 'an ISO 639 two-letter language' },
  '01': { mandatory: true, maxChars: 25 },
  '02': { maxChars: 15 },
};

function checkTemplate(field: MpmField): MpmViolation[] {
  const sub = field.subFields;
  if (sub === undefined) return [];
  const n = Number(field.id);
  const out: MpmViolation[] = [];
  const subRules = field.id === '62' ? additionalDataRules : field.id === '64' ? languageRules : {};
  for (const inner of sub) out.push(...checkValue(`${field.id}.${inner.id}`, inner.value, subRules[inner.id]));
  for (const [id, rule] of Object.entries(subRules)) {
    if (rule.mandatory === true && !sub.some((inner) => inner.id === id)) {
      out.push({ field: `${field.id}.${id}`, code: 'missing', message: `template ${field.id} needs sub-field ${id}` });
    }
  }
  if ((n >= 26 && n <= 51) || n >= 80) {
    const guid = sub.find((inner) => inner.id === '00');
    if (guid === undefined) {
      out.push({ field: `${field.id}.00`, code: 'missing', message: `template ${field.id} needs a globally unique identifier (00)` });
    } else if (chars(guid.value) > 32) {
      out.push({
        field: `${field.id}.00`,
        code: 'too_long',
        message: `the globally unique identifier of ${field.id} has at most 32 characters`,
      });
    }
  }
  return out;
}
