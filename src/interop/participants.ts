/**
 * The switch's participants as Hutong knows them: an 8-digit institution id (what UnionPay's tag
 * 15/16 carries first, before the merchant number) and the GUIDs of their merchant account
 * templates (26–51, sub-field 00). Configuration, not code: a real deployment lists the real ones.
 */
export interface Participant {
  readonly id: string;
  readonly name: string;
  readonly institutionId: string;
  readonly guids: readonly string[];
}

/** Hutong's GUID in its own template (reverse domain, ≤ 32 characters). */
export const hutongGuid = 'dev.hutong.pay';
export const hutongInstitutionId = '48880001';

export const defaultParticipants: readonly Participant[] = [
  { id: 'hutong', name: 'Hutong', institutionId: hutongInstitutionId, guids: [hutongGuid] },
  { id: 'alipay_sandbox', name: 'Alipay-like sandbox wallet', institutionId: '48880002', guids: ['com.alipay.sandbox'] },
  { id: 'wechat_sandbox', name: 'WeChat-Pay-like sandbox wallet', institutionId: '48880003', guids: ['com.wechatpay.sandbox'] },
  { id: 'quickpass_sandbox', name: 'UnionPay-QuickPass-like sandbox wallet', institutionId: '48880004', guids: ['cn.unionpay.sandbox'] },
];

/** Which participant a merchant account names: a template by its GUID, UnionPay's 15/16 by institution id. */
export function participantOfAccount(
  account: { id: string; guid?: string; value: string },
  participants: readonly Participant[],
): Participant | undefined {
  if (account.guid !== undefined) return participants.find((p) => p.guids.includes(account.guid as string));
  if (account.id === '15' || account.id === '16') return participants.find((p) => account.value.startsWith(p.institutionId));
  return undefined;
}
