/**
 * The switch's participants: institution id (8 digits, what UnionPay's tag 15/16 starts with),
 * the GUIDs of their merchant templates, the prefix rule of their consumer payment codes, and the
 * key each shares with the switch. Sandbox keys are public and for the sandbox only.
 */
export interface SwitchParticipant {
  readonly id: string;
  readonly institutionId: string;
  readonly guids: readonly string[];
  readonly paymentCodePattern: RegExp;
  readonly key: string;
  /** Where the switch sends this participant's messages; undefined: the switch plays it in-process. */
  readonly url?: string;
}

export const sandboxParticipants = (hutongUrl: string | undefined, hutongKey: string): SwitchParticipant[] => [
  { id: 'hutong', institutionId: '48880001', guids: ['dev.hutong.pay'], paymentCodePattern: /^88\d{16}$/, key: hutongKey, url: hutongUrl },
  {
    id: 'alipay_sandbox',
    institutionId: '48880002',
    guids: ['com.alipay.sandbox'],
    paymentCodePattern: /^(2[5-9]|30)\d{14,22}$/,
    key: 'sandbox-switch-alipay',
  },
  {
    id: 'wechat_sandbox',
    institutionId: '48880003',
    guids: ['com.wechatpay.sandbox'],
    paymentCodePattern: /^1[0-5]\d{16}$/,
    key: 'sandbox-switch-wechat',
  },
  {
    id: 'quickpass_sandbox',
    institutionId: '48880004',
    guids: ['cn.unionpay.sandbox'],
    paymentCodePattern: /^62\d{17}$/,
    key: 'sandbox-switch-quickpass',
  },
];

/** Routes a merchant-presented code to its institution: a known GUID first, then UnionPay's tag 15/16. */
export function routeMerchantCode(
  code: { guids: readonly string[]; unionPay: readonly string[] },
  participants: readonly SwitchParticipant[],
): SwitchParticipant | undefined {
  for (const guid of code.guids) {
    const found = participants.find((p) => p.guids.includes(guid));
    if (found !== undefined) return found;
  }
  for (const value of code.unionPay) {
    const found = participants.find((p) => value.startsWith(p.institutionId));
    if (found !== undefined) return found;
  }
  return undefined;
}
