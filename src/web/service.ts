import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../core/index.js';
import { fail, type Failure } from '../core/index.js';
import { newId } from '../core/index.js';
import type { Parties, Principal } from '../parties/index.js';
import type { Payment } from '../payments/index.js';
import { toPayment } from '../payments/index.js';
import type { Store } from '../store/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type PageRequest } from '../store/index.js';

/**
 * The web surfaces' state: hosted checkout sessions (a bearer token scoped to one payment, with an
 * expiry) and browser sessions for the dashboard and the operator console (an httpOnly cookie and
 * a CSRF token). Only SHA-256 hashes of the tokens are stored.
 */
export const checkoutTtlMsDefault = 60 * 60 * 1000;
export const checkoutTtlMsMax = 24 * 60 * 60 * 1000;
export const webSessionTtlMs = 8 * 60 * 60 * 1000;
export const checkoutTokenPrefix = 'cs_';
const payableStatuses = new Set(['requires_payment_method', 'requires_action', 'processing']);

export type WebError =
  | 'checkout_session_not_found'
  | 'payment_not_found'
  | 'payment_state_invalid'
  | 'merchant_not_found'
  | 'login_invalid'
  | 'login_email_taken';

export interface DashboardLogin {
  readonly id: string;
  readonly merchantId: string;
  readonly email: string;
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

export const passwordLengthMin = 12;
export const signInFailuresMax = 10;
export const signInWindowMs = 15 * 60 * 1000;
const emailPattern = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,63}$/;
const scryptParams = { N: 16_384, r: 8, p: 1 };

function scryptAsync(password: string, salt: Buffer, params = scryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 32, { ...params, maxmem: 64 * 1024 * 1024 }, (error, key) => (error === null ? resolve(key) : reject(error))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return ['scrypt', scryptParams.N, scryptParams.r, scryptParams.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  const expected = Buffer.from(hash, 'base64url');
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Compared against when the email is unknown, so a wrong email costs as long as a wrong password. */
const decoyHash = hashPassword(randomBytes(16).toString('hex'));

export interface CheckoutSession {
  readonly id: string;
  readonly merchantId: string;
  readonly paymentId: string;
  readonly expiresAt: string;
  readonly createdAt: string;
  /** The way back after paying, when the session has its own (an escrow buyer's: `/escrow/{id}`). */
  readonly returnUrl: string | null;
}

export interface WebSession {
  readonly principal: Principal;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

export interface LedgerLine {
  readonly entryId: string;
  readonly kind: string;
  readonly reason: string;
  readonly pendingId: string | null;
  readonly createdAt: string;
  readonly accountId: string;
  readonly accountCode: string;
  readonly ownerType: string;
  readonly currency: string;
  readonly amountMinor: bigint;
}

export interface VolumeRow {
  readonly date: string;
  readonly currency: string;
  readonly method: string;
  readonly count: number;
  readonly amountMinor: bigint;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createWeb(deps: { store: Store; clock: Clock; parties: Parties; publicBaseUrl: string }) {
  const { store, clock, parties } = deps;
  const checkoutUrl = (token: string) => `${deps.publicBaseUrl}/checkout/${token}`;
  const { db } = store;

  async function paymentOf(merchantId: string, paymentId: string): Promise<Payment | undefined> {
    const row = await store.reader
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', paymentId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row === undefined ? undefined : toPayment(row);
  }

  /** A cashier link for one of the merchant's open payments; the token is returned once. */
  async function createCheckoutSession(
    merchantId: string,
    paymentId: string,
    ttlMs = checkoutTtlMsDefault,
    options: { returnUrl?: string } = {},
  ): Promise<{ session: CheckoutSession; token: string; payment: Payment } | Failure<WebError>> {
    const payment = await paymentOf(merchantId, paymentId);
    if (payment === undefined) return fail('payment_not_found', `no payment ${paymentId}`);
    if (!payableStatuses.has(payment.status))
      return fail('payment_state_invalid', `the payment is ${payment.status}; only an open payment gets a checkout session`);
    const now = clock.now();
    const paymentExpiresMs = Date.parse(payment.expiresAt);
    const expiresMs = Math.min(
      now.getTime() + Math.min(ttlMs, checkoutTtlMsMax),
      Number.isNaN(paymentExpiresMs) ? Infinity : paymentExpiresMs,
    );
    const token = newToken(checkoutTokenPrefix);
    const session: CheckoutSession = {
      id: newId('cs', now.getTime()),
      merchantId,
      paymentId,
      expiresAt: new Date(expiresMs).toISOString(),
      createdAt: now.toISOString(),
      returnUrl: options.returnUrl ?? null,
    };
    await db
      .insertInto('checkout_sessions')
      .values({
        token_hash: hashOf(token),
        id: session.id,
        merchant_id: merchantId,
        payment_id: paymentId,
        expires_at: session.expiresAt,
        created_at: session.createdAt,
        return_url: session.returnUrl,
      })
      .execute();
    return { session, token, payment };
  }

  /** The session behind a cashier token; undefined when unknown or expired. */
  async function checkoutSession(token: string): Promise<CheckoutSession | undefined> {
    if (!token.startsWith(checkoutTokenPrefix)) return undefined;
    const row = await store.reader.selectFrom('checkout_sessions').selectAll().where('token_hash', '=', hashOf(token)).executeTakeFirst();
    if (row === undefined || Date.parse(row.expires_at) <= clock.now().getTime()) return undefined;
    return {
      id: row.id,
      merchantId: row.merchant_id,
      paymentId: row.payment_id,
      expiresAt: row.expires_at,
      createdAt: row.created_at,
      returnUrl: row.return_url ?? null,
    };
  }

  /** The cashier's principal; a suspended merchant's tokens are refused (as its API keys are). */
  async function checkoutPrincipal(token: string): Promise<Principal | Failure<'merchant_suspended'> | undefined> {
    const session = await checkoutSession(token);
    if (session === undefined) return undefined;
    const merchant = await parties.getMerchant(session.merchantId);
    if (merchant === undefined) return undefined;
    if (merchant.status !== 'active') return fail('merchant_suspended', 'the shop cannot take payments now');
    return { type: 'checkout', merchantId: session.merchantId, paymentId: session.paymentId, sessionId: session.id };
  }

  /** Signs a browser in with a secret key (merchant sk_… or operator ok_…); the key is not kept. */
  async function signIn(secret: string): Promise<{ token: string; session: WebSession } | undefined> {
    const principal = await parties.authenticate(secret);
    if (principal === undefined || (principal.type !== 'merchant' && principal.type !== 'operator')) return undefined;
    return openSession(principal, { keyId: principal.type === 'merchant' ? principal.keyId : undefined });
  }

  async function openSession(
    principal: Principal,
    via: { keyId?: string; loginId?: string },
  ): Promise<{ token: string; session: WebSession }> {
    const now = clock.now();
    const token = newToken('ws_');
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = new Date(now.getTime() + webSessionTtlMs).toISOString();
    await db
      .insertInto('web_sessions')
      .values({
        token_hash: hashOf(token),
        kind: principal.type,
        merchant_id: principal.type === 'merchant' ? principal.merchantId : null,
        key_id: via.keyId ?? null,
        login_id: via.loginId ?? null,
        csrf_token: csrfToken,
        expires_at: expiresAt,
        created_at: now.toISOString(),
      })
      .execute();
    return { token, session: { principal, csrfToken, expiresAt } };
  }

  /** The principal of a session cookie; a revoked key or a suspended merchant ends it at once. */
  async function webSession(token: string): Promise<WebSession | undefined> {
    const row = await store.reader.selectFrom('web_sessions').selectAll().where('token_hash', '=', hashOf(token)).executeTakeFirst();
    if (row === undefined || Date.parse(row.expires_at) <= clock.now().getTime()) return undefined;
    if (row.kind === 'operator') return { principal: { type: 'operator' }, csrfToken: row.csrf_token, expiresAt: row.expires_at };
    if (row.login_id !== null) {
      const login = await store.reader
        .selectFrom('dashboard_logins')
        .innerJoin('merchants', 'merchants.id', 'dashboard_logins.merchant_id')
        .select(['dashboard_logins.disabled_at as disabledAt', 'merchants.status as status'])
        .where('dashboard_logins.id', '=', row.login_id)
        .executeTakeFirst();
      if (login === undefined || login.disabledAt !== null || login.status !== 'active') return undefined;
      return {
        principal: { type: 'merchant', merchantId: row.merchant_id as string, keyId: row.login_id, mode: 'test' },
        csrfToken: row.csrf_token,
        expiresAt: row.expires_at,
      };
    }
    const key = await store.reader
      .selectFrom('api_keys')
      .innerJoin('merchants', 'merchants.id', 'api_keys.merchant_id')
      .select(['api_keys.mode as mode', 'api_keys.revoked_at as revokedAt', 'merchants.status as status'])
      .where('api_keys.id', '=', row.key_id ?? '')
      .where('api_keys.merchant_id', '=', row.merchant_id ?? '')
      .executeTakeFirst();
    if (key === undefined || key.revokedAt !== null || key.status !== 'active') return undefined;
    return {
      principal: { type: 'merchant', merchantId: row.merchant_id as string, keyId: row.key_id as string, mode: key.mode as 'test' },
      csrfToken: row.csrf_token,
      expiresAt: row.expires_at,
    };
  }

  /** A dashboard login for a merchant's staff (operator). The password is kept as a scrypt hash. */
  async function createLogin(merchantId: string, input: { email: string; password: string }): Promise<DashboardLogin | Failure<WebError>> {
    const email = input.email.trim().toLowerCase();
    if (!emailPattern.test(email)) return fail('login_invalid', 'the email address is not valid');
    if (input.password.length < passwordLengthMin)
      return fail('login_invalid', `the password needs at least ${passwordLengthMin} characters`);
    if ((await parties.getMerchant(merchantId)) === undefined) return fail('merchant_not_found', `no merchant ${merchantId}`);
    const now = clock.now();
    const login: DashboardLogin = { id: newId('login', now.getTime()), merchantId, email, createdAt: now.toISOString(), disabledAt: null };
    const inserted = await db
      .insertInto('dashboard_logins')
      .values({
        id: login.id,
        merchant_id: merchantId,
        email,
        password_hash: await hashPassword(input.password),
        created_at: login.createdAt,
        disabled_at: null,
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows !== 1n) return fail('login_email_taken', `${email} already has a login`);
    return login;
  }

  async function listLogins(merchantId: string): Promise<DashboardLogin[]> {
    const rows = await store.reader
      .selectFrom('dashboard_logins')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, merchantId: r.merchant_id, email: r.email, createdAt: r.created_at, disabledAt: r.disabled_at }));
  }

  async function disableLogin(merchantId: string, loginId: string): Promise<boolean> {
    const result = await db
      .updateTable('dashboard_logins')
      .set({ disabled_at: clock.now().toISOString() })
      .where('id', '=', loginId)
      .where('merchant_id', '=', merchantId)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async function signInWithPassword(emailGiven: string, password: string): Promise<{ token: string; session: WebSession } | undefined> {
    const row = await store.reader
      .selectFrom('dashboard_logins')
      .innerJoin('merchants', 'merchants.id', 'dashboard_logins.merchant_id')
      .select([
        'dashboard_logins.id as id',
        'dashboard_logins.merchant_id as merchantId',
        'dashboard_logins.password_hash as hash',
        'dashboard_logins.disabled_at as disabledAt',
        'merchants.status as status',
      ])
      .where('dashboard_logins.email', '=', emailGiven.trim().toLowerCase())
      .executeTakeFirst();
    const matches = await passwordMatches(password, row?.hash ?? (await decoyHash));
    if (row === undefined || !matches || row.disabledAt !== null || row.status !== 'active') return undefined;
    return openSession({ type: 'merchant', merchantId: row.merchantId, keyId: row.id, mode: 'test' }, { loginId: row.id });
  }

  /**
   * Failed sign-ins per client address: after `signInFailuresMax` in `signInWindowMs` the address
   * is refused until the window ends. In memory, per node: it slows guessing, it is not an audit.
   */
  const failures = new Map<string, { count: number; resetAtMs: number }>();
  function signInBlocked(client: string): boolean {
    const entry = failures.get(client);
    return entry !== undefined && entry.resetAtMs > clock.now().getTime() && entry.count >= signInFailuresMax;
  }
  function signInFailed(client: string): void {
    const nowMs = clock.now().getTime();
    const entry = failures.get(client);
    if (entry === undefined || entry.resetAtMs <= nowMs) {
      if (failures.size >= 100_000) failures.clear();
      failures.set(client, { count: 1, resetAtMs: nowMs + signInWindowMs });
    } else entry.count++;
  }

  async function signOut(token: string): Promise<void> {
    await db.deleteFrom('web_sessions').where('token_hash', '=', hashOf(token)).execute();
  }

  /**
   * Every ledger line of a payment: its entries, the captures or voids of its holds, and for an
   * escrow payment the trade's own entries (release to the seller with its fee, refunds), which
   * the escrow module links to the trade rather than the payment (issue 12).
   */
  async function paymentLedgerLines(merchantId: string, paymentId: string): Promise<LedgerLine[] | Failure<'payment_not_found'>> {
    if ((await paymentOf(merchantId, paymentId)) === undefined) return fail('payment_not_found', `no payment ${paymentId}`);
    const linked = store.reader
      .selectFrom('ledger_entries')
      .select('id')
      .where('link_type', '=', 'payment')
      .where('link_id', '=', paymentId);
    const rows = await store.reader
      .selectFrom('ledger_entries as e')
      .innerJoin('ledger_postings as p', 'p.entry_id', 'e.id')
      .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
      .select([
        'e.id as entryId',
        'e.kind as kind',
        'e.reason as reason',
        'e.pending_id as pendingId',
        'e.created_at as createdAt',
        'p.account_id as accountId',
        'a.code as accountCode',
        'a.owner_type as ownerType',
        'p.currency as currency',
        'p.amount as amount',
        'p.seq as seq',
      ])
      .where((eb) =>
        eb.or([
          eb.and([eb('e.link_type', '=', 'payment'), eb('e.link_id', '=', paymentId)]),
          eb('e.pending_id', 'in', linked),
          eb.and([
            eb('e.link_type', '=', 'escrow'),
            eb('e.link_id', 'in', store.reader.selectFrom('escrows').select('id').where('payment_id', '=', paymentId)),
          ]),
        ]),
      )
      .orderBy('e.created_at')
      .orderBy('e.id')
      .orderBy('p.seq')
      .execute();
    return rows.map((r) => ({
      entryId: r.entryId,
      kind: r.kind,
      reason: r.reason,
      pendingId: r.pendingId,
      createdAt: r.createdAt,
      accountId: r.accountId,
      accountCode: r.accountCode,
      ownerType: r.ownerType,
      currency: r.currency,
      amountMinor: BigInt(r.amount),
    }));
  }

  /** Captured volume per UTC day, currency and method over the last `days` days (today included). */
  async function dailyVolume(merchantId: string, days: number): Promise<VolumeRow[]> {
    const since = new Date(clock.now().getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const day = sql<string>`substr(created_at, 1, 10)`;
    const rows = await store.reader
      .selectFrom('payments')
      .select([
        day.as('date'),
        'currency',
        sql<string>`coalesce(method_type, 'none')`.as('method'),
        sql<string>`count(*)`.as('count'),
        sql<string>`sum(amount_captured)`.as('amount'),
      ])
      .where('merchant_id', '=', merchantId)
      .where('created_at', '>=', since)
      .where('amount_captured', '>', 0n)
      .groupBy([day, 'currency', sql`coalesce(method_type, 'none')`])
      .orderBy(day)
      .execute();
    return rows.map((r) => ({
      date: r.date,
      currency: r.currency,
      method: r.method,
      count: Number(r.count),
      amountMinor: BigInt(r.amount),
    }));
  }

  async function listMerchants(request: PageRequest) {
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && after === undefined) return fail('cursor_invalid', 'the cursor was not issued by this API');
    const limit = pageLimit(request);
    const rows = await pageQuery(store.reader.selectFrom('merchants').selectAll(), after, limit).execute();
    return toPage(rows, limit, (r) => ({
      id: r.id,
      name: r.name,
      country: r.country,
      settlementCurrency: r.settlement_currency,
      status: r.status as 'active' | 'suspended',
      createdAt: r.created_at,
      city: r.city,
    }));
  }

  return {
    signInBlocked,
    signInFailed,
    createLogin,
    listLogins,
    disableLogin,
    signInWithPassword,
    checkoutUrl,
    createCheckoutSession,
    checkoutSession,
    checkoutPrincipal,
    signIn,
    webSession,
    signOut,
    paymentLedgerLines,
    dailyVolume,
    listMerchants,
    paymentOf,
  };
}

export type Web = ReturnType<typeof createWeb>;
