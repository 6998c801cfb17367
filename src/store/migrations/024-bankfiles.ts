import type { Kysely } from 'kysely';

/**
 * Cross-border payouts (issue 12, "Files from real banks"): what a pain.001 needs of the merchant's
 * bank account beyond its number — the bank's BIC, the clearing system its bank code belongs to
 * (CNAPS, USABA, GBDSC…), and the holder's postal address (country, town, post code, one line).
 * All optional: a domestic account number with its bank code still pays out as before.
 *
 * `merchants.city`: the merchant's city, which the EMV merchant-presented QR code of a wallet
 * payment carries in tag 60 (its name in tag 59), as the issue asks.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['bic', 'clearing_system', 'country', 'town', 'postcode', 'address_line'])
    await db.schema.alterTable('merchant_bank_accounts').addColumn(column, 'text').execute();
  await db.schema.alterTable('merchants').addColumn('city', 'text').execute();
}
