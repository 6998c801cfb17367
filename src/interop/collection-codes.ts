import { createHash } from 'node:crypto';
import { pinyin } from 'pinyin-pro';
import { derivedId, digestOf, fail, newId, type Failure } from '../core/index.js';
import { amount as amountOf, findCurrency, formatDecimal } from '../money/index.js';
import { InteropError } from './errors.js';
import { buildMpm } from './mpm-code.js';
import { hutongGuid, hutongInstitutionId } from './participants.js';
import type { FlowDeps } from './ports.js';
import type { InteropCollectionCodesTable } from './schema.js';

export type CodeKind = 'static' | 'dynamic';

export interface NewCollectionCode {
  readonly kind: CodeKind;
  readonly currency: string;
  readonly amountMinor?: bigint;
  readonly merchantOrderId?: string;
  readonly expiresInMs?: number;
  readonly description?: string;
  readonly mcc?: string;
  readonly merchantName?: string;
  readonly merchantNameLocal?: string;
  readonly city: string;
  readonly billNumber?: string;
  readonly storeLabel?: string;
  readonly terminalLabel?: string;
  readonly idempotencyKey?: string;
}

export interface CollectionCode {
  readonly id: string;
  readonly merchantId: string;
  readonly kind: CodeKind;
  readonly currency: string;
  readonly amountMinor: bigint | null;
  readonly merchantOrderId: string | null;
  readonly description: string | null;
  readonly mcc: string;
  readonly merchantName: string;
  readonly merchantNameLocal: string | null;
  readonly city: string;
  readonly payload: string;
  readonly status: 'active' | 'paid' | 'disabled';
  readonly expiresAt: string | null;
  readonly createdAt: string;
}

/** Tags 59 and 60 are romanised (EMV: the merchant's name in the Latin alphabet); Chinese goes to template 64. */
export function romanise(text: string, charsMax: number): string {
  const latin = /^[\x20-\x7e]*$/.test(text) ? text : pinyin(text, { toneType: 'none', type: 'array', nonZh: 'consecutive' }).join(' ');
  return latin.toUpperCase().replace(/\s+/g, ' ').trim().slice(0, charsMax).trim();
}

/** UnionPay's tag 15: the acquiring institution's 8 digits, then a 15-digit merchant number. */
function unionPayMerchantNumber(merchantId: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(merchantId).digest('hex').slice(0, 15)}`)
    .toString()
    .padStart(15, '0')
    .slice(-15);
  return hutongInstitutionId + digits;
}

function validate(input: NewCollectionCode, deps: FlowDeps): Failure<InteropError> | undefined {
  const bad = (detail: string) => fail(InteropError.CollectionCodeInvalid, detail);
  if (findCurrency(input.currency) === undefined) return bad(`${input.currency} is not a supported currency`);
  if (input.kind === 'dynamic' && input.amountMinor === undefined) return bad('a dynamic code needs an amount');
  if (
    input.kind === 'static' &&
    (input.amountMinor !== undefined || input.merchantOrderId !== undefined || input.expiresInMs !== undefined)
  )
    return bad('a static code has no amount, order or expiry: the shopper types the amount');
  if (input.expiresInMs !== undefined && (input.expiresInMs <= 0 || input.expiresInMs > deps.settings.dynamicTtlMsMax))
    return bad(`expires_in_seconds must be 1 to ${deps.settings.dynamicTtlMsMax / 1000}`);
  if (input.amountMinor !== undefined && formatDecimal(amountOf(input.amountMinor, input.currency)).length > 13)
    return bad('the amount has more than the 13 characters of EMV field 54');
  return undefined;
}

export async function createCollectionCode(
  deps: FlowDeps,
  merchantId: string,
  input: NewCollectionCode,
): Promise<CollectionCode | Failure<InteropError>> {
  const invalid = validate(input, deps);
  if (invalid !== undefined) return invalid;
  const merchant = await deps.merchants.merchant(merchantId);
  if (merchant === undefined || merchant.status !== 'active') return fail(InteropError.MerchantSuspended, 'the merchant is suspended');
  const now = deps.clock.now();
  const id =
    input.idempotencyKey === undefined
      ? newId('cc', now.getTime())
      : derivedId('cc', `${merchantId}/collection_code`, input.idempotencyKey);
  const merchantName = romanise(input.merchantName ?? merchant.name, 25) || 'MERCHANT';
  const local = input.merchantNameLocal ?? (/^[\x20-\x7e]*$/.test(merchant.name) ? undefined : merchant.name);
  const currency = findCurrency(input.currency);
  const amountDecimal = input.amountMinor === undefined ? undefined : formatDecimal(amountOf(input.amountMinor, input.currency));
  const expiresAt =
    input.kind === 'dynamic' ? new Date(now.getTime() + (input.expiresInMs ?? deps.settings.dynamicTtlMsDefault)).toISOString() : null;
  const payload = buildMpm({
    dynamic: input.kind === 'dynamic',
    accounts: [
      { id: '15', value: unionPayMerchantNumber(merchantId) },
      { id: '26', guid: hutongGuid, sub: { '01': id } },
    ],
    mcc: input.mcc ?? '5999',
    currencyNumeric: currency?.numeric ?? '156',
    amountDecimal,
    country: merchant.country,
    merchantName,
    city: romanise(input.city, 15),
    additionalData: {
      billNumber: input.billNumber ?? input.merchantOrderId,
      storeLabel: input.storeLabel,
      terminalLabel: input.terminalLabel,
      referenceLabel: id.slice(-25),
    },
    language: local === undefined ? undefined : { language: 'ZH', merchantName: [...local].slice(0, 25).join('') },
  });
  const row: InteropCollectionCodesTable = {
    id,
    merchant_id: merchantId,
    kind: input.kind,
    currency: input.currency,
    amount: input.amountMinor ?? null,
    merchant_order_id: input.merchantOrderId ?? null,
    description: input.description ?? null,
    mcc: input.mcc ?? '5999',
    merchant_name: merchantName,
    merchant_name_local: local ?? null,
    city: romanise(input.city, 15),
    bill_number: input.billNumber ?? null,
    store_label: input.storeLabel ?? null,
    terminal_label: input.terminalLabel ?? null,
    payload,
    status: 'active',
    expires_at: expiresAt,
    request_digest: digestOf({ ...input, amountMinor: input.amountMinor?.toString(), idempotencyKey: undefined }),
    created_at: now.toISOString(),
  };
  return deps.writer.run(async (trx) => {
    const existing = await trx.selectFrom('interop_collection_codes').selectAll().where('id', '=', id).executeTakeFirst();
    if (existing !== undefined) {
      return existing.request_digest === row.request_digest
        ? toCollectionCode(existing)
        : fail(InteropError.IdempotencyConflict, 'this Idempotency-Key was used for a different collection code');
    }
    if (row.merchant_order_id !== null) {
      const taken = await trx
        .selectFrom('interop_collection_codes')
        .select('id')
        .where('merchant_id', '=', merchantId)
        .where('merchant_order_id', '=', row.merchant_order_id)
        .executeTakeFirst();
      if (taken !== undefined)
        return fail(InteropError.CollectionCodeInvalid, `a code for merchant_order_id ${row.merchant_order_id} exists`);
    }
    await trx.insertInto('interop_collection_codes').values(row).execute();
    return toCollectionCode(row);
  });
}

export async function getCollectionCode(deps: FlowDeps, merchantId: string, id: string): Promise<CollectionCode | Failure<InteropError>> {
  const row = await deps.db
    .selectFrom('interop_collection_codes')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row === undefined ? fail(InteropError.CollectionCodeNotFound, `no collection code ${id}`) : toCollectionCode(row);
}

export function toCollectionCode(row: InteropCollectionCodesTable): CollectionCode {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    kind: row.kind as CodeKind,
    currency: row.currency,
    amountMinor: row.amount === null ? null : BigInt(row.amount),
    merchantOrderId: row.merchant_order_id,
    description: row.description,
    mcc: row.mcc,
    merchantName: row.merchant_name,
    merchantNameLocal: row.merchant_name_local,
    city: row.city,
    payload: row.payload,
    status: row.status as CollectionCode['status'],
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}
