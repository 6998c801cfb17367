import { afterAll, beforeAll, expect, it } from 'vitest';
import { http, serverEnv, startServer, type ServerProcess } from '../support/process.js';
import { describeEachStore, freshStore } from '../support/stores.js';

/**
 * The import limits are customs' (src/customs/limits.ts) and count a person across merchants:
 * against `hutong start` in second processes — two of them on one PostgreSQL database, one on
 * SQLite — a buyer with CNY 25,000 of the year's CNY 26,000 spent at one merchant pays CNY 800
 * orders (sixteen) at two merchants at once, through both processes: exactly one fits, the others get
 * 422 import_annual_limit_exceeded, and nothing is taken from their wallets.
 */
function residentId(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * (weights[i] as number), 0);
  return first17 + '10X98765432'.charAt(sum % 11);
}

type Shop = { key: string; customer: string };

describeEachStore('customs: the yearly import allowance across merchants and processes', (dialect) => {
  const nodes: ServerProcess[] = [];
  let operatorKey = '';
  let drop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    const config = serverEnv(fresh.store);
    operatorKey = config.operatorKey;
    nodes.push(await startServer(config.env, { readyTimeoutMs: 180_000 }));
    // Two nodes share one PostgreSQL database (and the vault key); SQLite is one process's store.
    if (dialect === 'postgres') nodes.push(await startServer(config.env, { readyTimeoutMs: 180_000 }));
  }, 400_000);

  afterAll(async () => {
    for (const node of nodes) await node.kill();
    await drop();
  });

  const nodeOf = (i: number) => nodes[i % nodes.length] as ServerProcess;

  it('the last allowance is spent once: concurrent confirms at two merchants on two nodes, one succeeds', async () => {
    const idNumber = residentId(`3101151985061${dialect === 'sqlite' ? '1' : '2'}002`);
    const payer = { payer_name: 'Han Meimei', id_type: 'resident_id', id_number: idNumber };
    const shops: Shop[] = [];
    for (const [i, name] of ['Mall A', 'Mall B'].entries()) {
      const node = nodeOf(i);
      const m = await http(node.url, 'POST', '/v1/merchants', {
        key: operatorKey,
        body: { name, country: 'CN', settlement_currency: 'CNY' },
      });
      expect(m.status, JSON.stringify(m.body)).toBe(201);
      const key = m.body.api_key.secret_key as string;
      const c = await http(node.url, 'POST', '/v1/customers', {
        key,
        body: { name: payer.payer_name, identity: { type: 'resident_id', number: idNumber } },
      });
      expect(c.status, JSON.stringify(c.body)).toBe(201);
      const top = await http(node.url, 'POST', `/v1/customers/${c.body.id}/top_ups`, { key, body: { amount: 3_000_000, currency: 'CNY' } });
      expect(top.status, JSON.stringify(top.body)).toBe(201);
      shops.push({ key, customer: c.body.id as string });
    }
    const [a, b] = shops as [Shop, Shop];
    let n = 0;
    const order = async (node: ServerProcess, shop: Shop, amount: number) => {
      const p = await http(node.url, 'POST', '/v1/payments', {
        key: shop.key,
        body: { amount, currency: 'CNY', merchant_order_id: `limit-${dialect}-${n++}`, customer: shop.customer, import_order: payer },
      });
      expect(p.status, JSON.stringify(p.body)).toBe(201);
      return p.body.id as string;
    };
    const confirm = (node: ServerProcess, shop: Shop, id: string) =>
      http(node.url, 'POST', `/v1/payments/${id}/confirm`, {
        key: shop.key,
        body: { payment_method: { type: 'wallet', customer: shop.customer } },
        timeoutMs: 60_000,
      });
    const walletOf = async (shop: Shop) => {
      const list = await http(nodeOf(0).url, 'GET', `/v1/customers/${shop.customer}/balances`, { key: shop.key });
      return (list.body.data as { currency: string; available: number }[]).find((x) => x.currency === 'CNY')?.available;
    };

    // CNY 25,000 at Mall A: CNY 1,000 of the year's allowance is left, for the person at every merchant.
    for (let i = 0; i < 5; i++) {
      const paid = await confirm(nodeOf(0), a, await order(nodeOf(0), a, 500_000));
      expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    }
    const allowance = await http(nodeOf(1).url, 'GET', `/v1/customers/${b.customer}/import_allowance`, { key: b.key });
    expect(allowance.body).toMatchObject({ used_cny: 2_500_000, remaining_cny: 100_000 });

    // Sixteen CNY 800 orders, eight at each merchant, confirmed at once through both nodes: one fits.
    const tries: { node: ServerProcess; shop: Shop; id: string }[] = [];
    for (let i = 0; i < 16; i++) {
      const shop = i % 2 === 0 ? a : b;
      const node = nodeOf(Math.floor(i / 2));
      tries.push({ node, shop, id: await order(node, shop, 80_000) });
    }
    const results = await Promise.all(tries.map((t) => confirm(t.node, t.shop, t.id)));
    const outcomes = results.map((r) => (r.status === 200 ? r.body.status : r.body.code) as string);
    expect(
      outcomes.filter((o) => o === 'succeeded'),
      JSON.stringify(outcomes),
    ).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'import_annual_limit_exceeded')).toHaveLength(15);
    for (const r of results.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(422);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }

    // What the person used is CNY 25,800 wherever it is asked, and the wallets paid only what passed.
    for (const [i, shop] of [a, b].entries()) {
      const left = await http(nodeOf(i).url, 'GET', `/v1/customers/${shop.customer}/import_allowance`, { key: shop.key });
      expect(left.body).toMatchObject({ used_cny: 2_580_000, remaining_cny: 20_000 });
    }
    const winner = tries[outcomes.indexOf('succeeded')] as (typeof tries)[number];
    expect(await walletOf(a)).toBe(3_000_000 - 2_500_000 - (winner.shop === a ? 80_000 : 0));
    expect(await walletOf(b)).toBe(3_000_000 - (winner.shop === b ? 80_000 : 0));
  }, 300_000);
});
