// The sandbox external wallets (Alipay-like, WeChat-Pay-like, UnionPay-QuickPass-like) over HTTP (README.md).
export { bodyBytesMax } from './http.js';
export { type NotificationState, type OrderSnapshot, type OrderStatus } from './model.js';
export { ackBytesMax } from './notifier.js';
export { idCharsMax, merchantCategoryCode, qrAmountCharsMax, subjectCharsMax, walletOrderIdChars } from './orders.js';
export { isWalletName, walletNames, walletProfiles, type WalletName, type WalletProfile } from './profiles.js';
export { signatureAgeMsMax, signMessage, verifyRequest, type Fields, type IncomingRequest, type SignedMessage } from './signing.js';
export {
  keyCharsMin,
  notifyAttemptsMaxDefault,
  notifyRetryDelayMsDefault,
  notifyRetryDelayMsMaxDefault,
  notifyTimeoutMsDefault,
  orderTtlMsDefault,
  ordersMaxDefault,
  startWalletWorld,
  type WalletWorld,
  type WalletWorldOptions,
} from './world.js';
