// Hutong's connectors for the external wallets: the flows (connector.ts), the signing conventions
// (signing.ts), the wire format and status mapping (wire.ts), EMV QR payloads (src/protocols/emv-qr).
export {
  createWalletConnector,
  keyCharsMin,
  responseBytesMax,
  subjectCharsMax,
  timeoutMsDefault,
  walletProfiles,
  type WalletConnector,
  type WalletConnectorOptions,
} from './connector.js';
export {
  buildMerchantPresentedQr,
  crc16CcittFalse,
  crcHex,
  fieldValue,
  parseEmvPayload,
  parseTlv,
  tlv,
  withCrc,
  type MerchantPresentedQr,
  type TlvField,
} from '../../protocols/emv-qr/index.js';
export { WalletConnectorError } from './errors.js';
export { signatureAgeMsMax, walletNames, type WalletName } from './signing.js';
export { type CreateOrderOutcome, type QueryOutcome, type RefundOutcome, type WalletNotification } from './wire.js';
export { UnknownReason } from '../unknown-reason.js';
