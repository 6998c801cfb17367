/**
 * Consumer payment codes seen at tills (domain.md §5, after Jeepay's getPayWayCodeByBarCode):
 * opaque one-time numeric tokens routed by prefix to their issuing institution. The table is
 * configuration (the PBOC standard JR/T 0245—2025 that fixes the prefixes is not confirmed).
 */
export interface PaymentCodeRule {
  readonly institution: string;
  /** Leading digits, as a regular expression over the whole code (anchored). */
  readonly pattern: RegExp;
}

/** Hutong's own payment codes: 18 digits starting "88" (not used by the wallets above). */
export const hutongPaymentCodePrefix = '88';
export const hutongPaymentCodeDigits = 18;

export const defaultPaymentCodeRules: readonly PaymentCodeRule[] = [
  { institution: 'wechat_sandbox', pattern: /^1[0-5][0-9]{16}$/ },
  { institution: 'alipay_sandbox', pattern: /^(2[5-9]|30)[0-9]{14,22}$/ },
  { institution: 'quickpass_sandbox', pattern: /^62[0-9]{17}$/ },
  { institution: 'hutong', pattern: /^88[0-9]{16}$/ },
];

export function institutionOfPaymentCode(code: string, rules: readonly PaymentCodeRule[] = defaultPaymentCodeRules): string | undefined {
  return rules.find((rule) => rule.pattern.test(code))?.institution;
}
