import { formatDecimal } from '../money/index.js';
/** The cashier's words in English and Chinese; the page picks one (Accept-Language, ?lang=, cookie). */
export type Lang = 'en' | 'zh';

export const cashierText = {
  en: {
    title: 'Pay',
    order: 'Order',
    total: 'Total',
    card: 'Card',
    hutongWallet: 'Hutong wallet',
    cardNumber: 'Card number',
    expiry: 'Expiry (MM/YY)',
    cvc: 'Security code',
    holder: 'Name on card',
    pay: 'Pay',
    payWallet: 'Pay from my Hutong wallet',
    scan: "Scan the code with the wallet app, or open the wallet's page:",
    openWallet: 'Open the wallet page',
    waiting: 'Waiting for the payment…',
    secure: 'Card details go only to Hutong, encrypted in transit; the shop never sees them.',
    expired: 'This payment link is unknown or has expired. Ask the shop for a new one.',
    paid: 'Paid. Thank you!',
    back: 'Back to the shop',
    convertedNote: 'Your card may be charged in its own currency:',
    fxChoice: 'Your card is in another currency. Pay in:',
    suspended: 'This shop cannot take payments now. Contact the shop or Hutong.',
    backToOrder: 'Back to your order',
    methods: 'Payment methods',
  },
  zh: {
    title: '支付',
    order: '订单',
    total: '应付金额',
    card: '银行卡',
    hutongWallet: '互通钱包',
    cardNumber: '卡号',
    expiry: '有效期 (月/年)',
    cvc: '安全码',
    holder: '持卡人姓名',
    pay: '支付',
    payWallet: '使用互通钱包支付',
    scan: '请用钱包 App 扫码，或打开钱包支付页面：',
    openWallet: '打开钱包支付页面',
    waiting: '等待支付结果…',
    secure: '卡信息只发送给互通并加密传输，商户无法看到。',
    expired: '支付链接无效或已过期，请向商户索取新的链接。',
    paid: '支付成功，谢谢！',
    back: '返回商户',
    convertedNote: '您的卡可能以其本币扣款：',
    fxChoice: '您的卡币种不同，选择支付币种：',
    suspended: '该商户目前无法收款，请联系商户或互通。',
    backToOrder: '返回我的订单',
    methods: '支付方式',
  },
} as const satisfies Record<Lang, Record<string, string>>;

export const walletLabels: Record<string, { en: string; zh: string }> = {
  alipay_sandbox: { en: 'Alipay (sandbox)', zh: '支付宝（沙盒）' },
  wechat_sandbox: { en: 'WeChat Pay (sandbox)', zh: '微信支付（沙盒）' },
  quickpass_sandbox: { en: 'UnionPay QuickPass (sandbox)', zh: '云闪付（沙盒）' },
};

/** ?lang= wins, then the cookie set by the switch, then Accept-Language (first zh or en tag). */
export function pickLang(query: string | undefined, cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  for (const given of [query, cookie]) if (given === 'en' || given === 'zh') return given;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.trim().toLowerCase();
    if (tag.startsWith('zh')) return 'zh';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

/**
 * An amount in the page's language with Intl: the locale's currency form and thousands separators
 * ("CN¥1,234.50", "US$1,234.50"). The exponent is the API's own (src/money); Intl gets the
 * decimal string, never a float.
 */
export function moneyText(minor: bigint, currency: string, lang: Lang): string {
  const decimal = formatDecimal({ minor, currency });
  const digits = decimal.split('.')[1]?.length ?? 0;
  try {
    return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(decimal as Intl.StringNumericLiteral);
  } catch {
    return `${currency} ${decimal}`;
  }
}

/** The sign-in pages and the frame of the dashboard and the console. */
export const consoleText = {
  en: {
    dashboard: 'Dashboard',
    console: 'Console',
    dashboardTitle: 'Hutong dashboard',
    consoleTitle: 'Hutong operator console',
    signInTitle: 'sign in',
    signIn: 'Sign in',
    secretKey: 'Secret key (sk_…)',
    operatorKey: 'Operator key (ok_…)',
    orLogin: 'Or with a login from your operator',
    email: 'Email',
    password: 'Password',
    keyNote: 'The key is exchanged for a session cookie and is not stored in the browser.',
    signOut: 'Sign out',
    language: 'Language',
    sections: 'Sections',
    merchants: 'Merchants',
    ledger: 'Ledger',
    disputes: 'Disputes',
    settlement: 'Settlement',
    reconciliation: 'Reconciliation',
    overview: 'Overview',
    payments: 'Payments',
    webhooks: 'Webhooks',
    keys: 'API keys',
    escrow: 'Escrow',
    settlements: 'Settlements',
    customs: 'Customs',
  },
  zh: {
    dashboard: '商户后台',
    console: '运营控制台',
    dashboardTitle: '互通商户后台',
    consoleTitle: '互通运营控制台',
    signInTitle: '登录',
    signIn: '登录',
    secretKey: '密钥 (sk_…)',
    operatorKey: '平台密钥 (ok_…)',
    orLogin: '或使用平台为您开通的账号登录',
    email: '邮箱',
    password: '密码',
    keyNote: '密钥仅用于换取会话 Cookie，不会保存在浏览器中。',
    signOut: '退出',
    language: '语言',
    sections: '栏目',
    merchants: '商户',
    ledger: '账本',
    disputes: '争议处理',
    settlement: '结算',
    reconciliation: '对账',
    overview: '概览',
    payments: '支付记录',
    webhooks: 'Webhook',
    keys: 'API 密钥',
    escrow: '担保交易',
    settlements: '结算',
    customs: '海关申报',
  },
} as const satisfies Record<Lang, Record<string, string>>;
