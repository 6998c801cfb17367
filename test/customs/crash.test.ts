import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { platform, startCustomsWorld, type CustomsWorld } from '../../sandbox/customs/index.js';
import { http, serverEnv, sleep, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';

/**
 * kill -9 while a CEB411 is in flight: customs (slow) has taken the message, Hutong never got the
 * answer. After the restart the push is retried with the same bytes and guid, customs answers it as
 * the message it already has, and the declaration ends accepted with exactly one payment slip.
 */
describeEachStore('customs: kill -9 during a push', (dialect) => {
  let world: CustomsWorld;
  let drop: () => Promise<void> = async () => undefined;
  let dir: string;
  const servers: ServerProcess[] = [];
  let env: Record<string, string>;
  let operatorKey: string;

  beforeAll(async () => {
    world = await startCustomsWorld();
    dir = mkdtempSync(join(tmpdir(), 'hutong-customs-'));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(join(dir, 'hutong.key'), privateKeyPem);
    writeFileSync(join(dir, 'customs.pub'), world.customs.certificate.publicKeyPem);
    const registered = await fetch(`${world.customs.baseUrl}/ceb/declarants`, {
      method: 'POST',
      body: JSON.stringify({
        copCode: '110196000T',
        copName: 'Hutong',
        certNo: 'HUTONG-CUSTOMS-01',
        publicKeyPem: createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString(),
      }),
    });
    expect(registered.status).toBe(201);
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    const config = serverEnv(fresh.store);
    operatorKey = config.operatorKey;
    env = {
      ...config.env,
      HUTONG_CUSTOMS_URL: world.customs.baseUrl,
      HUTONG_CUSTOMS_KEY_FILE: join(dir, 'hutong.key'),
      HUTONG_CUSTOMS_PUBLIC_KEY_FILE: join(dir, 'customs.pub'),
      HUTONG_CUSTOMS_PUSH_LEASE_MS: '2000',
    };
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(servers.map((s) => s.kill()));
    await world?.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the declaration is accepted after the restart, with one CEB411', async () => {
    const first = await startServer(env);
    servers.push(first);
    const api = (method: string, path: string, key: string, body?: unknown) => http(first.url, method, path, { key, body });
    const m = await api('POST', '/v1/merchants', operatorKey, { name: 'Mall', country: 'CN', settlement_currency: 'CNY' });
    const key = m.body.api_key.secret_key as string;
    const idNumber = '11010519491231002X';
    const c = await api('POST', '/v1/customers', key, { name: 'Li Lei', identity: { type: 'resident_id', number: idNumber } });
    await api('POST', `/v1/customers/${c.body.id}/top_ups`, key, { amount: 30_000, currency: 'CNY' });
    const p = await api('POST', '/v1/payments', key, {
      amount: 30_000,
      currency: 'CNY',
      merchant_order_id: 'crash-1',
      customer: c.body.id,
      import_order: { payer_name: 'Li Lei', id_type: 'resident_id', id_number: idNumber },
    });
    const paid = await api('POST', `/v1/payments/${p.body.id}/confirm`, key, { payment_method: { type: 'wallet', customer: c.body.id } });
    expect(paid.body.status).toBe('succeeded');
    expect(
      (await api('POST', '/v1/customs/registrations', key, { customs_office: '0101', ebp_code: platform.code, ebp_name: 'Mall' })).status,
    ).toBe(200);

    world.customs.setDelayMs(3_000);
    const before = world.customs.messagesReceived();
    const d = await api('POST', '/v1/customs_declarations', key, {
      payment: p.body.id,
      customs_office: '0101',
      order_no: 'SO-CRASH-1',
      payer: { name: 'Li Lei', id_type: 'resident_id', id_number: idNumber },
    });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    for (let i = 0; i < 200 && world.customs.messagesReceived() === before; i++) await sleep(20);
    expect(world.customs.messagesReceived(), 'the push reached customs').toBe(before + 1);
    await first.kill();
    world.customs.setDelayMs(0);
    await sleep(3_500); // customs finishes taking the message in; Hutong is gone

    const second = await startServer(env);
    servers.push(second);
    let got: { status: number; body: { status: string; history: { status: string }[]; guid: string } } | undefined;
    for (let i = 0; i < 100; i++) {
      got = (await http(second.url, 'GET', `/v1/customs_declarations/${d.body.id}`, { key })) as typeof got;
      if (got?.body.status === 'accepted') break;
      await sleep(200);
    }
    expect(got?.body.status).toBe('accepted');
    expect(got?.body.guid).toBe(d.body.guid);
    expect(world.customs.paymentSlips(p.body.id), 'exactly one CEB411 for this version').toBe(1);
    // Whether the restarted process pushes the stored bytes again (lease expired first) or learns the
    // receipt by polling first is a race; either way customs holds one CEB411 for this version.
    expect(world.customs.messagesReceived() - before, 'the push reached customs').toBeGreaterThanOrEqual(1);
  }, 120_000);
});
