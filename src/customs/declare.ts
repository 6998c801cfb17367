import { derivedId, digestOf, fail, newId, type Failure } from '../core/index.js';
import { formatDecimal } from '../money/index.js';
import { buildCeb411, newGuid } from './ceb.js';
import { CustomsError } from './errors.js';
import type { CustomsDeclaration, CustomsDeps, CustomsSettings, CustomsTrx, DeclarablePayment, NewDeclaration } from './model.js';
import { createImportLimits, type ImportLimits } from './limits.js';
import { customsOfficePattern } from './registrations.js';
import { loadDeclaration, recordStep, refundedCnyOf } from './rows.js';
import { countingStatuses } from './state.js';

export const pushTimerKind = 'customs.push';
export const orderNoLengthMax = 60;
export const payerNameLengthMax = 60;

type Outcome = { declaration: CustomsDeclaration; replayed: boolean } | Failure<CustomsError>;

function checkInput(input: NewDeclaration): Failure<CustomsError> | undefined {
  const bad = (detail: string) => fail(CustomsError.DeclarationInvalid, detail);
  if (!customsOfficePattern.test(input.customsOffice)) return bad('customs_office is a 4-digit customs office code (e.g. 0101)');
  if (!/^[\x21-\x7e]{1,60}$/.test(input.orderNo)) return bad(`order_no is 1 to ${orderNoLengthMax} printable ASCII characters`);
  if (input.subOrderNo !== undefined && !/^[\x21-\x7e]{1,60}$/.test(input.subOrderNo))
    return bad(`sub_order_no is 1 to ${orderNoLengthMax} printable ASCII characters`);
  if ((input.subOrderNo === undefined) !== (input.amountMinor === undefined))
    return bad('a sub-order names its `amount` (CNY fen); a whole payment names neither');
  if (input.amountMinor !== undefined && input.amountMinor <= 0n) return bad('amount is a positive number of CNY fen');
  const name = input.payer.name.trim();
  if (name.length === 0 || name.length > payerNameLengthMax) return bad(`payer.name is 1 to ${payerNameLengthMax} characters`);
  return undefined;
}

/** The payer named must be the payment's payer, by name and ID document, before anything is sent. */
function checkPayer(payment: DeclarablePayment, input: NewDeclaration): Failure<CustomsError> | undefined {
  if (payment.payer === null)
    return fail(CustomsError.PayerIdentityRequired, `payment ${payment.id} has no payer with a verified identity (name and ID number)`);
  const same =
    payment.payer.idType === input.payer.idType &&
    payment.payer.idNumber.toUpperCase() === input.payer.idNumber.trim().toUpperCase() &&
    payment.payer.name.trim() === input.payer.name.trim();
  return same ? undefined : fail(CustomsError.PayerMismatch, "the payer's name and ID number are not those of the payment's payer");
}

const yuan = (fen: bigint) => `CNY ${formatDecimal({ minor: fen, currency: 'CNY' })}`;

/** Declares a succeeded payment (or a sub-order of it) at one customs office. */
export async function declare(deps: CustomsDeps, settings: CustomsSettings, merchantId: string, input: NewDeclaration): Promise<Outcome> {
  const invalid = checkInput(input);
  if (invalid !== undefined) return invalid;
  const registration = await deps.store.reader
    .selectFrom('customs_registrations')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('customs_office', '=', input.customsOffice)
    .executeTakeFirst();
  if (registration === undefined)
    return fail(CustomsError.RegistrationRequired, `register the platform's customs codes for office ${input.customsOffice} first`);
  const payment = await deps.payments.paymentOf(merchantId, input.paymentId);
  if (payment === undefined) return fail(CustomsError.PaymentNotFound, `no payment ${input.paymentId}`);
  if (payment.status !== 'succeeded')
    return fail(CustomsError.PaymentNotDeclarable, `payment ${payment.id} is ${payment.status}; only a succeeded payment is declared`);
  const wrongPayer = checkPayer(payment, input);
  if (wrongPayer !== undefined) return wrongPayer;
  if (payment.cny === undefined)
    return fail(
      CustomsError.CurrencyNotDeclarable,
      `customs sees CNY; payment ${payment.id} in ${payment.amount.currency} has no locked CNY amount`,
    );
  // What customs sees is what is left of the payment after its refunds (their CNY shares, src/customs/refund.ts).
  const refundedCny = await refundedCnyOf(deps.store.reader, payment.id);
  const amount = input.amountMinor ?? payment.cny.minor - refundedCny;
  if (amount <= 0n) return fail(CustomsError.PaymentNotDeclarable, `payment ${payment.id} is refunded in full; nothing is left to declare`);
  const limits = createImportLimits(settings, deps.clock);
  const overOrder = limits.checkOrder(amount);
  if (overOrder !== undefined) return overOrder;
  const payer = payment.payer as NonNullable<DeclarablePayment['payer']>;
  const personKey = deps.personKey(payer.idType, payer.idNumber.toUpperCase());
  const subOrderNo = input.subOrderNo ?? '';
  const id = derivedId('cdec', merchantId, `${payment.id}|${input.customsOffice}|${subOrderNo}`);
  const digest = digestOf({ orderNo: input.orderNo, amount, personKey, name: input.payer.name.trim() });
  const earlier = await replayOf(deps, id, digest);
  if (earlier !== undefined) return earlier;

  const now = deps.clock.now();
  const guid = newGuid();
  const xml = await deps.signer.sign(
    buildCeb411({
      guid,
      appType: '1',
      appTime: now,
      payCode: settings.payCode,
      payName: settings.payName,
      payTransactionId: payment.id,
      // A split's sub-order is its own order at customs (WeChat: sub_order_no is what customs matches).
      orderNo: input.subOrderNo ?? input.orderNo,
      ebpCode: registration.ebp_code,
      ebpName: registration.ebp_name,
      payerName: payer.name.trim(),
      payerIdNumber: payer.idNumber.toUpperCase(),
      telephone: '',
      amountPaidFen: amount,
      payTime: new Date(payment.paidAt),
      note: subOrderNo === '' ? '' : `sub-order ${subOrderNo}`,
      copCode: settings.payCode,
      copName: settings.payName,
      dxpId: settings.dxpId,
    }),
  );
  const at = now.toISOString();
  const year = limits.yearOf(now);
  return deps.writer.run(
    async (trx): Promise<Outcome> => {
      const raced = await trx.selectFrom('customs_declarations').select(['request_digest']).where('id', '=', id).executeTakeFirst();
      if (raced !== undefined) return (await replayOf(deps, id, digest, trx)) as Outcome;
      const left = (payment.cny?.minor ?? 0n) - (await refundedCnyOf(trx, payment.id));
      const over = await overLimits(trx, limits, { paymentId: payment.id, totalCny: left, personKey, year, amount });
      if (over !== undefined) return over;
      await trx
        .insertInto('customs_declarations')
        .values({
          id,
          merchant_id: merchantId,
          payment_id: payment.id,
          customs_office: input.customsOffice,
          sub_order_no: subOrderNo,
          order_no: input.orderNo,
          ebp_code: registration.ebp_code,
          ebp_name: registration.ebp_name,
          amount_cny: amount,
          payment_currency: payment.amount.currency,
          payment_amount: payment.capturedMinor,
          cny_rate: payment.cny?.rate ?? null,
          payer_name: payer.name.trim(),
          payer_id_type: payer.idType,
          payer_id_masked: payer.idNumberMasked,
          person_key: personKey,
          limit_year: BigInt(year),
          status: 'pending',
          version: 1n,
          guid,
          app_type: '1',
          return_status: null,
          return_info: null,
          push_attempts: 0n,
          last_error: null,
          request_digest: digest,
          created_at: at,
          updated_at: at,
        })
        .execute();
      await queuePush(trx, deps, { id, version: 1n, guid, xml, at: now });
      await recordStep(trx, deps.events, id, {
        version: 1n,
        status: 'pending',
        returnStatus: null,
        returnInfo: null,
        at,
        eventType: 'customs_declaration.created',
      });
      return { declaration: (await loadDeclaration(trx, id)) as CustomsDeclaration, replayed: false };
    },
    { keys: [`customs.payment:${payment.id}`, `customs.person:${personKey}`] },
  );
}

async function replayOf(
  deps: CustomsDeps,
  id: string,
  digest: string,
  db: CustomsTrx | CustomsDeps['store']['reader'] = deps.store.reader,
): Promise<Outcome | undefined> {
  const existing = await db.selectFrom('customs_declarations').select(['request_digest']).where('id', '=', id).executeTakeFirst();
  if (existing === undefined) return undefined;
  if (existing.request_digest !== digest)
    return fail(
      CustomsError.DeclarationConflict,
      'this payment was declared at this office (and sub-order) with other parameters; modify that declaration instead',
    );
  return { declaration: (await loadDeclaration(db, id)) as CustomsDeclaration, replayed: true };
}

/** Sub-orders may not add up to more than the payment, nor a person's declarations to more than the year's allowance. */
async function overLimits(
  trx: CustomsTrx,
  limits: ImportLimits,
  q: { paymentId: string; totalCny: bigint; personKey: string; year: number; amount: bigint },
): Promise<Failure<CustomsError> | undefined> {
  const sum = (rows: { amount_cny: bigint }[]) => rows.reduce((s, r) => s + BigInt(r.amount_cny), 0n);
  const ofPayment = await trx
    .selectFrom('customs_declarations')
    .select('amount_cny')
    .where('payment_id', '=', q.paymentId)
    .where('status', 'in', countingStatuses)
    .execute();
  const declared = sum(ofPayment);
  if (declared + q.amount > q.totalCny)
    return fail(
      CustomsError.SplitExceedsPayment,
      `the payment is ${yuan(q.totalCny)}; ${yuan(declared)} is declared already, ${yuan(q.amount)} more does not fit`,
    );
  // The person's declarations of the year, at every merchant (src/customs/limits.ts holds the person's year first).
  return limits.checkAnnual(trx, {
    personKey: q.personKey,
    year: q.year,
    cnyMinor: q.amount,
    used: async () =>
      sum(
        await trx
          .selectFrom('customs_declarations')
          .select('amount_cny')
          .where('person_key', '=', q.personKey)
          .where('limit_year', '=', BigInt(q.year))
          .where('status', 'in', countingStatuses)
          .execute(),
      ),
  });
}

/** Keeps the signed message (sealed) and queues its push: one CEB411 per version, one guid. */
export async function queuePush(
  trx: CustomsTrx,
  deps: CustomsDeps,
  m: { id: string; version: bigint; guid: string; xml: string; at: Date },
): Promise<void> {
  await trx
    .insertInto('customs_messages')
    .values({
      id: newId('cmsg', m.at.getTime()),
      declaration_id: m.id,
      version: m.version,
      guid: m.guid,
      kind: 'CEB411',
      direction: 'out',
      return_status: null,
      body_sealed: deps.seal(m.xml),
      created_at: m.at.toISOString(),
    })
    .execute();
  await deps.timers.schedule(trx, {
    kind: pushTimerKind,
    key: `${pushTimerKind}:${m.id}:${m.version}`,
    dueAt: m.at,
    payload: { id: m.id, version: Number(m.version) },
  });
}
