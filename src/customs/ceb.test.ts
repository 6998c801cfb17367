import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { headRules, schemaProblem } from '../../sandbox/customs/rules.js';
import { buildCeb411, cebNamespace, newGuid, parseReceipt, type PaymentSlip } from './ceb.js';
import { createKeyFileSigner, verifySignature } from './signer.js';

const slip = (over: Partial<PaymentSlip> = {}): PaymentSlip => ({
  guid: newGuid(),
  appType: '1',
  appTime: new Date('2026-03-01T08:00:00Z'),
  payCode: '110196000T',
  payName: 'Hutong Payment (互通支付)',
  payTransactionId: 'pay_01hxyz',
  orderNo: 'SO-1',
  ebpCode: '1101230001',
  ebpName: '互通跨境商城',
  payerName: 'Li Lei',
  payerIdNumber: '11010519491231002X',
  telephone: '',
  amountPaidFen: 30_000n,
  payTime: new Date('2026-03-01T07:59:00Z'),
  note: '',
  copCode: '110196000T',
  copName: 'Hutong Payment (互通支付)',
  dxpId: 'DXPENT0000000001',
  ...over,
});

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  preserveOrder: false,
});
function headOf(xml: string): Record<string, string> {
  const tree = parser.parse(xml) as {
    CEB411Message: { Payment: { PaymentHead: Record<string, string> }; '@guid': string; '@version': string };
  };
  return tree.CEB411Message.Payment.PaymentHead;
}

describe('CEB411 payment slip (domain.md §7)', () => {
  it('carries every PaymentHead field of the reference, in order, then BaseTransfer', () => {
    const xml = buildCeb411(slip());
    const head = headOf(xml);
    expect(Object.keys(head)).toEqual([
      'guid', 'appType', 'appTime', 'appStatus', 'payCode', 'payName', 'payTransactionId', 'orderNo', 'ebpCode', 'ebpName',
      'payerIdType', 'payerIdNumber', 'payerName', 'telephone', 'amountPaid', 'currency', 'payTime', 'note',
    ]); // prettier-ignore
    expect(xml).toContain(`<ceb:CEB411Message xmlns:ceb="${cebNamespace}" guid="${head.guid}" version="1.0">`);
    expect(xml).toMatch(
      /<ceb:BaseTransfer><ceb:copCode>110196000T<\/ceb:copCode><ceb:copName>.+<\/ceb:copName><ceb:dxpMode>DXP<\/ceb:dxpMode><ceb:dxpId>DXPENT0000000001<\/ceb:dxpId><ceb:note><\/ceb:note><\/ceb:BaseTransfer><\/ceb:CEB411Message>$/,
    );
    expect(head).toMatchObject({
      appStatus: '2',
      payerIdType: '1',
      currency: '142',
      amountPaid: '300.00',
      appTime: '20260301160000',
      payTime: '20260301155900',
    });
    expect(head.guid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  });

  it('passes the single window’s field rules (required, lengths, N16,2 amounts) for any amount and order number', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 999_999_999_999_999n }), fc.stringMatching(/^[\x21-\x7e]{1,60}$/), (fen, orderNo) => {
        const head = headOf(buildCeb411(slip({ amountPaidFen: fen, orderNo })));
        expect(schemaProblem('CEB411', head)).toBeUndefined();
        const [yuan, cents] = head.amountPaid!.split('.');
        expect(BigInt(yuan!) * 100n + BigInt(cents!)).toBe(fen);
        expect(head.orderNo).toBe(orderNo);
      }),
      { numRuns: 200 },
    );
    expect(Object.keys(headRules.CEB411!)).toEqual(expect.arrayContaining(['payerIdNumber', 'amountPaid', 'payTime']));
  });

  it('is signed over its C14N form: the signature verifies with the public key and breaks when a field changes', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signer = createKeyFileSigner({ privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certNo: 'CERT-1' });
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const signed = await signer.sign(buildCeb411(slip()));
    expect(signed).toContain('<ds:KeyName>CERT-1</ds:KeyName>');
    expect(signed).toContain('Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"');
    expect(verifySignature(signed, pub)).toBe(true);
    expect(verifySignature(signed.replace('<ceb:amountPaid>300.00<', '<ceb:amountPaid>3.00<'), pub)).toBe(false);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifySignature(signed, other)).toBe(false);
  });

  it('reads a receipt head, and nothing from text that is not one', () => {
    const receipt = `<ceb:CEB412Message xmlns:ceb="${cebNamespace}" guid="X" version="1.0"><ceb:PaymentReturn><ceb:guid>G</ceb:guid><ceb:payCode>P</ceb:payCode><ceb:payTransactionId>T</ceb:payTransactionId><ceb:returnStatus>-621049</ceb:returnStatus><ceb:returnTime>20260301160000123</ceb:returnTime><ceb:returnInfo>报文签名验证失败</ceb:returnInfo></ceb:PaymentReturn></ceb:CEB412Message>`;
    expect(parseReceipt(receipt)).toEqual({
      kind: 'CEB412',
      guid: 'G',
      returnStatus: '-621049',
      returnInfo: '报文签名验证失败',
      returnTime: '20260301160000123',
    });
    expect(parseReceipt('<html/>')).toBeUndefined();
    expect(parseReceipt('not xml <')).toBeUndefined();
  });
});
