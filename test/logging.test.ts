import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { redactPaths } from '../src/app.js';

it('redacts card, security code, ID numbers, secrets and the Authorization header from logs', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const log = pino({ redact: { paths: redactPaths, censor: '[redacted]' } }, sink);
  log.info({
    req: { headers: { authorization: 'Bearer sk_test_secret' } },
    body: {
      card_number: '4111111111111111',
      cvv: '123',
      identity: { type: 'resident_id', number: '11010519491231002X' },
      id_number: '11010519491231002X',
    },
    api_key: { secret_key: 'sk_test_abc' },
  });
  const text = lines.join('');
  for (const secret of ['4111111111111111', '"123"', '11010519491231002X', 'sk_test_secret', 'sk_test_abc'])
    expect(text).not.toContain(secret);
  expect(text).toContain('[redacted]');
});
