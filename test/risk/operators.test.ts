import { authenticator } from 'otplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { http, serverEnv, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';

/**
 * Operator accounts over the real server: password + TOTP sign-in, a code never accepted twice,
 * lockout, least privilege per role, four-eyes on one's own account, sign-out, and every action
 * in the audit log under the operator's own name. The ok_ key keeps working (role automation).
 */
describeEachStore('operator accounts', (dialect) => {
  let server: ServerProcess;
  let operatorKey: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    const made = serverEnv(fresh.store);
    operatorKey = made.operatorKey;
    server = await startServer(made.env, { readyTimeoutMs: 90_000 });
  }, 150_000);
  afterAll(async () => {
    await server?.kill();
    await drop?.();
  });

  const password = 'correct horse battery';
  async function enrol(login: string, role: string): Promise<{ id: string; secret: string }> {
    const made = await http(server.url, 'POST', '/v1/operators', { key: operatorKey, body: { login, name: login, role, password } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.totp_uri).toContain('otpauth://totp/');
    return { id: made.body.id, secret: made.body.totp_secret };
  }
  const signIn = (login: string, body: Record<string, string>) =>
    http(server.url, 'POST', '/v1/operator_sessions', { body: { login, password, ...body } });

  it('signs in with password and TOTP; refuses a replayed code, a wrong one, and locks after five failures', async () => {
    const alice = await enrol('alice', 'risk');
    const code = authenticator.generate(alice.secret);
    const wrongPassword = await http(server.url, 'POST', '/v1/operator_sessions', {
      body: { login: 'alice', password: 'nope nope nope', code },
    });
    expect(wrongPassword.status).toBe(401);
    const [first, second] = await Promise.all([signIn('alice', { code }), signIn('alice', { code })]);
    expect([first.status, second.status].sort()).toEqual([201, 401]);
    const session = (first.status === 201 ? first : second).body;
    expect(session.token).toMatch(/^os_/);
    expect(session.operator).toMatchObject({ login: 'alice', role: 'risk' });
    expect((await signIn('alice', { code })).status).toBe(401);
    expect((await signIn('nobody', { code })).status).toBe(401);
    expect((await http(server.url, 'POST', '/v1/operator_sessions', { body: { login: 'alice', password, code: '12ab56' } })).status).toBe(
      400,
    );

    const bob = await enrol('bob', 'support');
    for (let i = 0; i < 5; i++) expect((await signIn('bob', { code: '000000' })).status).toBe(401);
    const locked = await signIn('bob', { code: authenticator.generate(bob.secret) });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('operator_locked');
  }, 120_000);

  it('limits each role to its area; four-eyes on one’s own account; sign-out ends the session; all audited', async () => {
    const carol = await enrol('carol', 'support');
    const dave = await enrol('dave', 'admin');
    const support = (await signIn('carol', { code: authenticator.generate(carol.secret) })).body.token as string;
    const admin = (await signIn('dave', { code: authenticator.generate(dave.secret) })).body.token as string;

    // support reads, never changes
    expect((await http(server.url, 'GET', '/v1/risk/limits', { key: support })).status).toBe(200);
    const refused = await http(server.url, 'PATCH', '/v1/risk/limits/id', { key: support, body: { daily_limit: 1 } });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('operator_forbidden');
    expect(
      (await http(server.url, 'POST', '/v1/merchants', { key: support, body: { name: 'X', country: 'CN', settlement_currency: 'CNY' } }))
        .status,
    ).toBe(403);
    expect((await http(server.url, 'GET', '/v1/operators', { key: support })).status).toBe(403);

    // admin creates merchants and manages operators, but not its own account
    const merchant = await http(server.url, 'POST', '/v1/merchants', {
      key: admin,
      body: { name: 'Op Shop', country: 'CN', settlement_currency: 'CNY' },
    });
    expect(merchant.status).toBe(201);
    expect((await http(server.url, 'PATCH', `/v1/operators/${dave.id}`, { key: admin, body: { role: 'support' } })).body.code).toBe(
      'four_eyes_required',
    );
    const raised = await http(server.url, 'PATCH', `/v1/operators/${carol.id}`, { key: admin, body: { role: 'risk' } });
    expect(raised.status).toBe(200);
    expect(raised.body.role).toBe('risk');
    // a role change ends the operator's sessions
    expect((await http(server.url, 'GET', '/v1/risk/limits', { key: support })).status).toBe(401);
    // a merchant key is not an operator, whatever it tries
    expect((await http(server.url, 'GET', '/v1/operators', { key: merchant.body.api_key.secret_key })).status).toBe(403);
    // the ok_ key still works (automation)
    expect((await http(server.url, 'GET', '/v1/operators', { key: operatorKey })).status).toBe(200);

    expect((await http(server.url, 'DELETE', '/v1/operator_sessions/current', { key: admin })).status).toBe(204);
    expect((await http(server.url, 'GET', '/v1/risk/limits', { key: admin })).status).toBe(401);

    const log = (await http(server.url, 'GET', '/v1/audit_log?limit=100', { key: operatorKey })).body.data as Record<string, unknown>[];
    const actions = log.map((r) => `${r.actor as string} ${r.action as string}`);
    expect(actions).toContain('operator:dave POST /v1/merchants');
    expect(actions).toContain('operator:dave PATCH /v1/operators/:id');
    expect(actions).toContain('operator:dave DELETE /v1/operator_sessions/current');
    expect(actions).toContain('operator:carol sign in');
    expect(actions).toContain('operator:bob sign in refused');
    expect(actions).toContain('operator POST /v1/operators');
    expect(JSON.stringify(log)).not.toContain(carol.secret);
    const change = log.find((r) => r.action === 'PATCH /v1/operators/:id');
    expect(change).toMatchObject({ before: { role: 'support' }, after: { role: 'risk' }, target: carol.id });
    expect((await http(server.url, 'GET', '/v1/audit_log/verify', { key: operatorKey })).body.ok).toBe(true);
  }, 120_000);
});
