/** Business failures of the 3-D Secure client (src/api/problems.ts maps them to HTTP statuses). */
export enum ThreeDSecureError {
  /** A challenge result that is not genuine, not well formed, or too old. */
  ResultInvalid = 'three_ds_result_invalid',
}

/** Why the directory server gave no usable answer: the payment cannot be authenticated now. */
export enum UnavailableReason {
  Timeout = 'timeout',
  /** No connection (refused, reset, DNS). */
  Unreachable = 'unreachable',
  /** A non-2xx answer. */
  HttpStatus = 'http_status',
  MalformedResponse = 'malformed_response',
  /** The answer names another requestor transaction than the one sent. */
  Integrity = 'integrity',
  /** The directory server declined to authenticate (a status other than Y or C). */
  NotEnrolled = 'not_enrolled',
}
