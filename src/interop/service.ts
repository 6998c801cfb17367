import { decodeQr, type DecodeDeps, type QrInvalid } from './decode.js';
import type { InteropError } from './errors.js';
import type { DecodedQr, DecodeMode } from './model.js';
import type { Failure } from '../core/index.js';

export type InteropDeps = DecodeDeps;

/** Interconnection: decoding any code; collection codes, payment codes and the switch (docs/interop.md). */
export interface InteropService {
  decode(payload: string, mode: DecodeMode): DecodedQr | QrInvalid | Failure<InteropError>;
}

export function createInteropService(deps: InteropDeps): InteropService {
  return {
    decode: (payload, mode) => decodeQr(deps, payload, mode),
  };
}
