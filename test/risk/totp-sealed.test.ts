import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHutong, type Hutong } from '../../src/app.js';
import { ManualClock } from '../../src/core/clock.js';
import { describeEachStore, freshStore, testConfig } from '../support/stores.js';

/**
 * Operators' TOTP secrets are sealed with the vault key (AES-256-GCM, bound to the row): the
 * database never holds one in the clear, a secret stored in the clear before migration 029 is
 * sealed by the next start, and signing in still works with either.
 */
describeEachStore('TOTP secrets sealed with the vault', (dialect) => {
  const clock = new ManualClock(new Date('2026-05-01T02:00:00Z'));
  const vaultKey = randomBytes(32);
  let store: Awaited<ReturnType<typeof freshStore>>;
  let h: Hutong;
  let operatorKey: string;

  beforeAll(async () => {
    store = await freshStore(dialect);
    h = await createHutong(testConfig(store.store), { clock, logger: false, vaultKey });
    operatorKey = (await h.services.parties.ensureOperatorKey(undefined)).generated as string;
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await store?.drop();
  });

  async function call(method: string, url: string, body: object, key?: string) {
    const r = await h.server.inject({
      method: method as 'POST',
      url,
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
      payload: body,
    });
    return { status: r.statusCode, body: JSON.parse(r.body) };
  }
  const rows = () => h.services.store.reader.selectFrom('risk_operators').select(['id', 'login', 'totp_secret']).orderBy('login').execute();

  /** Everything the database holds that could carry the secret: the operators' rows and the audit log. */
  async function databaseText(): Promise<string> {
    const reader = h.services.store.reader;
    const parts = [
      JSON.stringify(await reader.selectFrom('risk_operators').selectAll().execute(), (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
      JSON.stringify(await reader.selectFrom('audit_log').selectAll().execute(), (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
    ];
    // The embedded store: the file itself (and its write-ahead log), byte for byte.
    if (store.store.dialect === 'sqlite')
      for (const file of [store.store.path, `${store.store.path}-wal`])
        if (existsSync(file)) parts.push(readFileSync(file).toString('latin1'));
    return parts.join('\n');
  }

  it('stores a new secret sealed, opens it to sign in, and keeps it out of the audit log', async () => {
    const made = await call(
      'POST',
      '/v1/operators',
      { login: 'sealed@hutong.test', name: 'Sealed', role: 'risk', password: 'a long enough password' },
      operatorKey,
    );
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const secret = made.body.totp_secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    const [row] = await rows();
    expect(row?.totp_secret).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(await databaseText()).not.toContain(secret);

    const signedIn = await call('POST', '/v1/operator_sessions', {
      login: 'sealed@hutong.test',
      password: 'a long enough password',
      code: authenticator.clone({ epoch: clock.now().getTime() }).generate(secret),
    });
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(201);

    // The sealed value is bound to its row: copied onto another operator it does not open.
    const other = await call(
      'POST',
      '/v1/operators',
      { login: 'other@hutong.test', name: 'Other', role: 'support', password: 'a long enough password' },
      operatorKey,
    );
    await h.services.store.db
      .updateTable('risk_operators')
      .set({ totp_secret: row?.totp_secret as string })
      .where('id', '=', other.body.id)
      .execute();
    clock.advance(60_000);
    const copied = await call('POST', '/v1/operator_sessions', {
      login: 'other@hutong.test',
      password: 'a long enough password',
      code: authenticator.clone({ epoch: clock.now().getTime() }).generate(secret),
    });
    expect(copied.status).toBeGreaterThanOrEqual(400);
  });

  it('seals a secret left in the clear from before migration 029 at the next start', async () => {
    const plain = authenticator.generateSecret(20);
    await h.services.store.db
      .insertInto('risk_operators')
      .values({
        id: 'op_legacy',
        login: 'legacy@hutong.test',
        name: 'Legacy',
        role: 'finance',
        password_hash: (await h.services.store.reader.selectFrom('risk_operators').select('password_hash').executeTakeFirstOrThrow())
          .password_hash,
        totp_secret: plain,
        totp_last_step: 0n,
        failed_attempts: 0n,
        locked_until: null,
        status: 'active',
        created_at: clock.now().toISOString(),
        updated_at: clock.now().toISOString(),
      })
      .execute();
    expect((await rows()).find((r) => r.login === 'legacy@hutong.test')?.totp_secret).toBe(plain);

    // A restart (a new instance on the same database) runs the data step.
    await h.close();
    h = await createHutong(testConfig(store.store), { clock, logger: false, vaultKey });
    const legacy = (await rows()).find((r) => r.login === 'legacy@hutong.test');
    expect(legacy?.totp_secret).toMatch(/^v1\./);
    expect(await databaseText()).not.toContain(plain);
    expect(await h.services.risk.operators.sealPlainSecrets()).toBe(0);

    clock.advance(120_000);
    const signedIn = await call('POST', '/v1/operator_sessions', {
      login: 'legacy@hutong.test',
      password: 'a long enough password',
      code: authenticator.clone({ epoch: clock.now().getTime() }).generate(plain),
    });
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(201);
  }, 60_000);
});
