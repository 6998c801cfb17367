import type { Kysely } from 'kysely';

/**
 * Risk and compliance, second part (issue 16, docs/risk.md).
 *
 * - `risk_operators` / `risk_operator_sessions`: operator accounts (login, role, scrypt password
 *   hash, TOTP secret, the last TOTP time step used so a code is never accepted twice, failed
 *   attempts and lock) and their sessions (only the SHA-256 of the bearer token is stored).
 * - `risk_rules`: fraud rules as versioned data (json-rules-engine conditions); a change is a new
 *   version, the old one stays for the decisions that name it.
 * - `risk_decisions`: every evaluation on the payment path with the rules that fired.
 * - `risk_velocity`: one row per evaluated card payment and dimension (card, customer, ip, device),
 *   so velocity counts and sums over any window are exact.
 * - `risk_list_items`: block and allow lists (card fingerprint, email, ip).
 * - `risk_reviews`: payments held uncaptured for an analyst.
 * - `risk_cases`: suspicious-activity cases (AML) and their workflow.
 * - `risk_limit_charges`: which limit counters a balance payment moved, so its refund gives them back.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('risk_operators')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('login', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('totp_secret', 'text', (c) => c.notNull())
    .addColumn('totp_last_step', 'bigint', (c) => c.notNull())
    .addColumn('failed_attempts', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('risk_operator_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('risk_rules')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('fail_mode', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('risk_rules_pk', ['id', 'version'])
    .execute();
  await db.schema
    .createTable('risk_decisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('fired', 'text', (c) => c.notNull())
    .addColumn('errors', 'text', (c) => c.notNull())
    .addColumn('facts', 'text', (c) => c.notNull())
    .addColumn('micros', 'bigint', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('risk_decisions_payment').on('risk_decisions').columns(['payment_id', 'at']).execute();
  await db.schema
    .createTable('risk_velocity')
    .addColumn('dimension', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('risk_velocity_key').on('risk_velocity').columns(['dimension', 'value', 'at']).execute();
  await db.schema
    .createTable('risk_list_items')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('list', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('risk_list_items_pk', ['kind', 'value'])
    .execute();
  await db.schema
    .createTable('risk_reviews')
    .addColumn('payment_id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('decision_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('analyst', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .execute();
  await db.schema.createIndex('risk_reviews_status').on('risk_reviews').columns(['status', 'created_at']).execute();
  await db.schema
    .createTable('risk_cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('party_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('typology', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('analyst', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .execute();
  await db.schema.createIndex('risk_cases_key').on('risk_cases').columns(['party_id', 'typology', 'period']).unique().execute();
  await db.schema
    .createTable('risk_limit_charges')
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('party_id', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('released_minor', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('risk_limit_charges_pk', ['ref', 'period'])
    .execute();
}
