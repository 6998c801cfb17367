import { Type } from '@sinclair/typebox';
import type { Balance } from '../ledger/index.js';
import { toJSONMinor, amount as amountOf } from '../money/index.js';
import type { ApiKey, Customer, Merchant } from '../parties/index.js';
import type { Page } from '../store/index.js';
import type { Movement } from '../wallets/index.js';
import { Currency, Timestamp } from './schemas.js';

/** The API's JSON shapes (snake_case, amounts as integers of minor units) and their schemas. */
export const MerchantView = Type.Object({
  id: Type.String(),
  object: Type.Literal('merchant'),
  name: Type.String(),
  country: Type.String(),
  settlement_currency: Type.String(),
  status: Type.String(),
  created_at: Timestamp,
  city: Type.Union([Type.String(), Type.Null()]),
});

export function merchantView(m: Merchant) {
  return {
    id: m.id,
    object: 'merchant' as const,
    name: m.name,
    country: m.country,
    settlement_currency: m.settlementCurrency,
    status: m.status,
    created_at: m.createdAt,
    city: m.city,
  };
}

export const ApiKeyView = Type.Object({
  id: Type.String(),
  object: Type.Literal('api_key'),
  hint: Type.String(),
  mode: Type.String(),
  secret_key: Type.Union([Type.String(), Type.Null()], { description: 'Shown once, when the key is created; null afterwards' }),
  created_at: Timestamp,
  revoked_at: Type.Union([Timestamp, Type.Null()]),
});

export function apiKeyView(k: ApiKey, secretKey: string | null) {
  return {
    id: k.id,
    object: 'api_key' as const,
    hint: k.hint,
    mode: k.mode,
    secret_key: secretKey,
    created_at: k.createdAt,
    revoked_at: k.revokedAt,
  };
}

export const CustomerView = Type.Object({
  id: Type.String(),
  object: Type.Literal('customer'),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  identity: Type.Union([Type.Object({ type: Type.String(), number_masked: Type.String() }), Type.Null()]),
  created_at: Timestamp,
});

export function customerView(c: Customer) {
  return {
    id: c.id,
    object: 'customer' as const,
    name: c.name,
    email: c.email,
    phone: c.phone,
    identity: c.identity === null ? null : { type: c.identity.type, number_masked: c.identity.numberMasked },
    created_at: c.createdAt,
  };
}

export const MovementView = Type.Object({
  id: Type.String(),
  object: Type.Union([Type.Literal('top_up'), Type.Literal('transfer'), Type.Literal('withdrawal')]),
  source: Type.Union([Type.String(), Type.Null()]),
  destination: Type.Union([Type.String(), Type.Null()]),
  amount: Type.Integer(),
  currency: Currency,
  status: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  ledger_entry: Type.String(),
  created_at: Timestamp,
});

export function movementView(m: Movement) {
  return {
    id: m.id,
    object: m.type,
    source: m.sourceId,
    destination: m.destinationId,
    amount: toJSONMinor(m.amount),
    currency: m.amount.currency,
    status: m.status,
    description: m.description,
    ledger_entry: m.entryId,
    created_at: m.createdAt,
  };
}

export const BalanceView = Type.Object({
  currency: Currency,
  available: Type.Integer({ description: 'Posted balance minus pending outflows, in minor units' }),
  pending: Type.Integer({ description: 'Pending outflows (holds), in minor units' }),
  posted: Type.Integer(),
});

export function balanceView(b: Balance) {
  const minor = (value: bigint) => toJSONMinor(amountOf(value, b.currency));
  return { currency: b.currency, available: minor(b.availableMinor), pending: minor(b.pendingOutMinor), posted: minor(b.postedMinor) };
}

export function listView<T, V>(page: Page<T>, view: (item: T) => V) {
  return { object: 'list' as const, data: page.data.map(view), has_more: page.hasMore, next_cursor: page.nextCursor };
}
