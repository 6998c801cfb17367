/**
 * The three sandbox wallets: what each supports, how its QR codes name it, and the answer it
 * expects to a notification before it stops retrying (README.md). The names are the ones Hutong's
 * connectors use (src/channels/wallets/).
 */
export type WalletName = 'alipay_sandbox' | 'wechat_sandbox' | 'quickpass_sandbox';
export const walletNames: readonly WalletName[] = ['alipay_sandbox', 'wechat_sandbox', 'quickpass_sandbox'];

export interface WalletProfile {
  readonly name: WalletName;
  readonly currencies: readonly string[];
  /** Sub-field 00 of the QR's merchant account template 26: a reverse-domain id. */
  readonly globallyUniqueId: string;
  /** Two digits inside walletOrderId, so an id tells its wallet (as real trade numbers do). */
  readonly idCode: string;
  /** The shared HMAC key `main.ts` uses unless configured: public, for the sandbox only. */
  readonly keyDefault: string;
  readonly displayName: string;
  readonly displayNameChinese: string;
  /** Whether a notification answer is this wallet's acknowledgement (with a 2xx status). */
  readonly isAck: (body: string) => boolean;
}

function jsonField(body: string, name: string): unknown {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  } catch {
    return undefined;
  }
}

export const walletProfiles: Readonly<Record<WalletName, WalletProfile>> = {
  alipay_sandbox: {
    name: 'alipay_sandbox',
    currencies: ['CNY'],
    globallyUniqueId: 'com.alipay.sandbox',
    idCode: '20',
    keyDefault: 'hutong-sandbox-alipay-key-not-for-production',
    displayName: 'Alipay (sandbox)',
    displayNameChinese: '支付宝（沙盒）',
    // Alipay's asynchronous notifications stop at the plain text "success".
    isAck: (body) => body.trim() === 'success',
  },
  wechat_sandbox: {
    name: 'wechat_sandbox',
    currencies: ['CNY'],
    globallyUniqueId: 'com.wechatpay.sandbox',
    idCode: '42',
    keyDefault: 'hutong-sandbox-wechat-key-not-for-production',
    displayName: 'WeChat Pay (sandbox)',
    displayNameChinese: '微信支付（沙盒）',
    isAck: (body) => jsonField(body, 'code') === 'SUCCESS',
  },
  quickpass_sandbox: {
    name: 'quickpass_sandbox',
    currencies: ['CNY'],
    globallyUniqueId: 'cn.unionpay.sandbox',
    idCode: '62',
    keyDefault: 'hutong-sandbox-quickpass-key-not-for-production',
    displayName: 'UnionPay QuickPass (sandbox)',
    displayNameChinese: '云闪付（沙盒）',
    isAck: (body) => jsonField(body, 'respCode') === '00',
  },
};

export function isWalletName(text: string): text is WalletName {
  return (walletNames as readonly string[]).includes(text);
}
