/**
 * The switch reads merchant-presented codes with its own small EMV MPM reader, written from the
 * standard (EMVCo QRCPS MPM §4; CRC-16/CCITT-FALSE over the UTF-8 bytes up to and including
 * "6304"), not with Hutong's codec: an error in Hutong's reading of the standard must show here.
 */
export interface Tlv {
  readonly tag: string;
  readonly text: string;
}

export function ccittFalse(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** Splits id-length-value text; undefined if a header or a length is wrong. Lengths count characters. */
export function splitTlv(text: string): Tlv[] | undefined {
  const cps = Array.from(text);
  const out: Tlv[] = [];
  for (let i = 0; i < cps.length;) {
    const tag = cps.slice(i, i + 2).join('');
    const len = Number(cps.slice(i + 2, i + 4).join(''));
    if (!/^\d\d$/.test(tag) || !Number.isInteger(len) || len < 1 || i + 4 + len > cps.length) return undefined;
    out.push({ tag, text: cps.slice(i + 4, i + 4 + len).join('') });
    i += 4 + len;
  }
  return out;
}

export interface ReadCode {
  readonly dynamic: boolean;
  /** (tag, GUID) of each merchant account template 26–51, and UnionPay's 15/16 values. */
  readonly guids: readonly string[];
  readonly unionPay: readonly string[];
  readonly currency: string;
  readonly amount?: string;
  readonly merchantName: string;
}

/** The switch only routes codes whose CRC checks and whose mandatory fields are there. */
export function readMerchantCode(payload: string): ReadCode | string {
  const top = splitTlv(payload);
  if (top === undefined) return 'not TLV';
  if (top[0]?.tag !== '00' || top[0].text !== '01') return 'payload format indicator missing';
  const last = top[top.length - 1];
  if (last?.tag !== '63' || !payload.endsWith(`6304${last.text}`)) return 'CRC missing';
  if (ccittFalse(payload.slice(0, -4)) !== last.text) return 'CRC mismatch';
  const get = (tag: string) => top.find((t) => t.tag === tag)?.text;
  const currency = get('53');
  const merchantName = get('59');
  if (currency === undefined || merchantName === undefined) return 'mandatory field missing';
  const guids = top
    .filter((t) => Number(t.tag) >= 26 && Number(t.tag) <= 51)
    .map((t) => splitTlv(t.text)?.find((inner) => inner.tag === '00')?.text)
    .filter((g): g is string => g !== undefined);
  const unionPay = top.filter((t) => t.tag === '15' || t.tag === '16').map((t) => t.text);
  return { dynamic: get('01') === '12', guids, unionPay, currency, amount: get('54'), merchantName };
}
