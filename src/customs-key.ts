import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HutongConfig } from './config.js';

/**
 * Hutong's customs signing key for the embedded default signer (src/customs/signer.ts): the PEM
 * file named by HUTONG_CUSTOMS_KEY_FILE, or `customs.key` in the data directory, made at first
 * start; without a data directory (tests, PostgreSQL without a key file) a key for this process
 * only. A customs key device replaces the signer, not this file.
 */
export interface CustomsKey {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly certNo: string;
  readonly payCode: string;
  readonly payName: string;
  readonly customsPublicKeyPem: string | undefined;
}

function generate(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function loadCustomsKey(config: HutongConfig, warn: (message: string) => void): CustomsKey {
  const file = config.customs?.keyFile ?? (config.dataDir === undefined ? undefined : join(config.dataDir, 'customs.key'));
  let privateKeyPem: string;
  if (file !== undefined && existsSync(file)) privateKeyPem = readFileSync(file, 'utf8');
  else {
    privateKeyPem = generate();
    if (file !== undefined) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, privateKeyPem, { mode: 0o600, flag: 'wx' });
      warn(
        `generated a customs signing key at ${file}; register its public key with customs under certificate ${config.customs?.certNo ?? ''}`,
      );
    }
  }
  const publicKeyPem = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
  const customsFile = config.customs?.customsPublicKeyFile;
  return {
    privateKeyPem,
    publicKeyPem,
    certNo: config.customs?.certNo ?? 'HUTONG-CUSTOMS-01',
    payCode: config.customs?.payCode ?? '110196000T',
    payName: config.customs?.payName ?? 'Hutong Payment (互通支付)',
    customsPublicKeyPem: customsFile === undefined ? undefined : readFileSync(customsFile, 'utf8'),
  };
}
