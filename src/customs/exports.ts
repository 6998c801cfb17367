import { fail, newId, type Failure } from '../core/index.js';
import { authenticityOf } from './authenticity.js';
import { CustomsError } from './errors.js';
import type { BopRecord, CustomsDeps, CustomsSettings, CustomsTrx, ExportTrade } from './model.js';
import type { CustomsBopRecordsTable, CustomsExportTradesTable } from './schema.js';

/**
 * The export side (JD Pay-style gateway; docs/customs.md "Export"): a foreign shopper's payment to
 * a Chinese exporter carries its order and, once shipped, its shipment (carrier, waybill,
 * destination). Hutong checks the three orders against each other (src/customs/authenticity.ts)
 * and keeps one balance-of-payments record per cross-border receipt, written with the trade.
 */
export const exportDueTimerKind = 'customs.export_due';
const codePattern = /^[\x21-\x7e]{1,60}$/;
const countryPattern = /^[A-Z]{2}$/;

export interface NewExportTrade {
  readonly paymentId: string;
  readonly orderNo: string;
  readonly shipment?: NewShipment;
}
export interface NewShipment {
  readonly carrier: string;
  readonly waybillNo: string;
  readonly destinationCountry: string;
  readonly shippedAt?: string;
}

function checkShipment(s: NewShipment): Failure<CustomsError> | undefined {
  const bad = (detail: string) => fail(CustomsError.ExportTradeInvalid, detail);
  if (!codePattern.test(s.carrier)) return bad('carrier is 1 to 60 printable ASCII characters (the carrier code)');
  if (!codePattern.test(s.waybillNo)) return bad('waybill_no is 1 to 60 printable ASCII characters');
  if (!countryPattern.test(s.destinationCountry)) return bad('destination_country is an ISO 3166 alpha-2 code, e.g. US');
  if (s.shippedAt !== undefined && Number.isNaN(Date.parse(s.shippedAt))) return bad('shipped_at is an ISO 8601 time');
  return undefined;
}

export function toExportTrade(row: CustomsExportTradesTable): ExportTrade {
  return {
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    orderNo: row.order_no,
    amount: { minor: BigInt(row.amount), currency: row.currency },
    cardCountry: row.card_country,
    paidAt: row.paid_at,
    shipment:
      row.waybill_no === null
        ? null
        : {
            carrier: row.carrier ?? '',
            waybillNo: row.waybill_no,
            destinationCountry: row.destination_country ?? '',
            shippedAt: row.shipped_at ?? row.updated_at,
          },
    authenticity: row.authenticity as ExportTrade['authenticity'],
    flags: JSON.parse(row.flags) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toBopRecord(row: CustomsBopRecordsTable): BopRecord {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    paymentId: row.payment_id,
    amount: { minor: BigInt(row.amount), currency: row.currency },
    counterpartyCountry: row.counterparty_country,
    transactionCode: row.transaction_code,
    direction: 'receipt',
    recordedOn: row.recorded_on,
    createdAt: row.created_at,
  };
}

/** The day (China time, UTC+8) a receipt is recorded in. */
function chinaDay(at: string): string {
  return new Date(new Date(at).getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * Records an export trade for a succeeded payment from abroad, with its BoP record and a timer at
 * the shipment due date, in one unit; idempotent per payment (the same order number replays, a
 * shipment given again replaces the first).
 */
export async function recordExport(
  deps: CustomsDeps,
  settings: CustomsSettings,
  merchantId: string,
  input: NewExportTrade,
): Promise<{ trade: ExportTrade; created: boolean } | Failure<CustomsError>> {
  if (!codePattern.test(input.orderNo)) return fail(CustomsError.ExportTradeInvalid, 'order_no is 1 to 60 printable ASCII characters');
  const badShipment = input.shipment === undefined ? undefined : checkShipment(input.shipment);
  if (badShipment !== undefined) return badShipment;
  const payment = await deps.payments.exportPaymentOf(merchantId, input.paymentId);
  if (payment === undefined) return fail(CustomsError.PaymentNotFound, `no payment ${input.paymentId}`);
  if (payment.status !== 'succeeded')
    return fail(
      CustomsError.ExportNotEligible,
      `payment ${payment.id} is ${payment.status}; only a succeeded payment is an export receipt`,
    );
  if (payment.cardCountry === null || payment.cardCountry === payment.merchantCountry)
    return fail(
      CustomsError.ExportNotEligible,
      `payment ${payment.id} was not paid from abroad (card country ${payment.cardCountry ?? 'unknown'}, merchant ${payment.merchantCountry})`,
    );
  const now = deps.clock.now();
  const at = now.toISOString();
  return deps.writer.run(
    async (trx) => {
      const existing = await trx.selectFrom('customs_export_trades').selectAll().where('payment_id', '=', payment.id).executeTakeFirst();
      if (existing !== undefined) {
        if (existing.merchant_id !== merchantId) return fail(CustomsError.PaymentNotFound, `no payment ${input.paymentId}`);
        if (existing.order_no !== input.orderNo)
          return fail(
            CustomsError.ExportTradeInvalid,
            `payment ${payment.id} carries order ${existing.order_no}; an order number is given once`,
          );
        const trade =
          input.shipment === undefined ? toExportTrade(existing) : await shipIn(trx, deps, settings, existing, input.shipment, now);
        return { trade, created: false };
      }
      const row: CustomsExportTradesTable = {
        payment_id: payment.id,
        merchant_id: merchantId,
        order_no: input.orderNo,
        amount: payment.amount.minor,
        currency: payment.amount.currency,
        card_country: payment.cardCountry,
        paid_at: payment.paidAt,
        carrier: null,
        waybill_no: null,
        destination_country: null,
        shipped_at: null,
        authenticity: 'awaiting_shipment',
        flags: '[]',
        created_at: at,
        updated_at: at,
      };
      const judged = authenticityOf(
        { paidAt: row.paid_at, cardCountry: row.card_country, destinationCountry: null, shipped: false },
        now,
        ruleOf(settings),
      );
      await trx
        .insertInto('customs_export_trades')
        .values({ ...row, authenticity: judged.authenticity, flags: JSON.stringify(judged.flags) })
        .execute();
      await trx
        .insertInto('customs_bop_records')
        .values({
          id: newId('bop', now.getTime()),
          merchant_id: merchantId,
          payment_id: payment.id,
          amount: payment.amount.minor,
          currency: payment.amount.currency,
          counterparty_country: payment.cardCountry as string,
          transaction_code: settings.bopGoodsTradeCode,
          direction: 'receipt',
          recorded_on: chinaDay(payment.paidAt),
          created_at: at,
        })
        .execute();
      await deps.timers.schedule(trx, {
        kind: exportDueTimerKind,
        key: `${exportDueTimerKind}:${payment.id}`,
        dueAt: new Date(new Date(payment.paidAt).getTime() + settings.exportShipmentDueDays * 86_400_000),
        payload: { paymentId: payment.id },
      });
      const inserted = await trx
        .selectFrom('customs_export_trades')
        .selectAll()
        .where('payment_id', '=', payment.id)
        .executeTakeFirstOrThrow();
      const trade =
        input.shipment === undefined ? toExportTrade(inserted) : await shipIn(trx, deps, settings, inserted, input.shipment, now);
      return { trade, created: true };
    },
    { keys: [`customs.export:${payment.id}`] },
  );
}

const ruleOf = (settings: CustomsSettings) => ({
  shipmentDueDays: settings.exportShipmentDueDays,
  destinationRule: settings.exportDestinationRule,
});

async function shipIn(
  trx: CustomsTrx,
  deps: CustomsDeps,
  settings: CustomsSettings,
  row: CustomsExportTradesTable,
  shipment: NewShipment,
  now: Date,
): Promise<ExportTrade> {
  const judged = authenticityOf(
    { paidAt: row.paid_at, cardCountry: row.card_country, destinationCountry: shipment.destinationCountry, shipped: true },
    now,
    ruleOf(settings),
  );
  await trx
    .updateTable('customs_export_trades')
    .set({
      carrier: shipment.carrier,
      waybill_no: shipment.waybillNo,
      destination_country: shipment.destinationCountry,
      shipped_at: shipment.shippedAt === undefined ? now.toISOString() : new Date(shipment.shippedAt).toISOString(),
      authenticity: judged.authenticity,
      flags: JSON.stringify(judged.flags),
      updated_at: now.toISOString(),
    })
    .where('payment_id', '=', row.payment_id)
    .execute();
  if (judged.authenticity === 'flagged')
    deps.log(`customs: export payment ${row.payment_id} flagged for review (${judged.flags.join(', ')})`);
  return toExportTrade(
    await trx.selectFrom('customs_export_trades').selectAll().where('payment_id', '=', row.payment_id).executeTakeFirstOrThrow(),
  );
}

/** Attaches (or replaces) the shipment of a recorded export trade. */
export async function attachShipment(
  deps: CustomsDeps,
  settings: CustomsSettings,
  merchantId: string,
  paymentId: string,
  shipment: NewShipment,
): Promise<ExportTrade | Failure<CustomsError>> {
  const bad = checkShipment(shipment);
  if (bad !== undefined) return bad;
  return deps.writer.run(
    async (trx) => {
      const row = await trx
        .selectFrom('customs_export_trades')
        .selectAll()
        .where('payment_id', '=', paymentId)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst();
      if (row === undefined)
        return fail(CustomsError.ExportTradeNotFound, `no export trade for payment ${paymentId}; record its order first`);
      return shipIn(trx, deps, settings, row, shipment, deps.clock.now());
    },
    { keys: [`customs.export:${paymentId}`] },
  );
}

/** The shipment due date passed (a durable timer): an export still without a shipment is flagged. */
export async function reviewDue(deps: CustomsDeps, settings: CustomsSettings, paymentId: string): Promise<undefined> {
  const now = deps.clock.now();
  await deps.writer.run(
    async (trx) => {
      const row = await trx.selectFrom('customs_export_trades').selectAll().where('payment_id', '=', paymentId).executeTakeFirst();
      if (row === undefined || row.waybill_no !== null) return;
      const judged = authenticityOf(
        { paidAt: row.paid_at, cardCountry: row.card_country, destinationCountry: null, shipped: false },
        now,
        ruleOf(settings),
      );
      await trx
        .updateTable('customs_export_trades')
        .set({ authenticity: judged.authenticity, flags: JSON.stringify(judged.flags), updated_at: now.toISOString() })
        .where('payment_id', '=', paymentId)
        .where('waybill_no', 'is', null)
        .execute();
      if (judged.authenticity === 'flagged')
        deps.log(`customs: export payment ${paymentId} has no shipment after ${settings.exportShipmentDueDays} days; flagged`);
    },
    { keys: [`customs.export:${paymentId}`] },
  );
  return undefined;
}

export async function getExport(
  deps: CustomsDeps,
  merchantId: string | undefined,
  paymentId: string,
): Promise<ExportTrade | Failure<CustomsError>> {
  let q = deps.store.reader.selectFrom('customs_export_trades').selectAll().where('payment_id', '=', paymentId);
  if (merchantId !== undefined) q = q.where('merchant_id', '=', merchantId);
  const row = await q.executeTakeFirst();
  return row === undefined ? fail(CustomsError.ExportTradeNotFound, `no export trade for payment ${paymentId}`) : toExportTrade(row);
}

export const exportListMax = 500;

/** Export trades, newest first (bounded); `authenticity` filters (e.g. flagged: the review queue). */
export async function listExports(
  deps: CustomsDeps,
  merchantId: string | undefined,
  query: { authenticity?: string; limit?: number },
): Promise<ExportTrade[]> {
  let q = deps.store.reader.selectFrom('customs_export_trades').selectAll();
  if (merchantId !== undefined) q = q.where('merchant_id', '=', merchantId);
  if (query.authenticity !== undefined) q = q.where('authenticity', '=', query.authenticity);
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('payment_id', 'desc')
    .limit(Math.min(Math.max(query.limit ?? 100, 1), exportListMax))
    .execute();
  return rows.map(toExportTrade);
}

export const bopDayMax = 10_000;

/** The balance-of-payments records of one day (China time), for the API and the file. */
export async function bopRecords(
  deps: CustomsDeps,
  merchantId: string | undefined,
  date: string | undefined,
): Promise<BopRecord[] | Failure<CustomsError>> {
  const day = date ?? chinaDay(deps.clock.now().toISOString());
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))
    return fail(CustomsError.ExportTradeInvalid, 'date is a day, yyyy-mm-dd');
  let q = deps.store.reader.selectFrom('customs_bop_records').selectAll().where('recorded_on', '=', day);
  if (merchantId !== undefined) q = q.where('merchant_id', '=', merchantId);
  const rows = await q.orderBy('id').limit(bopDayMax).execute();
  return rows.map(toBopRecord);
}

/** The day's records as a CSV file (one line per receipt; amounts in major units of their currency). */
export function bopCsv(records: readonly BopRecord[], decimal: (minor: bigint, currency: string) => string): string {
  const lines = ['record_id,merchant,payment,direction,amount,currency,counterparty_country,transaction_code,recorded_on'];
  for (const r of records)
    lines.push(
      [
        r.id,
        r.merchantId,
        r.paymentId,
        r.direction,
        decimal(r.amount.minor, r.amount.currency),
        r.amount.currency,
        r.counterpartyCountry,
        r.transactionCode,
        r.recordedOn,
      ].join(','),
    );
  return `${lines.join('\n')}\n`;
}
