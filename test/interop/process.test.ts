import { afterAll, beforeAll, expect, it } from 'vitest';
import { serverEnv, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';

/**
 * The started `hutong start` (with its in-process sandbox switch) over HTTP: eight apps race to pay
 * one dynamic code, exactly one is charged; after kill -9 and a restart the code is still paid once.
 */
describeEachStore('collection codes on the started service', (dialect) => {
  let server: ServerProcess;
  let env: Record<string, string>;
  let operatorKey: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    ({ env, operatorKey } = serverEnv(fresh.store));
    server = await startServer(env, { readyTimeoutMs: 150_000 });
  }, 180_000);
  afterAll(async () => {
    await server?.kill();
    await drop?.();
  });

  const json = async (method: string, url: string, key: string | undefined, body?: unknown) => {
    const res = await fetch(url, {
      method,
      headers: {
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('eight apps race for one dynamic code: one pays, seven are declined; kill -9 and restart keep it paid once', async () => {
    const merchant = await json('POST', `${server.url}/v1/merchants`, operatorKey, {
      name: 'Race Tea',
      country: 'CN',
      settlement_currency: 'CNY',
    });
    expect(merchant.status).toBe(201);
    const key = merchant.body.api_key.secret_key as string;
    const switchUrl = (await json('GET', `${server.url}/v1/interop/switch`, key)).body.url as string;
    expect(switchUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const code = await json('POST', `${server.url}/v1/collection_codes`, key, {
      kind: 'dynamic',
      currency: 'CNY',
      amount: 1_888,
      city: 'Hangzhou',
    });
    expect(code.status).toBe(201);

    const apps = ['wechat_sandbox', 'alipay_sandbox', 'quickpass_sandbox'];
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        json('POST', `${switchUrl}/apps/${apps[i % 3]}/scan`, undefined, { payload: code.body.payload, user: `racer${i}` }),
      ),
    );
    const paid = results.filter((r) => r.body.status === 'paid');
    expect(paid).toHaveLength(1);
    expect(results.filter((r) => r.body.reason === 'collection_code_used')).toHaveLength(7);

    await server.kill();
    server = await startServer(env, { readyTimeoutMs: 150_000 });
    const after = await json('GET', `${server.url}/v1/collection_codes/${code.body.id}`, key);
    expect(after.body.status).toBe('paid');
    const events = await json('GET', `${server.url}/v1/events?limit=100`, key);
    expect(events.body.data.filter((e: { type: string }) => e.type === 'collection_code.paid')).toHaveLength(1);
    expect(events.body.data.find((e: { type: string }) => e.type === 'collection_code.paid').data.object).toMatchObject({
      amount: 1_888,
      status: 'paid',
    });
  }, 300_000);
});
