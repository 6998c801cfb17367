// Hutong's 3-D Secure client: authentication requests to a directory server (client.ts), the
// wire format and the signed challenge result (wire.ts), failures and reasons (errors.ts).
export {
  createThreeDSecureClient,
  responseBytesMax,
  resultTtlMsDefault,
  secretCharsMin,
  timeoutMsDefault,
  type AuthenticationInput,
  type ThreeDSecureClient,
  type ThreeDSecureClientOptions,
} from './client.js';
export { ThreeDSecureError } from './errors.js';
export {
  challengeUrlCharsMax,
  clockSkewMsMax,
  outcomeOf,
  resultTokenCharsMax,
  verifyResultToken,
  type AuthenticationOutcome,
  type VerifiedResult,
} from './wire.js';
export { UnknownReason } from '../unknown-reason.js';
