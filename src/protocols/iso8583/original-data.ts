import { Iso8583Error, iso8583Failure, type Iso8583Failure } from './errors.js';
import { validateElement } from './fields.js';
import { isMti } from './mti.js';

/**
 * DE 90, original data elements (n42): how an advice (0220) or a reversal (0400) names the
 * message it refers to. Layout: original MTI (4) ‖ original STAN (6) ‖ original transmission
 * date-time (10) ‖ acquiring institution id (11) ‖ forwarding institution id (11), the ids
 * right-justified with leading zeros.
 */
export interface OriginalData {
  readonly mti: string;
  readonly stan: string;
  /** The original's DE 7, MMDDhhmmss. */
  readonly transmissionDateTime: string;
  /** Up to 11 digits; zero-padded on the wire. */
  readonly acquirerId: string;
  readonly forwardingId: string;
}

const institutionIdLength = 11;
const layout = [4, 6, 10, 11, 11] as const;

function padInstitution(id: string): string {
  return id.padStart(institutionIdLength, '0');
}

/** The DE 90 value, or a failure when a part does not fit its slot. */
export function formatOriginalData(data: OriginalData): string | Iso8583Failure {
  if (!isMti(data.mti)) return iso8583Failure(Iso8583Error.FieldFormatInvalid, 'DE 90 original MTI must be an MTI', 90);
  if (!/^[0-9]{6}$/.test(data.stan)) return iso8583Failure(Iso8583Error.FieldFormatInvalid, 'DE 90 original STAN must be 6 digits', 90);
  const de7 = validateElement(7, data.transmissionDateTime);
  if (de7 !== undefined) return iso8583Failure(Iso8583Error.FieldFormatInvalid, `DE 90 original date-time: ${de7.detail}`, 90);
  for (const id of [data.acquirerId, data.forwardingId]) {
    if (!/^[0-9]{0,11}$/.test(id)) return iso8583Failure(Iso8583Error.FieldFormatInvalid, 'DE 90 institution ids are up to 11 digits', 90);
  }
  return data.mti + data.stan + data.transmissionDateTime + padInstitution(data.acquirerId) + padInstitution(data.forwardingId);
}

/** Splits a DE 90 value (already checked as n42 by the codec) and checks its MTI and date-time. */
export function parseOriginalData(value: string): OriginalData | Iso8583Failure {
  if (!/^[0-9]{42}$/.test(value)) return iso8583Failure(Iso8583Error.FieldLengthInvalid, 'DE 90 must be 42 digits', 90);
  const parts: string[] = [];
  let offset = 0;
  for (const length of layout) {
    parts.push(value.slice(offset, offset + length));
    offset += length;
  }
  const [mti = '', stan = '', transmissionDateTime = '', acquirerId = '', forwardingId = ''] = parts;
  if (!isMti(mti)) return iso8583Failure(Iso8583Error.FieldFormatInvalid, 'DE 90 original MTI is not a 1987 MTI', 90);
  const de7 = validateElement(7, transmissionDateTime);
  if (de7 !== undefined) return iso8583Failure(Iso8583Error.FieldFormatInvalid, `DE 90 original date-time: ${de7.detail}`, 90);
  return { mti, stan, transmissionDateTime, acquirerId, forwardingId };
}
