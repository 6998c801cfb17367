// The sandbox 3-D Secure world: directory server and issuer ACS over HTTP (README.md).
export { otpAttemptsMax } from './acs.js';
export { authenticationValueBytes } from './directory-server.js';
export { bodyBytesMax } from './http.js';
export {
  eciAuthenticated,
  eciNotAuthenticated,
  type AuthenticationFlow,
  type TransactionSnapshot,
  type TransactionStatus,
} from './model.js';
export { signResult, type ResultPayload } from './token.js';
export { WireError, type AuthenticationRequest, type AuthenticationResponse } from './wire.js';
export {
  challengeTtlMsDefault,
  otpDefault,
  sandboxSecretDefault,
  secretCharsMin,
  startThreeDSecureWorld,
  transactionsMaxDefault,
  type ThreeDSecureWorld,
  type ThreeDSecureWorldOptions,
} from './world.js';
