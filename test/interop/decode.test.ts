import { expect, it } from 'vitest';
import { useTestApp } from '../support/app.js';
import { runCli } from '../support/process.js';
import { describeEachStore } from '../support/stores.js';

const pix =
  '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D';

describeEachStore('POST /v1/qr_codes/decode', (dialect) => {
  const t = useTestApp(dialect);

  it('decodes the PIX vector strictly, with every field named', async () => {
    const m = await t.makeMerchant();
    const res = await t.request('POST', '/v1/qr_codes/decode', { key: m.key, body: { payload: pix } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      object: 'qr_code',
      format: 'emv_mpm',
      valid: true,
      violations: [],
      merchant_presented: {
        merchant_accounts: [{ id: '26', scheme: 'template', guid: 'br.gov.bcb.pix', institution: null }],
        merchant_category_code: '0000',
        currency_numeric: '986',
        merchant_name: 'Fulano de Tal',
        city: 'BRASILIA',
        additional_data: { reference_label: '***' },
        crc: '1D3D',
      },
    });
  });

  it('refuses a tampered CRC with a 422 naming it, and reads it leniently', async () => {
    const m = await t.makeMerchant();
    const tampered = pix.replace('Fulano', 'Fulana');
    const strict = await t.request('POST', '/v1/qr_codes/decode', { key: m.key, body: { payload: tampered } });
    expect(strict.status).toBe(422);
    expect(strict.body.code).toBe('qr_code_invalid');
    expect(strict.body.errors).toEqual([{ field: '63', message: expect.stringMatching(/^crc_mismatch: the CRC is 1D3D/) }]);
    const lenient = await t.request('POST', '/v1/qr_codes/decode', { key: m.key, body: { payload: tampered, mode: 'lenient' } });
    expect(lenient.status).toBe(200);
    expect(lenient.body).toMatchObject({ valid: false, merchant_presented: { merchant_name: 'Fulana de Tal' } });
  });

  it('answers 422 for an unknown payment code, 400 for a bad body, 401 without a key', async () => {
    const m = await t.makeMerchant();
    expect((await t.request('POST', '/v1/qr_codes/decode', { key: m.key, body: { payload: '991234567890123456' } })).body.code).toBe(
      'qr_code_unrecognised',
    );
    expect((await t.request('POST', '/v1/qr_codes/decode', { key: m.key, body: { payload: '' } })).status).toBe(400);
    expect((await t.request('POST', '/v1/qr_codes/decode', { key: m.key, body: { payload: pix, extra: 1 } })).status).toBe(400);
    expect((await t.request('POST', '/v1/qr_codes/decode', { body: { payload: pix } })).status).toBe(401);
  });
});

it('hutong qr decode prints the reading, and exits 1 naming each violation', async () => {
  const ok = await runCli(['qr', 'decode', pix], {}, 60_000);
  expect(ok.code, ok.stderr).toBe(0);
  expect(JSON.parse(ok.stdout)).toMatchObject({ format: 'emv_mpm', mpm: { merchantName: 'Fulano de Tal' } });
  const bad = await runCli(['qr', 'decode', pix.replace('5802BR', '5802br')], {}, 60_000);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('58  value_invalid');
  expect(bad.stderr).toContain('63  crc_mismatch');
}, 150_000);
