/** Business failures of the 3-D Secure client (src/api/problems.ts maps them to HTTP statuses). */
export enum ThreeDSecureError {
  /** A challenge result that is not genuine, not well formed, or too old. */
  ResultInvalid = 'three_ds_result_invalid',
}

// Why a counterparty gave no usable answer: the one UnknownReason of src/channels/unknown-reason.ts.
