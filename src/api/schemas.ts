import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { amountMinorMax, listCurrencies } from '../money/index.js';

/** Shared route schemas: one source for validation, types and the OpenAPI document. */
/**
 * Only payable ISO 4217 codes pass (src/money/currency.ts): ZZZ is no code, and XXX, XAU, XTS are
 * units of account nobody pays with. The list is the pattern, so every route refuses them alike.
 */
export const payableCurrencyPattern = `^(${listCurrencies()
  .map((c) => c.code)
  .join('|')})$`;
export const Currency = Type.String({
  pattern: payableCurrencyPattern,
  description: 'Upper-case payable ISO 4217 code',
  examples: ['CNY'],
});
export const AmountMinor = Type.Integer({
  minimum: 1,
  maximum: Number(amountMinorMax),
  description: "Positive integer in the currency's minor units (1999 = 19.99 USD; 1000 = ¥1000 JPY)",
  examples: [1999],
});
export const Id = (prefix: string) => Type.String({ pattern: `^${prefix}_[0-9a-z]{26}$`, maxLength: 40 });
export const Timestamp = Type.String({ description: 'ISO 8601, UTC' });

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    instance: Type.String(),
    request_id: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    decline_code: Type.Optional(Type.String({ description: 'card_declined only: the stable reason, e.g. insufficient_funds' })),
    decline_message: Type.Optional(Type.String({ description: 'card_declined only: a sentence to show the shopper' })),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details with a stable code' },
);

export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListQueryT = Static<typeof ListQuery>;

export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(item),
    has_more: Type.Boolean(),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  });
}

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Replays the first response for the same key and body' }),
  ),
});

export const problemResponses = {
  400: Type.Ref('Problem'),
  401: Type.Ref('Problem'),
  404: Type.Ref('Problem'),
  422: Type.Ref('Problem'),
};
