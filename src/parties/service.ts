import type { Selectable } from 'kysely';
import type { Clock } from '../core/index.js';
import { fail, type Failure } from '../core/index.js';
import { derivedId, digestOf, newId } from '../core/index.js';
import { isCurrencyCode } from '../money/index.js';
import type { Store } from '../store/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/index.js';
import type { Database } from '../store/index.js';
import type { Cipher } from '../vault/index.js';
import { PartyError } from './errors.js';
import { isCountryCode, isValidIdNumber, maskIdNumber, type IdType } from './identity.js';
import { hashSecret, keyHint, newOperatorKey, newSecretKey, sameSecretHash, type KeyMode } from './keys.js';

export type MerchantStatus = 'active' | 'suspended';

export interface Merchant {
  readonly id: string;
  readonly name: string;
  readonly country: string;
  readonly settlementCurrency: string;
  readonly status: MerchantStatus;
  readonly createdAt: string;
  /** Where the merchant trades (EMV QR tag 60 of its wallet payments); null when not given. */
  readonly city: string | null;
}

export interface ApiKey {
  readonly id: string;
  readonly merchantId: string;
  readonly hint: string;
  readonly mode: KeyMode;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface Customer {
  readonly id: string;
  readonly merchantId: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly identity: { readonly type: IdType; readonly numberMasked: string } | null;
  readonly createdAt: string;
}

export type Principal =
  | { readonly type: 'operator' }
  | { readonly type: 'merchant'; readonly merchantId: string; readonly keyId: string; readonly mode: KeyMode }
  /** A hosted checkout session's token: may only read and confirm its one payment (src/web). */
  | { readonly type: 'checkout'; readonly merchantId: string; readonly paymentId: string; readonly sessionId: string };

export interface NewCustomer {
  readonly name: string;
  readonly email?: string;
  readonly phone?: string;
  readonly identity?: { readonly type: IdType; readonly number: string };
}

export interface IdempotencyScope {
  readonly scope: string;
  readonly key: string;
}

const operatorKeySetting = 'operator_key_hash';

/**
 * Authenticated keys are remembered briefly so that a busy merchant costs one hash per request, not
 * a join. Revoking a key or suspending a merchant clears this node's cache at once; other nodes
 * follow within `principalCacheTtlMs`.
 */
const principalCacheTtlMs = 5_000;
const principalCacheSizeMax = 10_000;
const customerOwnersSizeMax = 200_000;

export function createParties(deps: { store: Store; clock: Clock; cipher: Cipher }) {
  const { store, clock, cipher } = deps;
  const { db } = store;
  let operatorKeyHash: string | undefined;
  const principals = new Map<string, { principal: Principal; expiresAtMs: number }>();
  const customerOwners = new Map<string, string>();

  async function createMerchant(
    input: { name: string; country: string; settlementCurrency: string; city?: string },
    idempotency?: IdempotencyScope,
  ): Promise<{ merchant: Merchant; apiKey: ApiKey; secretKey: string | null } | Failure<PartyError>> {
    if (!isCountryCode(input.country)) return fail(PartyError.CountryInvalid, `${input.country} is not an ISO 3166-1 alpha-2 country code`);
    if (!isCurrencyCode(input.settlementCurrency))
      return fail(PartyError.CurrencyUnsupported, `${input.settlementCurrency} is not a supported ISO 4217 currency`);
    const now = clock.now();
    const id = idempotency === undefined ? newId('mer', now.getTime()) : derivedId('mer', idempotency.scope, idempotency.key);
    const secretKey = newSecretKey('test');
    const apiKey: ApiKey = {
      id: newId('key', now.getTime()),
      merchantId: id,
      hint: keyHint(secretKey),
      mode: 'test',
      createdAt: now.toISOString(),
      revokedAt: null,
    };
    const created = await db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('merchants')
        .values({
          id,
          name: input.name,
          country: input.country,
          settlement_currency: input.settlementCurrency,
          status: 'active',
          created_at: now.toISOString(),
          city: input.city?.trim() || null,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows !== 1n) return false;
      await trx
        .insertInto('api_keys')
        .values(apiKeyRow(apiKey, hashSecret(secretKey)))
        .execute();
      return true;
    });
    const merchant = await getMerchant(id);
    if (merchant === undefined) return fail(PartyError.MerchantNotFound, id);
    if (created) return { merchant, apiKey, secretKey };
    // A retry of a request that already created this merchant: its key was shown once, not again.
    if (merchant.name !== input.name || merchant.country !== input.country || merchant.settlementCurrency !== input.settlementCurrency) {
      return fail(PartyError.IdempotencyConflict, 'this Idempotency-Key created a different merchant');
    }
    const keys = await listApiKeys(id);
    return { merchant, apiKey: keys[0] ?? apiKey, secretKey: null };
  }

  async function getMerchant(id: string): Promise<Merchant | undefined> {
    const row = await store.reader.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toMerchant(row);
  }

  async function setMerchantStatus(id: string, status: MerchantStatus): Promise<Merchant | Failure<PartyError>> {
    const result = await db.updateTable('merchants').set({ status }).where('id', '=', id).executeTakeFirst();
    principals.clear();
    if (result.numUpdatedRows !== 1n) return fail(PartyError.MerchantNotFound, `no merchant ${id}`);
    return (await getMerchant(id)) as Merchant;
  }

  async function createApiKey(
    merchantId: string,
    mode: KeyMode = 'test',
  ): Promise<{ apiKey: ApiKey; secretKey: string } | Failure<PartyError>> {
    if ((await getMerchant(merchantId)) === undefined) return fail(PartyError.MerchantNotFound, `no merchant ${merchantId}`);
    const secretKey = newSecretKey(mode);
    const now = clock.now();
    const apiKey: ApiKey = {
      id: newId('key', now.getTime()),
      merchantId,
      hint: keyHint(secretKey),
      mode,
      createdAt: now.toISOString(),
      revokedAt: null,
    };
    await db
      .insertInto('api_keys')
      .values(apiKeyRow(apiKey, hashSecret(secretKey)))
      .execute();
    return { apiKey, secretKey };
  }

  async function revokeApiKey(merchantId: string, keyId: string): Promise<ApiKey | Failure<PartyError>> {
    await db
      .updateTable('api_keys')
      .set({ revoked_at: clock.now().toISOString() })
      .where('id', '=', keyId)
      .where('merchant_id', '=', merchantId)
      .where('revoked_at', 'is', null)
      .execute();
    principals.clear();
    const row = await db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', keyId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row === undefined ? fail(PartyError.ApiKeyNotFound, `no API key ${keyId}`) : toApiKey(row);
  }

  async function listApiKeys(merchantId: string): Promise<ApiKey[]> {
    const rows = await store.reader
      .selectFrom('api_keys')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toApiKey);
  }

  /**
   * The operator key: HUTONG_ADMIN_KEY when set (its hash replaces the stored one), otherwise one
   * generated on first start and returned here once, for printing. Only its hash is kept.
   */
  async function ensureOperatorKey(fromEnv: string | undefined): Promise<{ generated: string | null }> {
    const now = clock.now().toISOString();
    if (fromEnv !== undefined && fromEnv !== '') {
      operatorKeyHash = hashSecret(fromEnv);
      await db
        .insertInto('settings')
        .values({ key: operatorKeySetting, value: operatorKeyHash, updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: operatorKeyHash, updated_at: now }))
        .execute();
      return { generated: null };
    }
    const existing = await db.selectFrom('settings').select('value').where('key', '=', operatorKeySetting).executeTakeFirst();
    if (existing !== undefined) {
      operatorKeyHash = existing.value;
      return { generated: null };
    }
    const generated = newOperatorKey();
    const inserted = await db
      .insertInto('settings')
      .values({ key: operatorKeySetting, value: hashSecret(generated), updated_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    // Another process won the race: its key stands and ours was never valid.
    if (inserted.numInsertedOrUpdatedRows !== 1n) return ensureOperatorKey(undefined);
    operatorKeyHash = hashSecret(generated);
    return { generated };
  }

  async function authenticate(secret: string): Promise<Principal | undefined> {
    const hash = hashSecret(secret);
    if (secret.startsWith('ok_')) {
      if (operatorKeyHash === undefined) {
        const row = await store.reader.selectFrom('settings').select('value').where('key', '=', operatorKeySetting).executeTakeFirst();
        operatorKeyHash = row?.value;
      }
      return operatorKeyHash !== undefined && sameSecretHash(hash, operatorKeyHash) ? { type: 'operator' } : undefined;
    }
    if (!secret.startsWith('sk_')) return undefined;
    const nowMs = clock.now().getTime();
    const cached = principals.get(hash);
    if (cached !== undefined && cached.expiresAtMs > nowMs) return cached.principal;
    const row = await store.reader
      .selectFrom('api_keys')
      .innerJoin('merchants', 'merchants.id', 'api_keys.merchant_id')
      .select(['api_keys.id as keyId', 'api_keys.merchant_id as merchantId', 'api_keys.mode as mode', 'merchants.status as status'])
      .where('api_keys.key_hash', '=', hash)
      .where('api_keys.revoked_at', 'is', null)
      .executeTakeFirst();
    if (row === undefined || row.status !== 'active') return undefined;
    const principal: Principal = { type: 'merchant', merchantId: row.merchantId, keyId: row.keyId, mode: row.mode as KeyMode };
    if (principals.size >= principalCacheSizeMax) principals.clear();
    principals.set(hash, { principal, expiresAtMs: nowMs + principalCacheTtlMs });
    return principal;
  }

  async function createCustomer(
    merchantId: string,
    input: NewCustomer,
    idempotency?: IdempotencyScope,
  ): Promise<Customer | Failure<PartyError>> {
    if (input.identity !== undefined && !isValidIdNumber(input.identity.type, input.identity.number)) {
      return fail(PartyError.IdDocumentInvalid, `the ${input.identity.type} number is not valid`);
    }
    const now = clock.now();
    const id = idempotency === undefined ? newId('cus', now.getTime()) : derivedId('cus', idempotency.scope, idempotency.key);
    const requestDigest = digestOf(input);
    const inserted = await db
      .insertInto('customers')
      .values({
        id,
        merchant_id: merchantId,
        name: input.name,
        email: input.email ?? null,
        phone: input.phone ?? null,
        id_type: input.identity?.type ?? null,
        id_number_sealed: input.identity === undefined ? null : cipher.seal(input.identity.number, `customer.id_number:${id}`),
        id_number_hint: input.identity === undefined ? null : maskIdNumber(input.identity.number),
        request_digest: requestDigest,
        created_at: now.toISOString(),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    const row = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    if (inserted.numInsertedOrUpdatedRows !== 1n && (row.request_digest !== requestDigest || row.merchant_id !== merchantId)) {
      return fail(PartyError.IdempotencyConflict, 'this Idempotency-Key created a different customer');
    }
    return toCustomer(row);
  }

  /** A customer is only ever found through its own merchant. */
  async function getCustomer(merchantId: string, id: string): Promise<Customer | Failure<PartyError>> {
    const row = await store.reader
      .selectFrom('customers')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row === undefined ? fail(PartyError.CustomerNotFound, `no customer ${id}`) : toCustomer(row);
  }

  /**
   * The first of these ids that is not a customer of this merchant. A customer's merchant never
   * changes and customers are never deleted, so a positive answer can be remembered for good
   * (bounded); only unknown ids cost a read. This check runs on every wallet movement.
   */
  async function firstMissingCustomer(merchantId: string, customerIds: readonly string[]): Promise<string | undefined> {
    const unknown = customerIds.filter((id) => customerOwners.get(id) !== merchantId);
    if (unknown.length === 0) return undefined;
    const rows = await store.reader
      .selectFrom('customers')
      .select('id')
      .where('merchant_id', '=', merchantId)
      .where('id', 'in', unknown)
      .execute();
    if (customerOwners.size + rows.length > customerOwnersSizeMax) customerOwners.clear();
    for (const row of rows) customerOwners.set(row.id, merchantId);
    return unknown.find((id) => customerOwners.get(id) !== merchantId);
  }

  /** The verified ID number, for modules that must check it (customs, KYC); never for display. */
  async function revealIdNumber(merchantId: string, id: string): Promise<string | null> {
    const row = await store.reader
      .selectFrom('customers')
      .select(['id_number_sealed'])
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row?.id_number_sealed == null ? null : cipher.open(row.id_number_sealed, `customer.id_number:${id}`);
  }

  async function listCustomers(merchantId: string, request: PageRequest): Promise<Page<Customer> | Failure<'cursor_invalid'>> {
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && after === undefined) return fail('cursor_invalid', 'the cursor was not issued by this API');
    const limit = pageLimit(request);
    const rows = await pageQuery(
      store.reader.selectFrom('customers').selectAll().where('merchant_id', '=', merchantId),
      after,
      limit,
    ).execute();
    return toPage(rows, limit, toCustomer);
  }

  return {
    createMerchant,
    getMerchant,
    setMerchantStatus,
    createApiKey,
    revokeApiKey,
    listApiKeys,
    ensureOperatorKey,
    authenticate,
    createCustomer,
    getCustomer,
    firstMissingCustomer,
    revealIdNumber,
    listCustomers,
  };
}

export type Parties = ReturnType<typeof createParties>;

function apiKeyRow(key: ApiKey, keyHash: string): Database['api_keys'] {
  return {
    id: key.id,
    merchant_id: key.merchantId,
    key_hash: keyHash,
    key_hint: key.hint,
    mode: key.mode,
    created_at: key.createdAt,
    revoked_at: key.revokedAt,
  };
}

function toMerchant(row: Selectable<Database['merchants']>): Merchant {
  return {
    id: row.id,
    name: row.name,
    country: row.country,
    settlementCurrency: row.settlement_currency,
    status: row.status as MerchantStatus,
    createdAt: row.created_at,
    city: row.city ?? null,
  };
}

function toApiKey(row: Database['api_keys']): ApiKey {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    hint: row.key_hint,
    mode: row.mode as KeyMode,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

function toCustomer(row: Database['customers']): Customer {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    identity:
      row.id_type === null || row.id_number_hint === null ? null : { type: row.id_type as IdType, numberMasked: row.id_number_hint },
    createdAt: row.created_at,
  };
}
