import { createSign, createVerify } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';

/**
 * Signing CEB messages (domain.md §7): an enveloped XML-DSig signature over the C14N form of the
 * whole message, SHA-1 digest, RSA-SHA1, `KeyName` = the certificate number customs has on file.
 *
 * The signer is pluggable. The embedded default holds the private key in a PEM file. A customs key
 * device (the "IC card" or an HSM) implements the same interface: take the unsigned message, build
 * the `SignedInfo` (one reference, URI "", enveloped + C14N transforms, SHA-1 digest of the C14N
 * form), have the device sign the C14N of `SignedInfo` with RSA-SHA1, and append the `Signature`
 * element. Nothing else in Hutong touches the key.
 */
export interface CustomsSigner {
  readonly certNo: string;
  sign(unsignedXml: string): Promise<string>;
  /** RSA-SHA1 over the UTF-8 text, base64: the raw-payment-data answer's `signValue`. */
  signText(text: string): Promise<string>;
}

const dsig = 'http://www.w3.org/2000/09/xmldsig#';
const c14n = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';

export function createKeyFileSigner(key: { privateKeyPem: string; certNo: string }): CustomsSigner {
  return {
    certNo: key.certNo,
    async sign(unsignedXml) {
      const signer = new SignedXml({
        privateKey: key.privateKeyPem,
        canonicalizationAlgorithm: c14n,
        signatureAlgorithm: `${dsig}rsa-sha1`,
        getKeyInfoContent: () => `<ds:KeyName>${key.certNo.replace(/[<>&]/g, '')}</ds:KeyName>`,
      });
      signer.addReference({
        xpath: '/*',
        transforms: [`${dsig}enveloped-signature`, c14n],
        digestAlgorithm: `${dsig}sha1`,
        isEmptyUri: true,
      });
      signer.computeSignature(unsignedXml, { prefix: 'ds', location: { reference: '/*', action: 'append' } });
      return signer.getSignedXml();
    },
    async signText(text) {
      return createSign('RSA-SHA1').update(text, 'utf8').sign(key.privateKeyPem, 'base64');
    },
  };
}

/** True when `signature` (base64 RSA-SHA1) is this key's over the UTF-8 text. */
export function verifyText(text: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA1').update(text, 'utf8').verify(publicKeyPem, signature, 'base64');
  } catch {
    return false;
  }
}

/** True when the message carries one enveloped signature over all of it that this key verifies. */
export function verifySignature(xml: string, publicKeyPem: string): boolean {
  try {
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const signatures = doc.getElementsByTagNameNS(dsig, 'Signature');
    if (signatures.length !== 1) return false;
    const checker = new SignedXml({ publicCert: publicKeyPem });
    checker.loadSignature(signatures[0] as unknown as Parameters<SignedXml['loadSignature']>[0]);
    return checker.checkSignature(xml) && checker.getSignedReferences().length === 1;
  } catch {
    return false;
  }
}
