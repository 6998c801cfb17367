import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachStore, freshStore } from '../../test/support/stores.js';
import { ManualClock } from '../core/clock.js';
import { isFailure } from '../core/failure.js';
import { createParties } from '../parties/service.js';
import type { StoreConfig } from '../store/config.js';
import { openStore, type Store } from '../store/database.js';
import * as cardsMigration from '../store/migrations/002-cards.js';
import { createCipher } from '../vault/cipher.js';
import { CardError } from './errors.js';
import { cardFingerprint } from './fingerprint.js';
import type { Card, CardsDb } from './model.js';
import { createCardVault, deriveFingerprintKey, maskPan, type CardVault } from './vault.js';

/**
 * Until 002-cards is registered in src/store/migrate.ts, the suite applies it itself; once it is
 * registered, openStore has already applied it and this does nothing.
 */
async function openCardsStore(config: StoreConfig): Promise<Store> {
  const store = await openStore(config);
  const db = store.db as unknown as Kysely<unknown>;
  const applied = await sql<{ name: string }>`select name from hutong_migrations where name = ${'002-cards'}`.execute(db);
  if (applied.rows.length === 0) await cardsMigration.up(db, store.dialect);
  return store;
}

const expiry = { exp_month: 12, exp_year: 2030 };

describe('fingerprint key', () => {
  it('is derived from the vault key with HKDF: stable, 32 bytes, not the vault key itself', () => {
    const vaultKey = randomBytes(32);
    const key = deriveFingerprintKey(vaultKey);
    expect(key).toHaveLength(32);
    expect(key.equals(deriveFingerprintKey(Buffer.from(vaultKey)))).toBe(true);
    expect(key.equals(vaultKey)).toBe(false);
    expect(key.equals(deriveFingerprintKey(randomBytes(32)))).toBe(false);
    expect(() => deriveFingerprintKey(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describeEachStore('card vault', (dialect) => {
  let config: StoreConfig;
  let store: Store;
  let drop: () => Promise<void>;
  let vault: CardVault;
  let merchantA: string;
  let merchantB: string;
  // A fixed fingerprint key makes the fingerprints known in advance (see the row scan below).
  const fingerprintKey = Buffer.alloc(32, 7);
  const clock = new ManualClock(new Date('2026-03-01T08:00:00Z'));

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    config = fresh.store;
    drop = fresh.drop;
    store = await openCardsStore(config);
    const cipher = createCipher(randomBytes(32));
    vault = createCardVault({ store, cipher, clock, fingerprintKey });
    const parties = createParties({ store, clock, cipher });
    const makeMerchant = async (name: string) => {
      const made = await parties.createMerchant({ name, country: 'CN', settlementCurrency: 'CNY' });
      return isFailure(made) ? expect.unreachable(made.detail) : made.merchant.id;
    };
    merchantA = await makeMerchant('A');
    merchantB = await makeMerchant('B');
  });

  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  async function tokenized(merchantId: string, number: string, cvc?: string): Promise<{ card: Card; securityCode: string | undefined }> {
    const result = await vault.tokenize(merchantId, { number, ...expiry, cvc, holder_name: 'Li Lei' });
    if (isFailure(result)) return expect.unreachable(`${result.failure}: ${result.detail}`);
    return result;
  }

  it('tokenizes: the card view has no PAN, the CVV comes back in memory only', async () => {
    const { card, securityCode } = await tokenized(merchantA, '4111 1111 1111 1111', '123');
    expect(securityCode).toBe('123');
    expect(card).toEqual({
      id: expect.stringMatching(/^card_[0-9a-z]{26}$/),
      brand: 'visa',
      last4: '1111',
      expMonth: 12,
      expYear: 2030,
      holderName: 'Li Lei',
      fingerprint: cardFingerprint(fingerprintKey, '4111111111111111'),
      createdAt: '2026-03-01T08:00:00.000Z',
    });
    expect(JSON.stringify(card)).not.toContain('4111111111111111');
    expect(await vault.getCard(merchantA, card.id)).toEqual(card);
  });

  it('never stores the PAN or the security code: every column of the row, as text', async () => {
    // Amex: a 4-digit CID. The id and the sealed PAN are random, so a chance occurrence of four
    // given digits in them is about 1 in 50,000; the fingerprint is fixed by the key above.
    const pan = '378282246310005';
    const cid = '7391';
    expect(cardFingerprint(fingerprintKey, pan)).not.toContain(cid);
    const { card } = await tokenized(merchantA, '3782 822463 10005', cid);
    const db = store.db as unknown as Kysely<CardsDb>;
    const row = await db.selectFrom('cards').selectAll().where('id', '=', card.id).executeTakeFirstOrThrow();
    const columns = Object.entries(row);
    expect(columns.map(([name]) => name).sort()).toEqual(
      ['brand', 'created_at', 'exp_month', 'exp_year', 'fingerprint', 'holder_name', 'id', 'last4', 'merchant_id', 'pan_sealed'].sort(),
    );
    for (const [name, value] of columns) {
      const text = String(value);
      expect(text, name).not.toContain(pan);
      expect(text, name).not.toContain(pan.slice(0, 12));
      expect(text, name).not.toContain(cid);
    }
    expect(row.pan_sealed).toMatch(/^v1\./);
  });

  it('opens the PAN back for its own merchant, with the expiry as YYMM and the CVV only when given', async () => {
    const { card } = await tokenized(merchantA, '5454545454545454', '321');
    expect(await vault.cardholderData(merchantA, card.id, '321')).toEqual({
      pan: '5454545454545454',
      expiryYymm: '3012',
      securityCode: '321',
      brand: 'mastercard',
    });
    const withoutCode = await vault.cardholderData(merchantA, card.id);
    expect(withoutCode).toEqual({ pan: '5454545454545454', expiryYymm: '3012', brand: 'mastercard' });
    expect(Object.keys(withoutCode)).not.toContain('securityCode');
    expect(await vault.cardholderData(merchantA, card.id, '32')).toMatchObject({ failure: CardError.SecurityCodeInvalid });
    expect(maskPan('5454545454545454')).toBe('545454******5454');
  });

  it('answers card_not_found to another merchant, and for an id that does not exist', async () => {
    const { card } = await tokenized(merchantA, '3566002020140006');
    expect(await vault.getCard(merchantB, card.id)).toMatchObject({ failure: CardError.CardNotFound });
    expect(await vault.cardholderData(merchantB, card.id)).toMatchObject({ failure: CardError.CardNotFound });
    expect(await vault.getCard(merchantA, 'card_missing')).toMatchObject({ failure: CardError.CardNotFound });
  });

  it('gives the same card the same fingerprint (across merchants too) and different cards different ones', async () => {
    const first = await tokenized(merchantA, '6011000995500000');
    const again = await tokenized(merchantA, '6011-0009-9550-0000');
    const elsewhere = await tokenized(merchantB, '6011000995500000');
    const other = await tokenized(merchantA, '36438999960016');
    expect(again.card.id).not.toBe(first.card.id);
    expect(again.card.fingerprint).toBe(first.card.fingerprint);
    expect(elsewhere.card.fingerprint).toBe(first.card.fingerprint);
    expect(other.card.fingerprint).not.toBe(first.card.fingerprint);
    expect(first.card.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses invalid cards with the validation failure and stores nothing', async () => {
    const count = async () => (await sql<{ n: unknown }>`select count(*) as n from cards`.execute(store.db)).rows[0]?.n;
    const before = await count();
    expect(await vault.tokenize(merchantA, { number: '4111111111111112', ...expiry })).toMatchObject({
      failure: CardError.CardNumberInvalid,
    });
    expect(await vault.tokenize(merchantA, { number: '4111111111111111', exp_month: 2, exp_year: 2026 })).toMatchObject({
      failure: CardError.CardExpired,
    });
    expect(await count()).toEqual(before);
  });

  // Only SQLite keeps the database in files we can read back byte for byte.
  if (dialect === 'sqlite') {
    it('leaves no PAN anywhere in the SQLite files', async () => {
      const pan = '4916338506082832';
      await tokenized(merchantA, pan, '123');
      const path = (config as { path: string }).path;
      for (const file of [path, `${path}-wal`].filter(existsSync)) expect(readFileSync(file).includes(pan), file).toBe(false);
    });
  }
});
