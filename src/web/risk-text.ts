import type { Lang } from './i18n.js';

/** The words of the console's operator sign-in and its risk sections (issue 16), zh and en. */
export const riskText: Record<
  Lang,
  Record<'signInNote' | 'email' | 'password' | 'code' | 'cases' | 'reviews' | 'sanctions' | 'rules' | 'operators' | 'audit', string>
> = {
  en: {
    signInNote: 'Sign in with your operator account: email, password and the six-digit code from your authenticator app.',
    email: 'Email',
    password: 'Password',
    code: 'One-time code',
    cases: 'AML cases',
    reviews: 'Review holds',
    sanctions: 'Sanctions',
    rules: 'Fraud rules',
    operators: 'Operators',
    audit: 'Audit trail',
  },
  zh: {
    signInNote: '请使用运营账号登录：邮箱、密码和身份验证器应用中的六位动态码。',
    email: '邮箱',
    password: '密码',
    code: '动态码',
    cases: '可疑交易案件',
    reviews: '人工审核',
    sanctions: '制裁名单',
    rules: '风控规则',
    operators: '运营账号',
    audit: '审计日志',
  },
};

/** The console's risk sections, after the ones of src/web/pages.ts. */
export const riskNavIds = ['cases', 'reviews', 'sanctions', 'rules', 'operators', 'audit'] as const;
