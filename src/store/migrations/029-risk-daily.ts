import type { Kysely } from 'kysely';

/**
 * Risk and compliance, third part (issue 16, docs/risk.md).
 *
 * - `risk_daily_runs`: one row per Beijing day scanned by the daily AML job (suspicious-activity
 *   cases and the large-value report): its state, how many times the scan ran (a scheduler that
 *   works keeps it at 1), the cases opened, and the large-value report itself (CSV).
 * - `risk_operator_sessions.csrf_token`: an operator session signed in from the console's page is
 *   a browser session too (an httpOnly cookie), and carries its CSRF token (double submit).
 * - TOTP secrets are sealed with the vault key from now on; the existing plain ones are sealed by
 *   the data step that every start runs (`sealPlainSecrets` in src/risk/operators.ts), since a
 *   migration has no vault key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('risk_daily_runs')
    .addColumn('day', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('runs', 'bigint', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('cases_opened', 'bigint', (c) => c.notNull())
    .addColumn('large_value_lines', 'bigint', (c) => c.notNull())
    .addColumn('large_value_csv', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.alterTable('risk_operator_sessions').addColumn('csrf_token', 'text').execute();
}
