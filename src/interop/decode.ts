import { fail, type Failure } from '../core/index.js';
import { parseCpm } from './emv-cpm.js';
import { parseMpm, type MpmViolation } from './emv-mpm.js';
import { InteropError } from './errors.js';
import type { DecodedQr, DecodeMode } from './model.js';
import { describeMpm } from './mpm-code.js';
import { participantOfAccount, type Participant } from './participants.js';
import { institutionOfPaymentCode, type PaymentCodeRule } from './payment-codes.js';

export interface DecodeDeps {
  readonly participants: readonly Participant[];
  readonly paymentCodeRules: readonly PaymentCodeRule[];
}

const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;
/** BER tag 85 (the CPM payload format indicator) encodes as "hQ" in base64. */
const cpmLead = 'hQ';

/** Reads any code a till or an app may meet; strict mode refuses a code with any violation. */
/** A strict decode's refusal carries every violation, so the API can name each one. */
export interface QrInvalid extends Failure<InteropError> {
  readonly violations: readonly MpmViolation[];
}

export function decodeQr(deps: DecodeDeps, payload: string, mode: DecodeMode): DecodedQr | QrInvalid | Failure<InteropError> {
  const text = payload.trim();
  const decoded = readAny(deps, text);
  if (decoded === undefined) {
    return fail(InteropError.QrCodeUnrecognised, 'not an EMV merchant-presented code, an EMV CPM code or a known payment code');
  }
  if (mode === 'strict' && !decoded.valid) {
    const detail = decoded.violations.map((violation) => violation.message).join('; ');
    return { ...fail(InteropError.QrCodeInvalid, detail), violations: decoded.violations };
  }
  return decoded;
}

function readAny(deps: DecodeDeps, text: string): DecodedQr | undefined {
  if (/^[0-9]{14,24}$/.test(text)) {
    const institution = institutionOfPaymentCode(text, deps.paymentCodeRules);
    if (institution === undefined) return undefined;
    return { format: 'payment_code', valid: true, violations: [], paymentCode: { institution, digits: text.length }, institution };
  }
  if (text.startsWith('00')) {
    const { fields, violations } = parseMpm(text);
    const code = describeMpm(fields);
    const accounts = code.merchantAccounts.map((account) => ({
      ...account,
      institution: participantOfAccount(account, deps.participants)?.id,
    }));
    const institution = accounts.find((account) => account.institution !== undefined)?.institution;
    return { format: 'emv_mpm', valid: violations.length === 0, violations, mpm: { ...code, merchantAccounts: accounts }, institution };
  }
  if (text.startsWith(cpmLead) && base64Pattern.test(text)) {
    const { code, violations } = parseCpm(text);
    return { format: 'emv_cpm', valid: violations.length === 0, violations, cpm: code };
  }
  return undefined;
}
