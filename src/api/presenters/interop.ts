import { Type } from '@sinclair/typebox';
import type { CodeOrder, CodeOrderDetail, CollectionCode, DecodedQr, OrderRefund } from '../../interop/index.js';

/** The API's view of a decoded code (POST /v1/qr_codes/decode). A PAN is shown masked, a payment code not at all. */
const Open = (description: string) => Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description });

export const DecodedQrView = Type.Object({
  object: Type.Literal('qr_code'),
  format: Type.String({ description: 'emv_mpm, emv_cpm or payment_code' }),
  valid: Type.Boolean({ description: 'No rule of the standard is broken (strict decoding answers only valid codes)' }),
  institution: Type.Union([Type.String(), Type.Null()], { description: 'The switch participant a payment of this code goes to' }),
  violations: Type.Array(Type.Object({ field: Type.String(), code: Type.String(), message: Type.String() })),
  merchant_presented: Open('EMV MPM fields'),
  consumer_presented: Open('EMV CPM fields'),
  payment_code: Open('The issuing institution of a numeric payment code'),
});

const orNull = <T>(value: T | undefined): T | null => value ?? null;

export function decodedQrView(decoded: DecodedQr) {
  const { mpm, cpm } = decoded;
  return {
    object: 'qr_code' as const,
    format: decoded.format,
    valid: decoded.valid,
    institution: orNull(decoded.institution),
    violations: decoded.violations.map((v) => ({ field: v.field, code: v.code, message: v.message })),
    merchant_presented:
      mpm === undefined
        ? null
        : {
            point_of_initiation: orNull(mpm.pointOfInitiation),
            merchant_accounts: mpm.merchantAccounts.map((a) => ({
              id: a.id,
              scheme: a.scheme,
              guid: orNull(a.guid),
              value: a.value,
              institution: orNull(a.institution),
            })),
            merchant_category_code: orNull(mpm.mcc),
            currency_numeric: orNull(mpm.currencyNumeric),
            amount: orNull(mpm.amountDecimal),
            tip_indicator: orNull(mpm.tipIndicator),
            country: orNull(mpm.country),
            merchant_name: orNull(mpm.merchantName),
            city: orNull(mpm.city),
            postal_code: orNull(mpm.postalCode),
            additional_data: mpm.additionalData === undefined ? null : snake(mpm.additionalData),
            language:
              mpm.language === undefined
                ? null
                : { language: mpm.language.language, merchant_name: mpm.language.merchantName, city: orNull(mpm.language.city) },
            crc: orNull(mpm.crc),
          },
    consumer_presented:
      cpm === undefined
        ? null
        : {
            payload_format: orNull(cpm.payloadFormat),
            applications: cpm.applications.map((a) => ({
              aid: orNull(a.aid),
              label: orNull(a.label),
              masked_pan: orNull(a.maskedPan),
              cardholder_name: orNull(a.cardholderName),
              last4: orNull(a.last4),
              payment_account_reference: orNull(a.paymentAccountReference),
            })),
            cryptogram: orNull(cpm.cryptogram),
          },
    payment_code:
      decoded.paymentCode === undefined ? null : { institution: decoded.paymentCode.institution, digits: decoded.paymentCode.digits },
  };
}

function snake(record: object): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record as Record<string, string | undefined>).flatMap(([key, value]) =>
      value === undefined ? [] : [[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]],
    ),
  );
}

export const CollectionCodeView = Type.Object({
  id: Type.String(),
  object: Type.Literal('collection_code'),
  kind: Type.String({ description: 'static (the shopper types the amount) or dynamic (one order, one amount, an expiry)' }),
  status: Type.String({ description: 'active, paid (dynamic codes) or disabled' }),
  currency: Type.String(),
  amount: Type.Union([Type.Integer(), Type.Null()]),
  merchant_order_id: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  merchant_category_code: Type.String(),
  merchant_name: Type.String({ description: 'Tag 59, romanised' }),
  merchant_name_local: Type.Union([Type.String(), Type.Null()], { description: 'Tag 64 (language template), e.g. the Chinese name' }),
  city: Type.String(),
  payload: Type.String({ description: 'The EMV MPM text the QR code carries' }),
  expires_at: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
});

export function collectionCodeView(code: CollectionCode) {
  return {
    id: code.id,
    object: 'collection_code' as const,
    kind: code.kind,
    status: code.status,
    currency: code.currency,
    amount: code.amountMinor === null ? null : Number(code.amountMinor),
    merchant_order_id: code.merchantOrderId,
    description: code.description,
    merchant_category_code: code.mcc,
    merchant_name: code.merchantName,
    merchant_name_local: code.merchantNameLocal,
    city: code.city,
    payload: code.payload,
    expires_at: code.expiresAt,
    created_at: code.createdAt,
  };
}

/** A payment of a collection code through the switch (the data of `collection_code.paid` webhooks). */
export function collectionCodeOrderView(order: CodeOrder) {
  return {
    id: order.id,
    object: 'collection_code_payment' as const,
    collection_code: order.codeId,
    status: order.status,
    currency: order.currency,
    amount: Number(order.amountMinor),
    payer_institution: order.payerInstitution,
    switch_reference: order.switchReference,
    created_at: order.createdAt,
    paid_at: order.paidAt,
    ...(order.amountRefundedMinor === undefined ? {} : { amount_refunded: Number(order.amountRefundedMinor) }),
  };
}

/** A refund of a collection-code payment back through the switch. */
export function collectionCodeRefundView(refund: OrderRefund) {
  return {
    id: refund.id,
    object: 'collection_code_refund' as const,
    collection_code_payment: refund.orderId,
    status: refund.status,
    currency: refund.currency,
    amount: Number(refund.amountMinor),
    reason: refund.reason,
    switch_reference: refund.switchReference,
    failure_reason: refund.failureReason,
    created_at: refund.createdAt,
    updated_at: refund.updatedAt,
  };
}

/** A collection-code payment with its refunds (GET /v1/collection_code_payments/{id}). */
export function collectionCodeOrderDetailView(order: CodeOrderDetail) {
  return {
    ...collectionCodeOrderView(order),
    amount_refunded: Number(order.amountRefundedMinor),
    refunds: order.refunds.map(collectionCodeRefundView),
  };
}
