import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { reasons, status } from './rules.js';
import { createSingleWindow } from './single-window.js';
import { cebMessage, cebTime, headAndList, newGuid, sign, verify } from './wire.js';

function keyPair(certNo: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    certNo,
  };
}

const customsKey = keyPair('CUSTOMS');
const payer = keyPair('PAY-CERT');

function slip(guid = newGuid(), over: Record<string, string> = {}) {
  const head = {
    guid,
    appType: '1',
    appTime: cebTime(new Date()),
    appStatus: '2',
    payCode: 'PAY0000001',
    payName: 'Pay',
    payTransactionId: 'pay_1',
    orderNo: 'SO-1',
    ebpCode: 'EBP0000001',
    ebpName: 'Mall',
    payerIdType: '1',
    payerIdNumber: '11010519491231002X',
    payerName: 'Li Lei',
    telephone: '',
    amountPaid: '300.00',
    currency: '142',
    payTime: cebTime(new Date()),
    note: '',
    ...over,
  };
  const xml = cebMessage('CEB411', guid, headAndList('Payment', 'PaymentHead', head), {
    copCode: 'PAY0000001',
    copName: 'Pay',
    dxpMode: 'DXP',
    dxpId: 'D',
    note: '',
  });
  return sign(xml, payer);
}

describe('the sandbox single window', () => {
  const window = createSingleWindow({ clock: new ManualClock(), key: customsKey });
  window.register({ copCode: 'PAY0000001', copName: 'Pay', certNo: payer.certNo, publicKeyPem: payer.publicKeyPem });

  it('answers a good slip with 2 (declaring), signed by customs; the same guid again is the same answer and stores nothing new', () => {
    const guid = newGuid();
    const xml = slip(guid);
    const first = window.accept(xml);
    expect([first.returnStatus, first.guid]).toEqual([status.declaring, guid]);
    expect(verify(first.xml, customsKey.publicKeyPem)).toBe(true);
    expect(window.accept(xml)).toBe(first);
    expect(window.paymentSlips('pay_1')).toBe(1);
  });

  it('gives the error receipts customs gives: malformed, missing field, bad signature, duplicate, unknown sender', () => {
    expect(window.accept('<not xml').returnStatus).toBe(status.malformed);
    expect(window.accept('<a:CEB411Message xmlns:a="urn:other"/>').returnInfo).toContain('ceb namespace');
    const missing = window.accept(slip(newGuid(), { payTransactionId: 'pay_2', amountPaid: '' }));
    expect([missing.returnStatus, missing.returnInfo]).toEqual([status.malformed, 'amountPaid 不能为空 (amountPaid is required)']);
    const tooPrecise = window.accept(slip(newGuid(), { payTransactionId: 'pay_2', amountPaid: '1.001' }));
    expect(tooPrecise.returnInfo).toContain('amountPaid');
    const tampered = window.accept(slip(newGuid(), { payTransactionId: 'pay_3' }).replace('300.00', '3.00'));
    expect([tampered.returnStatus, tampered.returnInfo]).toEqual([status.badSignature, reasons.badSignature]);
    const duplicate = window.accept(slip(newGuid()));
    expect([duplicate.returnStatus, duplicate.returnInfo]).toEqual([status.duplicate, reasons.duplicate]);
    const change = window.accept(slip(newGuid(), { appType: '2', amountPaid: '299.00' }));
    expect(change.returnStatus).toBe(status.declaring);
    const stranger = keyPair('X');
    const foreign = sign(
      slip(newGuid())
        .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '')
        .replaceAll('PAY0000001', 'PAY0000009'),
      stranger,
    );
    expect(window.accept(foreign).returnInfo).toBe(reasons.unknownSender);
  });
});
