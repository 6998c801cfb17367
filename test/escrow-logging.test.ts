import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { createHutong, redactPaths, type Hutong } from '../src/app.js';
import { ManualClock } from '../src/core/clock.js';
import { freshStore, testConfig } from './support/stores.js';

let hutong: Hutong | undefined;
let drop: (() => Promise<void>) | undefined;
afterAll(async () => {
  await hutong?.close();
  await drop?.();
});

it('request logs of buyer routes never carry the buyer link token', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const fresh = await freshStore('sqlite');
  drop = fresh.drop;
  hutong = await createHutong(testConfig(fresh.store), {
    clock: new ManualClock(),
    logger: pino({ level: 'info', redact: { paths: redactPaths, censor: '[redacted]' } }, sink),
    vaultKey: randomBytes(32),
  });
  const operatorKey = (await hutong.services.parties.ensureOperatorKey(undefined)).generated as string;
  const inject = async (method: 'GET' | 'POST', url: string, key?: string, payload?: object) =>
    JSON.parse(
      (
        await hutong!.server.inject({
          method,
          url,
          headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
          ...(payload === undefined ? {} : { payload }),
        })
      ).body,
    );
  const merchant = await inject('POST', '/v1/merchants', operatorKey, { name: 'Log shop', country: 'CN', settlement_currency: 'CNY' });
  const trade = await inject('POST', '/v1/escrows', merchant.api_key.secret_key, {
    amount: 1_000,
    currency: 'CNY',
    merchant_order_id: 'log-1',
    goods_type: 'virtual',
  });
  // The buyer's link comes from the cashier, never from the merchant's answer (issue 12).
  expect(trade).not.toHaveProperty('buyer_token');
  const found = await hutong.services.escrow.get({ kind: 'operator' }, trade.id as string);
  if ('failure' in found) throw new Error(found.detail);
  const token = hutong.services.escrow.buyerLink(found).token;
  expect((await inject('GET', `/v1/buyer/escrows/${trade.id}?token=${token}`)).status).toBe('awaiting_payment');
  await inject('POST', `/v1/buyer/escrows/${trade.id}/confirm_receipt?token=${token}`, undefined, {});
  expect((await hutong.server.inject({ method: 'GET', url: `/escrow/${trade.id}?token=${token}` })).statusCode).toBe(200);
  const text = lines.join('');
  expect(text).toContain(`/v1/buyer/escrows/${trade.id}?token=[redacted]`);
  expect(text).toContain(`/escrow/${trade.id}?token=[redacted]`);
  expect(text).not.toContain(token.split('.')[1] as string);
});
