import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { http, runCli, serverEnv, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';

/**
 * The audit log over the real server and CLI: operator changes are recorded with before and after
 * and the request id; merchants cannot read it; `hutong audit verify` passes, and fails once a row
 * is altered behind the application's back (the append-only trigger has to be dropped to do it).
 */
describeEachStore('audit log', (dialect) => {
  let server: ServerProcess;
  let env: Record<string, string>;
  let operatorKey: string;
  let drop: () => Promise<void>;
  let store: Awaited<ReturnType<typeof freshStore>>['store'];

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    store = fresh.store;
    ({ env, operatorKey } = serverEnv(fresh.store));
    server = await startServer(env, { readyTimeoutMs: 90_000 });
  }, 150_000);
  afterAll(async () => {
    await server?.kill();
    await drop?.();
  });

  it('records operator changes with before, after and request id; verify catches tampering', async () => {
    const merchant = await http(server.url, 'POST', '/v1/merchants', {
      key: operatorKey,
      body: { name: 'Audited', country: 'CN', settlement_currency: 'CNY' },
    });
    const changed = await http(server.url, 'PATCH', '/v1/risk/limits/id', {
      key: operatorKey,
      headers: { 'x-request-id': 'req-audit-1' },
      body: { daily_limit: 50_000 },
    });
    expect(changed.status).toBe(200);
    const log = (await http(server.url, 'GET', '/v1/audit_log', { key: operatorKey })).body.data;
    expect(log[0]).toMatchObject({
      actor: 'operator',
      action: 'PATCH /v1/risk/limits/:level',
      target: 'id',
      request_id: 'req-audit-1',
      before: { daily_limit: 100_000 },
      after: { daily_limit: 50_000 },
    });
    expect(log[1]).toMatchObject({ action: 'POST /v1/merchants', after: { id: merchant.body.id, api_key: { secret_key: '[redacted]' } } });
    expect(JSON.stringify(log)).not.toContain(merchant.body.api_key.secret_key);
    expect((await http(server.url, 'GET', '/v1/audit_log', { key: merchant.body.api_key.secret_key })).status).toBe(403);
    expect((await http(server.url, 'GET', '/v1/audit_log/verify', { key: operatorKey })).body).toMatchObject({ ok: true, rows: 2 });

    const ok = await runCli(['audit', 'verify'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('2 rows, hash chain intact');

    // Tamper: only possible by dropping the append-only trigger first.
    await server.kill();
    const { openStore } = await import('../../src/store/database.js');
    const raw = await openStore(store, { migrate: false });
    await expect(sql`update audit_log set actor = 'someone else' where seq = 1`.execute(raw.db)).rejects.toThrow(/append-only/);
    await sql
      .raw(dialect === 'sqlite' ? 'drop trigger audit_log_no_update' : 'drop trigger audit_log_append_only on audit_log')
      .execute(raw.db);
    await sql`update audit_log set after = ${'{"name":"Someone Else"}'} where seq = 1`.execute(raw.db);
    await raw.close();
    const broken = await runCli(['audit', 'verify'], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('AUDIT LOG BROKEN at row 1');
    server = await startServer(env, { readyTimeoutMs: 90_000 });
  }, 240_000);
});
