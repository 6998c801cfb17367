import assert from 'node:assert/strict';
import { appendCrc, tlv, type MpmField } from './emv-mpm.js';

/** A merchant account of an MPM code: a card scheme's field (02–25) or a template with its GUID (26–51). */
export interface MerchantAccount {
  readonly id: string;
  /** UnionPay (15–16), Visa (02–03), … for the scheme-reserved ids; 'template' for 26–51. */
  readonly scheme: string;
  /** The template's globally unique id (sub-field 00), or the scheme field's value. */
  readonly guid?: string;
  readonly value: string;
  readonly subFields?: Readonly<Record<string, string>>;
}

export interface AdditionalData {
  readonly billNumber?: string;
  readonly mobileNumber?: string;
  readonly storeLabel?: string;
  readonly loyaltyNumber?: string;
  readonly referenceLabel?: string;
  readonly customerLabel?: string;
  readonly terminalLabel?: string;
  readonly purpose?: string;
}

export interface MerchantLanguage {
  readonly language: string;
  readonly merchantName: string;
  readonly city?: string;
}

/** What a merchant-presented code says, field by field (absent fields are undefined). */
export interface MpmCode {
  readonly pointOfInitiation?: 'static' | 'dynamic';
  readonly merchantAccounts: readonly MerchantAccount[];
  readonly mcc?: string;
  readonly currencyNumeric?: string;
  readonly amountDecimal?: string;
  readonly tipIndicator?: string;
  readonly country?: string;
  readonly merchantName?: string;
  readonly city?: string;
  readonly postalCode?: string;
  readonly additionalData?: AdditionalData;
  readonly language?: MerchantLanguage;
  readonly crc?: string;
}

const schemes: readonly (readonly [number, number, string])[] = [
  [2, 3, 'visa'],
  [4, 5, 'mastercard'],
  [6, 8, 'emvco'],
  [9, 10, 'discover'],
  [11, 12, 'amex'],
  [13, 14, 'jcb'],
  [15, 16, 'unionpay'],
  [17, 25, 'emvco'],
  [26, 51, 'template'],
];

const additionalNames: Readonly<Record<string, keyof AdditionalData>> = {
  '01': 'billNumber',
  '02': 'mobileNumber',
  '03': 'storeLabel',
  '04': 'loyaltyNumber',
  '05': 'referenceLabel',
  '06': 'customerLabel',
  '07': 'terminalLabel',
  '08': 'purpose',
};

const subOf = (field: MpmField | undefined, id: string) => field?.subFields?.find((inner) => inner.id === id)?.value;

function accountOf(field: MpmField): MerchantAccount | undefined {
  const n = Number(field.id);
  const scheme = schemes.find(([from, to]) => n >= from && n <= to)?.[2];
  if (scheme === undefined) return undefined;
  if (scheme !== 'template') return { id: field.id, scheme, value: field.value };
  const subFields = Object.fromEntries((field.subFields ?? []).map((inner) => [inner.id, inner.value]));
  return { id: field.id, scheme, guid: subOf(field, '00'), value: field.value, subFields };
}

/** The structured reading of parsed fields. */
export function describeMpm(fields: readonly MpmField[]): MpmCode {
  const value = (id: string) => fields.find((field) => field.id === id)?.value;
  const additional = fields.find((field) => field.id === '62');
  const language = fields.find((field) => field.id === '64');
  const initiation = value('01');
  return {
    pointOfInitiation: initiation === '11' ? 'static' : initiation === '12' ? 'dynamic' : undefined,
    merchantAccounts: fields.map(accountOf).filter((account) => account !== undefined),
    mcc: value('52'),
    currencyNumeric: value('53'),
    amountDecimal: value('54'),
    tipIndicator: value('55'),
    country: value('58'),
    merchantName: value('59'),
    city: value('60'),
    postalCode: value('61'),
    additionalData:
      additional?.subFields === undefined
        ? undefined
        : Object.fromEntries(
            additional.subFields.flatMap((inner) => {
              const name = additionalNames[inner.id];
              return name === undefined ? [] : [[name, inner.value]];
            }),
          ),
    language:
      language === undefined
        ? undefined
        : { language: subOf(language, '00') ?? '', merchantName: subOf(language, '01') ?? '', city: subOf(language, '02') },
    crc: value('63'),
  };
}

/** What Hutong writes into a collection code. */
export interface MpmSpec {
  readonly dynamic: boolean;
  /** Scheme fields first (e.g. UnionPay 15), then templates 26–51 with their GUID. */
  readonly accounts: readonly {
    readonly id: string;
    readonly value?: string;
    readonly guid?: string;
    readonly sub?: Record<string, string>;
  }[];
  readonly mcc: string;
  readonly currencyNumeric: string;
  readonly amountDecimal?: string;
  readonly country: string;
  readonly merchantName: string;
  readonly city: string;
  readonly additionalData?: AdditionalData;
  readonly language?: MerchantLanguage;
}

function accountText(account: MpmSpec['accounts'][number]): string {
  if (account.guid === undefined) {
    assert.ok(account.value !== undefined, 'a scheme field has a value');
    return tlv(account.id, account.value);
  }
  const inner = Object.entries(account.sub ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, text]) => tlv(id, text))
    .join('');
  return tlv(account.id, tlv('00', account.guid) + inner);
}

/** Builds a payload in the standard's field order; a value that does not fit is a programmer error. */
export function buildMpm(spec: MpmSpec): string {
  const additional = Object.entries(additionalNames)
    .map(([id, name]) => (spec.additionalData?.[name] === undefined ? '' : tlv(id, spec.additionalData[name])))
    .join('');
  const language =
    spec.language === undefined
      ? ''
      : tlv('00', spec.language.language) +
        tlv('01', spec.language.merchantName) +
        (spec.language.city === undefined ? '' : tlv('02', spec.language.city));
  const parts = [
    tlv('00', '01'),
    tlv('01', spec.dynamic ? '12' : '11'),
    ...spec.accounts.map(accountText),
    tlv('52', spec.mcc),
    tlv('53', spec.currencyNumeric),
    spec.amountDecimal === undefined ? '' : tlv('54', spec.amountDecimal),
    tlv('58', spec.country),
    tlv('59', spec.merchantName),
    tlv('60', spec.city),
    additional === '' ? '' : tlv('62', additional),
    language === '' ? '' : tlv('64', language),
  ];
  return appendCrc(parts.join(''));
}
