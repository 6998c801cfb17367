import { fail, isFailure, type Failure } from '../core/index.js';
import { InteropError } from './errors.js';
import type { FlowDeps } from './ports.js';
import { acceptPaid, orderCode, type CodeOrder } from './switch-orders.js';
import { chargePaymentCode, type PaymentCodeCharge } from './payment-code-charges.js';
import { signSwitchBody, verifySwitchBody } from './switch-signing.js';
import { refundPaymentCode } from './payment-code-refunds.js';

/**
 * The switch's messages to Hutong as the merchant's institution, JSON with string fields:
 *  - `qr_order`: switch_reference, payer_institution, payload, currency, amount (minor units, static codes);
 *  - `qr_paid`: switch_reference, order_id, currency, amount;
 *  - `code_charge`: switch_reference, payee_institution, payment_code, currency, amount (Hutong as the payer's institution).
 * Hutong answers JSON signed the same way (the switch verifies it).
 */
export interface SwitchAnswer {
  readonly body: string;
  readonly signature: string;
}

const referencePattern = /^[A-Za-z0-9_-]{1,64}$/;
const minorPattern = /^[1-9][0-9]{0,17}$/;

function field(message: Record<string, unknown>, name: string, pattern?: RegExp): string | Failure<InteropError> {
  const value = message[name];
  if (typeof value !== 'string' || value === '' || (pattern !== undefined && !pattern.test(value)))
    return fail(InteropError.SwitchMessageInvalid, `${name} is missing or not valid`);
  return value;
}

function parse(deps: FlowDeps, rawBody: string, signature: string | undefined): Record<string, unknown> | Failure<InteropError> {
  const unsigned = verifySwitchBody(deps.settings.switchKey, rawBody, signature, deps.clock, deps.settings.switchMessageAgeMsMax);
  if (unsigned !== undefined) return unsigned;
  try {
    const message: unknown = JSON.parse(rawBody);
    if (typeof message === 'object' && message !== null && !Array.isArray(message)) return message as Record<string, unknown>;
  } catch {
    // fall through: not JSON
  }
  return fail(InteropError.SwitchMessageInvalid, 'the body is not a JSON object');
}

export function answer(deps: FlowDeps, order: CodeOrder): SwitchAnswer {
  const body = JSON.stringify({
    order_id: order.id,
    switch_reference: order.switchReference,
    status: order.status,
    currency: order.currency,
    amount: order.amountMinor.toString(),
    merchant_name: order.merchantName,
  });
  return { body, signature: signSwitchBody(deps.settings.switchKey, body, deps.clock.now().getTime()) };
}

function chargeAnswer(deps: FlowDeps, charge: PaymentCodeCharge): SwitchAnswer {
  const body = JSON.stringify({
    status: 'paid',
    switch_reference: charge.switchReference,
    payment_code_id: charge.paymentCodeId,
    currency: charge.currency,
    amount: charge.amountMinor.toString(),
  });
  return { body, signature: signSwitchBody(deps.settings.switchKey, body, deps.clock.now().getTime()) };
}

export async function receiveSwitchMessage(
  deps: FlowDeps,
  rawBody: string,
  signature: string | undefined,
): Promise<SwitchAnswer | Failure<InteropError>> {
  const message = parse(deps, rawBody, signature);
  if (isFailure(message)) return message;
  const reference = field(message, 'switch_reference', referencePattern);
  const currency = field(message, 'currency', /^[A-Z]{3}$/);
  if (isFailure(reference)) return reference;
  if (isFailure(currency)) return currency;
  if (message.message_type === 'qr_order') {
    const payerInstitution = field(message, 'payer_institution', referencePattern);
    const payload = field(message, 'payload');
    if (isFailure(payerInstitution)) return payerInstitution;
    if (isFailure(payload)) return payload;
    const amount = message.amount === undefined ? undefined : field(message, 'amount', minorPattern);
    if (isFailure(amount)) return amount;
    const order = await orderCode(deps, {
      switchReference: reference,
      payerInstitution,
      payload,
      currency,
      amountMinor: amount === undefined ? undefined : BigInt(amount),
    });
    return isFailure(order) ? order : answer(deps, order);
  }
  if (message.message_type === 'qr_paid') {
    const orderId = field(message, 'order_id', referencePattern);
    const amount = field(message, 'amount', minorPattern);
    if (isFailure(orderId)) return orderId;
    if (isFailure(amount)) return amount;
    const order = await acceptPaid(deps, { switchReference: reference, orderId, currency, amountMinor: BigInt(amount) });
    return isFailure(order) ? order : answer(deps, order);
  }
  if (message.message_type === 'code_charge') {
    const payee = field(message, 'payee_institution', referencePattern);
    const code = field(message, 'payment_code', /^[0-9]{14,24}$/);
    const amount = field(message, 'amount', minorPattern);
    if (isFailure(payee)) return payee;
    if (isFailure(code)) return code;
    if (isFailure(amount)) return amount;
    const charge = await chargePaymentCode(deps, {
      switchReference: reference,
      payeeInstitution: payee,
      paymentCode: code,
      currency,
      amountMinor: BigInt(amount),
    });
    return isFailure(charge) ? charge : chargeAnswer(deps, charge);
  }
  if (message.message_type === 'code_refund') {
    const original = field(message, 'original_reference', referencePattern);
    const amount = field(message, 'amount', minorPattern);
    const kind = field(message, 'kind', /^(refund|reversal)$/);
    if (isFailure(original)) return original;
    if (isFailure(amount)) return amount;
    if (isFailure(kind)) return kind;
    const refund = await refundPaymentCode(deps, {
      switchReference: reference,
      originalReference: original,
      kind: kind as 'refund' | 'reversal',
      currency,
      amountMinor: BigInt(amount),
    });
    if (isFailure(refund)) return refund;
    const body = JSON.stringify({ status: 'refunded', switch_reference: refund.id, amount: refund.amountMinor.toString(), currency });
    return { body, signature: signSwitchBody(deps.settings.switchKey, body, deps.clock.now().getTime()) };
  }
  return fail(InteropError.SwitchMessageInvalid, 'message_type must be qr_order, qr_paid, code_charge or code_refund');
}
