import { Type } from '@sinclair/typebox';
import type { BopRecord, CustomsDeclaration, CustomsRegistration, ExportTrade } from '../../customs/index.js';
import { Timestamp } from '../schemas.js';

/** The API's view of customs declarations and registrations (also the webhook payloads). */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const CustomsRegistrationView = Type.Object({
  object: Type.Literal('customs_registration'),
  customs_office: Type.String(),
  ebp_code: Type.String({ description: "The e-commerce platform's customs code" }),
  ebp_name: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function customsRegistrationView(r: CustomsRegistration) {
  return {
    object: 'customs_registration' as const,
    customs_office: r.customsOffice,
    ebp_code: r.ebpCode,
    ebp_name: r.ebpName,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

export const CustomsDeclarationView = Type.Object({
  id: Type.String(),
  object: Type.Literal('customs_declaration'),
  status: Type.String({
    description:
      'pending, submitted, accepted (120), returned (100), failed (negative returnStatus), withdrawing or withdrawn (a refund withdrew the slip)',
  }),
  payment: Type.String(),
  customs_office: Type.String(),
  order_no: Type.String(),
  sub_order_no: Nullable(Type.String()),
  ebp_code: Type.String(),
  amount: Type.Integer({ description: 'What customs sees, CNY fen (amountPaid is this in yuan with 2 decimals)' }),
  currency: Type.Literal('CNY'),
  payment_amount: Type.Integer(),
  payment_currency: Type.String(),
  cny_rate: Nullable(Type.String({ description: "The payment's locked rate to CNY when it is in another currency" })),
  payer: Type.Object({ name: Type.String(), id_type: Type.String(), id_number_masked: Type.String() }),
  identity_check: Type.Literal('same'),
  version: Type.Integer(),
  guid: Type.String({ description: "The current version's CEB411 guid" }),
  app_type: Type.String({ description: '1 new, 2 change' }),
  return_status: Nullable(Type.String()),
  return_info: Nullable(Type.String()),
  push_attempts: Type.Integer(),
  last_error: Nullable(Type.String()),
  history: Type.Array(
    Type.Object({
      version: Type.Integer(),
      status: Type.String(),
      return_status: Nullable(Type.String()),
      return_info: Nullable(Type.String()),
      at: Timestamp,
    }),
  ),
  merchant: Type.Optional(Type.String({ description: "The declaration's merchant (operator only)" })),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function customsDeclarationView(d: CustomsDeclaration) {
  return {
    id: d.id,
    object: 'customs_declaration' as const,
    status: d.status,
    payment: d.paymentId,
    customs_office: d.customsOffice,
    order_no: d.orderNo,
    sub_order_no: d.subOrderNo,
    ebp_code: d.ebpCode,
    amount: Number(d.amount.minor),
    currency: 'CNY' as const,
    payment_amount: Number(d.paymentAmount.minor),
    payment_currency: d.paymentAmount.currency,
    cny_rate: d.cnyRate,
    payer: { name: d.payer.name, id_type: d.payer.idType, id_number_masked: d.payer.idNumberMasked },
    identity_check: d.identityCheck,
    version: d.version,
    guid: d.guid,
    app_type: d.appType,
    return_status: d.returnStatus,
    return_info: d.returnInfo,
    push_attempts: d.pushAttempts,
    last_error: d.lastError,
    history: d.history.map((h) => ({
      version: h.version,
      status: h.status,
      return_status: h.returnStatus,
      return_info: h.returnInfo,
      at: h.at,
    })),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

export const ExportTradeView = Type.Object({
  object: Type.Literal('customs_export_trade'),
  payment: Type.String(),
  order_no: Type.String(),
  amount: Type.Integer({ description: 'The captured amount, minor units' }),
  currency: Type.String(),
  card_country: Nullable(Type.String({ description: "The paying card's issuing country, by BIN" })),
  paid_at: Timestamp,
  shipment: Nullable(
    Type.Object({ carrier: Type.String(), waybill_no: Type.String(), destination_country: Type.String(), shipped_at: Timestamp }),
  ),
  authenticity: Type.String({ description: 'matched (order, payment, logistics agree), awaiting_shipment or flagged (for review)' }),
  flags: Type.Array(Type.String({ description: 'no_shipment, destination_not_card_country' })),
  merchant: Type.Optional(Type.String({ description: "The trade's merchant (operator only)" })),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function exportTradeView(t: ExportTrade) {
  return {
    object: 'customs_export_trade' as const,
    payment: t.paymentId,
    order_no: t.orderNo,
    amount: Number(t.amount.minor),
    currency: t.amount.currency,
    card_country: t.cardCountry,
    paid_at: t.paidAt,
    shipment:
      t.shipment === null
        ? null
        : {
            carrier: t.shipment.carrier,
            waybill_no: t.shipment.waybillNo,
            destination_country: t.shipment.destinationCountry,
            shipped_at: t.shipment.shippedAt,
          },
    authenticity: t.authenticity,
    flags: [...t.flags],
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

export const BopRecordView = Type.Object({
  id: Type.String(),
  object: Type.Literal('bop_record'),
  payment: Type.String(),
  direction: Type.Literal('receipt'),
  amount: Type.Integer({ description: 'Minor units of `currency`' }),
  currency: Type.String(),
  counterparty_country: Type.String({ description: "The payer's country (the paying card's)" }),
  transaction_code: Type.String({ description: 'The balance-of-payments transaction code: goods trade' }),
  recorded_on: Type.String({ description: 'The day (China time) of the receipt' }),
  merchant: Type.Optional(Type.String()),
  created_at: Timestamp,
});

export function bopRecordView(r: BopRecord) {
  return {
    id: r.id,
    object: 'bop_record' as const,
    payment: r.paymentId,
    direction: r.direction,
    amount: Number(r.amount.minor),
    currency: r.amount.currency,
    counterparty_country: r.counterpartyCountry,
    transaction_code: r.transactionCode,
    recorded_on: r.recordedOn,
    created_at: r.createdAt,
  };
}
