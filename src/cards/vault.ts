import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { CardBrand, CardholderData } from '../channels/index.js';
import type { Clock } from '../core/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import { newId } from '../core/index.js';
import type { Writer } from '../store/index.js';
import type { Store } from '../store/index.js';
import type { Cipher } from '../vault/index.js';
import { CardError } from './errors.js';
import { cardFingerprint } from './fingerprint.js';
import { toCard, type Card, type CardsDb } from './model.js';
import { last4Of } from './pan.js';
import { validateCard, validateSecurityCode, type CardInput } from './validate.js';

export { deriveFingerprintKey } from './fingerprint.js';
export { maskPan } from './pan.js';

export interface CardVaultDeps {
  readonly store: Store;
  readonly cipher: Cipher;
  readonly clock: Clock;
  /** 32 bytes; `deriveFingerprintKey(vaultKey)` in the composition root. */
  readonly fingerprintKey: Buffer;
  /**
   * The group-commit writer: a new card's row joins a batch instead of paying a synced commit of its
   * own (a third of SQLite's time per card payment in the benchmark). Without one, a plain insert.
   */
  readonly writer?: Writer;
}

/** The card columns anyone may read; `pan_sealed` is selected only by `cardholderData`. */
const cardColumns = ['id', 'brand', 'last4', 'exp_month', 'exp_year', 'holder_name', 'fingerprint', 'created_at'] as const;

function panContext(cardId: string): string {
  return `card.pan:${cardId}`;
}

/**
 * The card vault: the only module that sees a PAN in clear after validation. It stores the PAN
 * sealed under the vault key (bound to its row by the associated data), recognizes the same card
 * by a keyed fingerprint, and opens the PAN only to hand it to a connector. The security code is
 * never stored, in any form: it is returned in memory to the authorization in progress.
 */
export function createCardVault(deps: CardVaultDeps) {
  const { cipher, clock, fingerprintKey } = deps;
  assert.equal(fingerprintKey.length, 32, 'fingerprint key must be 32 bytes');
  const db = deps.store.db as unknown as Kysely<CardsDb>;
  const reader = deps.store.reader as unknown as Kysely<CardsDb>;

  async function tokenize(
    merchantId: string,
    input: CardInput,
  ): Promise<{ card: Card; securityCode: string | undefined } | Failure<CardError>> {
    const valid = validateCard(input, clock);
    if (isFailure(valid)) return valid;
    const now = clock.now();
    const id = newId('card', now.getTime());
    const panSealed = cipher.seal(valid.pan, panContext(id));
    const row = {
      id,
      merchant_id: merchantId,
      brand: valid.brand,
      last4: last4Of(valid.pan),
      exp_month: BigInt(valid.expMonth),
      exp_year: BigInt(valid.expYear),
      holder_name: valid.holderName,
      fingerprint: cardFingerprint(fingerprintKey, valid.pan),
      pan_sealed: panSealed,
      created_at: now.toISOString(),
    };
    const { writer } = deps;
    // The row locks nothing shared (a new id), so it may join any batch.
    if (writer === undefined) await db.insertInto('cards').values(row).execute();
    else await writer.run((trx) => (trx as unknown as Kysely<CardsDb>).insertInto('cards').values(row).execute(), { keys: [] });
    return { card: toCard(row), securityCode: valid.securityCode };
  }

  /** A card is only ever found through its own merchant. */
  async function getCard(merchantId: string, cardId: string): Promise<Card | Failure<CardError>> {
    const row = await reader
      .selectFrom('cards')
      .select(cardColumns)
      .where('id', '=', cardId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row === undefined ? fail(CardError.CardNotFound, `no card ${cardId}`) : toCard(row);
  }

  /**
   * The PAN in clear, for the connector about to send an authorization, refund or reversal. Expiry
   * is not checked here: refunds and reversals to an expired card are legitimate, and the issuer
   * declines an expired authorization itself.
   */
  async function cardholderData(merchantId: string, cardId: string, securityCode?: string): Promise<CardholderData | Failure<CardError>> {
    const row = await reader
      .selectFrom('cards')
      .select(['id', 'brand', 'last4', 'exp_month', 'exp_year', 'pan_sealed'])
      .where('id', '=', cardId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (row === undefined) return fail(CardError.CardNotFound, `no card ${cardId}`);
    const brand = row.brand as CardBrand;
    const code = securityCode === undefined ? undefined : validateSecurityCode(securityCode, brand);
    if (isFailure(code)) return code;
    const pan = cipher.open(row.pan_sealed, panContext(row.id));
    // Pair assertion: the number that opens is the one whose last four digits we stored.
    assert.equal(last4Of(pan), row.last4, `card ${row.id}: the sealed PAN does not match its last4`);
    const expiryYymm = `${String(row.exp_year % 100n).padStart(2, '0')}${String(row.exp_month).padStart(2, '0')}`;
    return code === undefined ? { pan, expiryYymm, brand } : { pan, expiryYymm, securityCode: code, brand };
  }

  return { tokenize, getCard, cardholderData };
}

export type CardVault = ReturnType<typeof createCardVault>;
