/**
 * The merchant-presented QR code as the sandbox wallets print it, written from EMVCo's Merchant
 * Presented Mode specification (domain.md §5) rather than with Hutong's codec, so that the two can
 * check each other: ID–length–value fields with two-digit ids and lengths counted in characters,
 * field 63 last holding CRC-16/CCITT-FALSE over everything before it including "6304".
 */

/** A field's length is two decimal digits: at most 99 characters. */
export const fieldCharsMax = 99;

function field(id: string, value: string): string {
  const length = Array.from(value).length;
  if (!/^\d\d$/.test(id) || length === 0 || length > fieldCharsMax)
    throw new RangeError(`EMV field ${id} cannot hold ${length} characters`);
  return id + (length < 10 ? `0${length}` : String(length)) + value;
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) by table, over the UTF-8 bytes. */
const table = Array.from({ length: 256 }, (_, byte) => {
  let c = byte << 8;
  for (let i = 0; i < 8; i++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
  return c & 0xffff;
});

export function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of new TextEncoder().encode(text)) crc = ((crc << 8) & 0xffff) ^ (table[((crc >> 8) ^ byte) & 0xff] as number);
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

export interface DynamicCode {
  /** Merchant account template 26–51 holding the wallet's globally unique id and the pay URL. */
  readonly template: string;
  readonly globallyUniqueId: string;
  readonly url: string;
  readonly mcc: string;
  readonly currencyNumeric: string;
  readonly amountDecimal: string;
  readonly country: string;
  readonly merchantName: string;
  readonly city: string;
}

/** A dynamic (point of initiation 12) merchant-presented code for one order. */
export function dynamicMerchantCode(code: DynamicCode): string {
  const template = Number(code.template);
  if (!(template >= 26 && template <= 51)) throw new RangeError('merchant account templates are 26 to 51');
  const body = [
    field('00', '01'),
    field('01', '12'),
    field(code.template, field('00', code.globallyUniqueId) + field('01', code.url)),
    field('52', code.mcc),
    field('53', code.currencyNumeric),
    field('54', code.amountDecimal),
    field('58', code.country),
    field('59', Array.from(code.merchantName).slice(0, 25).join('')),
    field('60', Array.from(code.city).slice(0, 15).join('')),
  ].join('');
  return `${body}6304${crc16(`${body}6304`)}`;
}
