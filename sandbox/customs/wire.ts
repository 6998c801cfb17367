import { randomUUID } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { XMLParser } from 'fast-xml-parser';
import { SignedXml } from 'xml-crypto';
import { formatDecimal, isMoneyFailure, parseDecimal } from '../../src/money/index.js';

/**
 * The CEB wire format as the sandbox speaks it, written from the reference (domain.md §7), not with
 * Hutong's builders: the root `<ceb:CEBnnnMessage guid version>` in the chinaport namespace, the
 * business block, `BaseTransfer`, and an enveloped XML-DSig signature over the C14N form (SHA-1
 * digest, RSA-SHA1) whose `KeyName` is the declarant's certificate number.
 */
export const cebNamespace = 'http://www.chinaport.gov.cn/ceb';
const dsigNamespace = 'http://www.w3.org/2000/09/xmldsig#';
const c14n = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';

export type Fields = Record<string, string>;

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => entities[c] as string);

function block(name: string, fields: Fields): string {
  const inner = Object.entries(fields)
    .map(([k, v]) => `<ceb:${k}>${escapeXml(v)}</ceb:${k}>`)
    .join('');
  return `<ceb:${name}>${inner}</ceb:${name}>`;
}

/** A CEB message: root, the business part (already XML), BaseTransfer. */
export function cebMessage(kind: string, guid: string, business: string, base: Fields): string {
  return `<?xml version="1.0" encoding="UTF-8"?><ceb:${kind}Message xmlns:ceb="${cebNamespace}" guid="${guid}" version="1.0">${business}${block('BaseTransfer', base)}</ceb:${kind}Message>`;
}

export function headAndList(wrapper: string, headName: string, head: Fields, listName?: string, list: readonly Fields[] = []): string {
  return `<ceb:${wrapper}>${block(headName, head)}${listName === undefined ? '' : list.map((item) => block(listName, item)).join('')}</ceb:${wrapper}>`;
}

export const newGuid = () => randomUUID().toUpperCase();

/** yyyyMMddHHmmss (and SSS with `millis`), in China time as customs stamps it. */
export function cebTime(at: Date, millis = false): string {
  const t = new Date(at.getTime() + 8 * 3_600_000).toISOString();
  const text = t.slice(0, 4) + t.slice(5, 7) + t.slice(8, 10) + t.slice(11, 13) + t.slice(14, 16) + t.slice(17, 19);
  return millis ? text + t.slice(20, 23) : text;
}

export const yuan = (fen: bigint) => formatDecimal({ minor: fen, currency: 'CNY' });

/** "123.45" → 12345n; anything else (more than 2 decimals, signs, text) → undefined. */
export function fenOf(text: string | undefined): bigint | undefined {
  if (text === undefined || !/^\d{1,14}(\.\d{1,2})?$/.test(text)) return undefined;
  const parsed = parseDecimal(text, 'CNY');
  return isMoneyFailure(parsed) ? undefined : parsed.minor;
}

export function sign(xml: string, key: { privateKeyPem: string; certNo: string }): string {
  const signer = new SignedXml({
    privateKey: key.privateKeyPem,
    canonicalizationAlgorithm: c14n,
    signatureAlgorithm: `${dsigNamespace}rsa-sha1`,
    getKeyInfoContent: () => `<ds:KeyName>${escapeXml(key.certNo)}</ds:KeyName>`,
  });
  signer.addReference({
    xpath: '/*',
    transforms: [`${dsigNamespace}enveloped-signature`, c14n],
    digestAlgorithm: `${dsigNamespace}sha1`,
    isEmptyUri: true,
  });
  signer.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'append' } });
  return signer.getSignedXml();
}

/** The certificate number a signature names (KeyName), or undefined when there is no signature. */
export function signatureKeyName(xml: string): string | undefined {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const name = doc.getElementsByTagNameNS(dsigNamespace, 'KeyName')[0];
  return name?.textContent ?? undefined;
}

/** True when the enveloped signature over the whole message verifies with this public key. */
export function verify(xml: string, publicKeyPem: string): boolean {
  try {
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const signatures = doc.getElementsByTagNameNS(dsigNamespace, 'Signature');
    if (signatures.length !== 1) return false;
    const checker = new SignedXml({ publicCert: publicKeyPem });
    checker.loadSignature(signatures[0] as unknown as Parameters<SignedXml['loadSignature']>[0]);
    if (!checker.checkSignature(xml)) return false;
    // The one reference must be the whole document (URI ""), not some fragment of it.
    const refs = checker.getSignedReferences();
    return refs.length === 1;
  } catch {
    return false;
  }
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['OrderList', 'InventoryList'].includes(name),
});

export interface ParsedMessage {
  readonly kind: string;
  readonly guid: string;
  readonly root: Record<string, unknown>;
}

/** The message's kind (CEB411…) and its tree, or a reason it is not a CEB message. */
export function parseMessage(xml: string): ParsedMessage | { error: string } {
  let tree: Record<string, unknown>;
  try {
    const doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml');
    const el = doc.documentElement;
    if (el === null || el.namespaceURI !== cebNamespace) return { error: '报文根节点不在海关命名空间 (root not in the ceb namespace)' };
    tree = parser.parse(xml) as Record<string, unknown>;
  } catch {
    return { error: '报文不是合法的XML (not well-formed XML)' };
  }
  const rootName = Object.keys(tree).find((k) => /^CEB\d{3}Message$/.test(k));
  if (rootName === undefined) return { error: '报文类型无法识别 (unknown message type)' };
  const root = tree[rootName] as Record<string, unknown>;
  const guid = typeof root['@guid'] === 'string' ? root['@guid'] : '';
  return { kind: rootName.slice(0, 6), guid, root };
}

/** A head's fields as strings (empty elements as ''). */
export function fieldsOf(node: unknown): Fields {
  const out: Fields = {};
  if (typeof node !== 'object' || node === null) return out;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k.startsWith('@')) continue;
    if (typeof v === 'string') out[k] = v;
    else if (v === '' || v === null) out[k] = '';
  }
  return out;
}

export function child(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[name] : undefined;
}
