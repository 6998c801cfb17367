import assert from 'node:assert/strict';

/**
 * EMV merchant-presented QR payloads (EMVCo MPM; shared/reference/domain.md §5): a flat list of
 * TLV fields, each a 2-digit id, a 2-digit length and the value. Lengths count characters (code
 * points); the CRC in field 63 counts UTF-8 bytes. The sandbox wallets build these payloads, and
 * the wallet connectors read them back to check the amount and the CRC before handing them on.
 */
export interface TlvField {
  readonly id: string;
  readonly value: string;
}

/** A TLV value is at most 99 characters: its length has two digits. */
export const tlvValueCharsMax = 99;
/** Field 54 (transaction amount) is at most 13 characters. */
export const amountCharsMax = 13;
/** The EMV id of the CRC field; the CRC covers everything up to and including "6304". */
export const crcId = '63';
const crcPrefix = '6304';

/**
 * CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final xor.
 * Check value: CRC("123456789") = 0x29B1.
 */
export function crc16CcittFalse(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** The CRC of a payload text as EMV writes it: 4 upper-case hex digits. */
export function crcHex(text: string): string {
  return crc16CcittFalse(Buffer.from(text, 'utf8')).toString(16).toUpperCase().padStart(4, '0');
}

function charCount(text: string): number {
  return [...text].length;
}

/** One TLV field; a value longer than 99 characters is a programmer error. */
export function tlv(id: string, value: string): string {
  assert.match(id, /^[0-9]{2}$/, 'a TLV id has two digits');
  const chars = charCount(value);
  assert.ok(chars > 0 && chars <= tlvValueCharsMax, `TLV ${id} must have 1 to ${tlvValueCharsMax} characters, got ${chars}`);
  return `${id}${String(chars).padStart(2, '0')}${value}`;
}

/** Appends field 63 (the CRC over the payload and "6304"). */
export function withCrc(payloadWithoutCrc: string): string {
  const covered = `${payloadWithoutCrc}${crcPrefix}`;
  return `${covered}${crcHex(covered)}`;
}

/** Splits a TLV text into fields; undefined when it is not well formed. */
export function parseTlv(text: string): TlvField[] | undefined {
  const chars = [...text];
  const fields: TlvField[] = [];
  let at = 0;
  while (at < chars.length) {
    if (at + 4 > chars.length) return undefined;
    const id = chars.slice(at, at + 2).join('');
    const lengthText = chars.slice(at + 2, at + 4).join('');
    if (!/^[0-9]{2}$/.test(id) || !/^[0-9]{2}$/.test(lengthText)) return undefined;
    const length = Number(lengthText);
    if (length === 0 || at + 4 + length > chars.length) return undefined;
    fields.push({ id, value: chars.slice(at + 4, at + 4 + length).join('') });
    at += 4 + length;
  }
  return fields;
}

/**
 * Parses a whole merchant-presented payload: "00" = "01" first, "63" last with a CRC that matches.
 * Returns the fields (CRC included) or undefined.
 */
export function parseEmvPayload(payload: string): TlvField[] | undefined {
  const fields = parseTlv(payload);
  if (fields === undefined || fields.length < 2) return undefined;
  const first = fields[0];
  const last = fields[fields.length - 1];
  if (first?.id !== '00' || first.value !== '01') return undefined;
  if (last?.id !== crcId || !/^[0-9A-F]{4}$/.test(last.value)) return undefined;
  // The CRC field is the last 8 characters: "6304" and 4 hex digits.
  if (!payload.endsWith(`${crcPrefix}${last.value}`)) return undefined;
  const covered = payload.slice(0, payload.length - 4);
  return crcHex(covered) === last.value ? fields : undefined;
}

/** The value of the first field with `id`, if any. */
export function fieldValue(fields: readonly TlvField[], id: string): string | undefined {
  return fields.find((field) => field.id === id)?.value;
}

export interface MerchantPresentedQr {
  /** 11 static (any amount, reusable), 12 dynamic (one order, one amount). */
  readonly pointOfInitiation: '11' | '12';
  /** Template id 26–51; sub-field 00 is a globally unique id (reverse domain), 01 the order URL. */
  readonly accountTemplateId: string;
  readonly globallyUniqueId: string;
  readonly url: string;
  /** ISO 18245, 4 digits. */
  readonly mcc: string;
  /** ISO 4217 numeric, 3 digits. */
  readonly currencyNumeric: string;
  /** Major units with "." (field 54), absent for a static code. */
  readonly amountDecimal?: string;
  /** ISO 3166 alpha-2. */
  readonly country: string;
  /** At most 25 characters. */
  readonly merchantName: string;
  /** At most 15 characters. */
  readonly city: string;
}

/** Builds the payload; a field that does not fit is a programmer error (assertion). */
export function buildMerchantPresentedQr(qr: MerchantPresentedQr): string {
  const templateNumber = Number(qr.accountTemplateId);
  assert.ok(/^[0-9]{2}$/.test(qr.accountTemplateId) && templateNumber >= 26 && templateNumber <= 51, 'templates are 26 to 51');
  assert.match(qr.mcc, /^[0-9]{4}$/);
  assert.match(qr.currencyNumeric, /^[0-9]{3}$/);
  assert.match(qr.country, /^[A-Z]{2}$/);
  assert.ok(charCount(qr.merchantName) <= 25, 'the merchant name has at most 25 characters');
  assert.ok(charCount(qr.city) <= 15, 'the city has at most 15 characters');
  if (qr.amountDecimal !== undefined) {
    assert.ok(
      /^[0-9]+(\.[0-9]+)?$/.test(qr.amountDecimal) && qr.amountDecimal.length <= amountCharsMax,
      `field 54 has at most ${amountCharsMax} characters`,
    );
  }
  const template = tlv('00', qr.globallyUniqueId) + tlv('01', qr.url);
  const parts = [
    tlv('00', '01'),
    tlv('01', qr.pointOfInitiation),
    tlv(qr.accountTemplateId, template),
    tlv('52', qr.mcc),
    tlv('53', qr.currencyNumeric),
    qr.amountDecimal === undefined ? '' : tlv('54', qr.amountDecimal),
    tlv('58', qr.country),
    tlv('59', qr.merchantName),
    tlv('60', qr.city),
  ];
  return withCrc(parts.join(''));
}
