import type { CardBrand } from '../channels/index.js';

/**
 * The `cards` table (migration 002-cards) lives in src/store/schema.ts with the others. No column
 * holds the PAN in clear or the security code in any form (PCI DSS 3.3.1 forbids storing it after
 * authorization): `pan_sealed` is AES-256-GCM with associated data `card.pan:<id>`, `fingerprint`
 * an HMAC-SHA256 of the PAN under the fingerprint key.
 */
export type { CardsTable } from '../store/index.js';
import type { CardsTable } from '../store/index.js';

export interface CardsDb {
  cards: CardsTable;
}

/** What anyone outside the vault sees of a card: never the PAN. */
export interface Card {
  readonly id: string;
  readonly brand: CardBrand;
  readonly last4: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly holderName: string | null;
  readonly fingerprint: string;
  readonly createdAt: string;
}

export function toCard(row: Omit<CardsTable, 'pan_sealed' | 'merchant_id'>): Card {
  return {
    id: row.id,
    brand: row.brand as CardBrand,
    last4: row.last4,
    expMonth: Number(row.exp_month),
    expYear: Number(row.exp_year),
    holderName: row.holder_name,
    fingerprint: row.fingerprint,
    createdAt: row.created_at,
  };
}
