import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { authenticator } from 'otplib';
import { type Clock, fail, type Failure, newId } from '../core/index.js';
import type { Store, Writer } from '../store/index.js';
import { RiskError } from './errors.js';
import type { NewOperator, Operator, OperatorSession } from './model.js';
import { isOperatorRole, type OperatorRole } from './roles.js';

/**
 * Operator accounts (issue 16): a password (scrypt) and a TOTP second factor (RFC 6238, 30-second
 * steps, one step of drift either way; a step once accepted is never accepted again, so a code seen
 * over a shoulder cannot be replayed), then a session whose bearer token starts `os_` (only its
 * SHA-256 is stored). Five failures lock the account for 15 minutes.
 */
export const operatorSessionPrefix = 'os_';
const sessionTtlMs = 8 * 60 * 60 * 1000;
const failuresMax = 5;
const lockMs = 15 * 60 * 1000;
const stepMs = 30_000;
const scryptParams = { N: 16_384, r: 8, p: 1 };

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 32, { ...scryptParams, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    ),
  );
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64url')}$${(await derive(password, salt)).toString('base64url')}`;
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [, salt, hash] = stored.split('$');
  if (salt === undefined || hash === undefined) return false;
  const key = await derive(password, Buffer.from(salt, 'base64url'));
  const expected = Buffer.from(hash, 'base64url');
  return key.length === expected.length && timingSafeEqual(key, expected);
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** The time step the code belongs to (now, or one step before or after), if it is right. */
export function totpStep(secret: string, code: string, nowMs: number): number | undefined {
  const step = Math.floor(nowMs / stepMs);
  for (const s of [step, step - 1, step + 1]) {
    const expected = authenticator.clone({ epoch: s * stepMs }).generate(secret);
    if (expected.length === code.length && timingSafeEqual(Buffer.from(expected), Buffer.from(code))) return s;
  }
  return undefined;
}

/** The vault's cipher (src/vault, bound in src/app.ts): TOTP secrets are stored sealed, as card numbers are. */
export interface SecretSealer {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

/** The additional authenticated data of an operator's sealed secret: it opens only in its own row. */
const totpContext = (operatorId: string) => `risk_operators.totp_secret:${operatorId}`;
const isSealed = (value: string) => value.startsWith('v1.');

export function createOperators(deps: { store: Store; writer: Writer; clock: Clock; sealer: SecretSealer }) {
  const { store, writer, clock, sealer } = deps;
  const decoy = hashPassword(randomBytes(12).toString('hex'));
  const view = (r: { id: string; login: string; name: string; role: string; status: string; created_at: string }): Operator => ({
    id: r.id,
    login: r.login,
    name: r.name,
    role: r.role as OperatorRole,
    status: r.status as Operator['status'],
    createdAt: r.created_at,
  });
  const columns = ['id', 'login', 'name', 'role', 'status', 'created_at'] as const;

  async function create(input: NewOperator): Promise<{ operator: Operator; totpSecret: string; totpUri: string } | Failure<RiskError>> {
    if (!isOperatorRole(input.role)) return fail(RiskError.OperatorInvalid, `role must be one of admin, finance, risk, support`);
    if (input.password.length < 12) return fail(RiskError.OperatorInvalid, 'the password needs at least 12 characters');
    const totpSecret = authenticator.generateSecret(20);
    const at = clock.now().toISOString();
    const id = newId('op');
    const row = {
      id,
      login: input.login,
      name: input.name,
      role: input.role,
      password_hash: await hashPassword(input.password),
      totp_secret: sealer.seal(totpSecret, totpContext(id)),
      totp_last_step: 0n,
      failed_attempts: 0n,
      locked_until: null,
      status: 'active',
      created_at: at,
      updated_at: at,
    };
    const inserted = await writer.run(
      async (trx) => {
        const taken = await trx.selectFrom('risk_operators').select('id').where('login', '=', input.login).executeTakeFirst();
        if (taken !== undefined) return false;
        await trx.insertInto('risk_operators').values(row).execute();
        return true;
      },
      { keys: [`risk/operators/${input.login}`] },
    );
    if (!inserted) return fail(RiskError.OperatorExists, `an operator ${input.login} exists`);
    return { operator: view(row), totpSecret, totpUri: authenticator.keyuri(input.login, 'Hutong', totpSecret) };
  }

  async function signIn(login: string, password: string, code: string): Promise<OperatorSession | Failure<RiskError>> {
    const now = clock.now();
    const row = await store.reader.selectFrom('risk_operators').selectAll().where('login', '=', login).executeTakeFirst();
    const refused = fail(RiskError.OperatorSignInFailed, 'wrong login, password or one-time code');
    if (row === undefined) {
      await passwordMatches(password, await decoy);
      return refused;
    }
    if (row.status !== 'active') return refused;
    if (row.locked_until !== null && row.locked_until > now.toISOString())
      return fail(RiskError.OperatorLocked, `too many failed sign-ins; try again after ${row.locked_until}`);
    const step = (await passwordMatches(password, row.password_hash)) ? totpStep(secretOf(row), code, now.getTime()) : undefined;
    const token = `${operatorSessionPrefix}${randomBytes(24).toString('base64url')}`;
    const expiresAt = new Date(now.getTime() + sessionTtlMs).toISOString();
    const csrfToken = randomBytes(24).toString('base64url');
    const ok = await writer.run(
      async (trx) => {
        if (step === undefined || BigInt(step) <= row.totp_last_step) {
          const failures = row.failed_attempts + 1n;
          await trx
            .updateTable('risk_operators')
            .set({
              failed_attempts: failures >= BigInt(failuresMax) ? 0n : failures,
              locked_until: failures >= BigInt(failuresMax) ? new Date(now.getTime() + lockMs).toISOString() : row.locked_until,
              updated_at: now.toISOString(),
            })
            .where('id', '=', row.id)
            .execute();
          return false;
        }
        // The step moves forward only once: two sign-ins with the same code, one wins.
        const moved = await trx
          .updateTable('risk_operators')
          .set({ totp_last_step: BigInt(step), failed_attempts: 0n, locked_until: null, updated_at: now.toISOString() })
          .where('id', '=', row.id)
          .where('totp_last_step', '<', BigInt(step))
          .executeTakeFirst();
        if (moved.numUpdatedRows !== 1n) return false;
        await trx
          .insertInto('risk_operator_sessions')
          .values({
            token_hash: tokenHash(token),
            operator_id: row.id,
            created_at: now.toISOString(),
            expires_at: expiresAt,
            revoked_at: null,
            csrf_token: csrfToken,
          })
          .execute();
        return true;
      },
      { keys: [`risk/operators/${row.login}`] },
    );
    return ok ? { token, expiresAt, operator: view(row), csrfToken } : refused;
  }

  function secretOf(row: { id: string; totp_secret: string }): string {
    return isSealed(row.totp_secret) ? sealer.open(row.totp_secret, totpContext(row.id)) : row.totp_secret;
  }

  /**
   * The data half of migration 029 (it needs the vault key, which migrations do not have): every
   * TOTP secret still stored in the clear is sealed, each under its own row's context. Run by every
   * start; two nodes at once seal a row once (the update matches the plain value only).
   */
  async function sealPlainSecrets(): Promise<number> {
    const rows = await store.reader
      .selectFrom('risk_operators')
      .select(['id', 'totp_secret'])
      .where('totp_secret', 'not like', 'v1.%')
      .execute();
    let sealed = 0;
    for (const r of rows) {
      const done = await writer.run((trx) =>
        trx
          .updateTable('risk_operators')
          .set({ totp_secret: sealer.seal(r.totp_secret, totpContext(r.id)) })
          .where('id', '=', r.id)
          .where('totp_secret', '=', r.totp_secret)
          .executeTakeFirst(),
      );
      if (done.numUpdatedRows === 1n) sealed++;
    }
    // SQLite keeps a deleted value in free pages of the file (and in its write-ahead log) until they
    // are reused: the file is rebuilt and the log emptied, so no plain secret stays on disk.
    if (sealed > 0 && store.dialect === 'sqlite') {
      await sql`vacuum`.execute(store.db);
      await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
    }
    return sealed;
  }

  async function session(token: string): Promise<{ operator: Operator; csrfToken: string; expiresAt: string } | undefined> {
    const row = await store.reader
      .selectFrom('risk_operator_sessions as s')
      .innerJoin('risk_operators as o', 'o.id', 's.operator_id')
      .select(['o.id', 'o.login', 'o.name', 'o.role', 'o.status', 'o.created_at', 's.expires_at', 's.revoked_at', 's.csrf_token'])
      .where('s.token_hash', '=', tokenHash(token))
      .executeTakeFirst();
    if (row === undefined || row.revoked_at !== null || row.status !== 'active' || row.expires_at <= clock.now().toISOString())
      return undefined;
    return { operator: view(row), csrfToken: row.csrf_token ?? '', expiresAt: row.expires_at };
  }

  async function authenticate(token: string): Promise<Operator | undefined> {
    return (await session(token))?.operator;
  }

  async function signOut(token: string): Promise<void> {
    await writer.run((trx) =>
      trx
        .updateTable('risk_operator_sessions')
        .set({ revoked_at: clock.now().toISOString() })
        .where('token_hash', '=', tokenHash(token))
        .where('revoked_at', 'is', null)
        .execute(),
    );
  }

  async function list(): Promise<Operator[]> {
    return (await store.reader.selectFrom('risk_operators').select(columns).orderBy('created_at').execute()).map(view);
  }

  async function change(
    id: string,
    set: { role?: string; status?: 'active' | 'disabled' },
  ): Promise<{ before: Operator; after: Operator } | Failure<RiskError>> {
    if (set.role !== undefined && !isOperatorRole(set.role))
      return fail(RiskError.OperatorInvalid, 'role must be one of admin, finance, risk, support');
    const before = await store.reader.selectFrom('risk_operators').select(columns).where('id', '=', id).executeTakeFirst();
    if (before === undefined) return fail(RiskError.OperatorNotFound, `no operator ${id}`);
    const at = clock.now().toISOString();
    await writer.run(
      async (trx) => {
        await trx
          .updateTable('risk_operators')
          .set({ ...set, updated_at: at })
          .where('id', '=', id)
          .execute();
        // A disabled operator's or a changed role's sessions end now.
        await trx
          .updateTable('risk_operator_sessions')
          .set({ revoked_at: at })
          .where('operator_id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
      },
      { keys: [`risk/operators/${before.login}`] },
    );
    const after = await store.reader.selectFrom('risk_operators').select(columns).where('id', '=', id).executeTakeFirstOrThrow();
    return { before: view(before), after: view(after) };
  }

  return { create, signIn, authenticate, session, signOut, list, change, sealPlainSecrets };
}

export type Operators = ReturnType<typeof createOperators>;
