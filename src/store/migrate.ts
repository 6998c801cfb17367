import { sql, type Kysely } from 'kysely';
import type { Store } from './model.js';
import * as foundation from './migrations/001-foundation.js';
import * as cards from './migrations/002-cards.js';
import * as events from './migrations/003-events.js';
import * as payments from './migrations/004-payments.js';
import * as escrow from './migrations/005-escrow.js';
import * as fx from './migrations/006-fx.js';
import * as settlement from './migrations/007-settlement.js';
import * as web from './migrations/008-web.js';
import * as ops from './migrations/009-ops.js';
import * as recon from './migrations/010-recon.js';
import * as harden from './migrations/012-harden.js';
import * as safety from './migrations/013-safety.js';
import * as inputs from './migrations/014-inputs.js';
import * as customs from './migrations/016-customs.js';
import * as interop from './migrations/017-interop.js';
import * as billpay from './migrations/018-billpay.js';
import * as risk from './migrations/019-risk.js';
import * as riskOperators from './migrations/020-risk-operators.js';
import * as interopTills from './migrations/021-interop-tills.js';
import * as bankfiles from './migrations/024-bankfiles.js';
import * as testClocks from './migrations/025-test-clocks.js';
import * as billpayCards from './migrations/023-billpay-cards-autopay.js';
import * as customsRefundsExports from './migrations/022-customs-refunds-exports.js';
import * as reports from './migrations/015-reports.js';
import * as customsLimits from './migrations/026-customs-limits.js';
import * as interopOrderRefunds from './migrations/028-interop-order-refunds.js';
import * as riskDaily from './migrations/029-risk-daily.js';

interface Migration {
  readonly name: string;
  up(db: Kysely<unknown>, dialect: Store['dialect']): Promise<void>;
}

/** Append only: a migration, once released, is never edited; add a new one instead. */
const migrations: readonly Migration[] = [
  { name: '001-foundation', up: foundation.up },
  { name: '002-cards', up: cards.up },
  { name: '003-events', up: events.up },
  { name: '004-payments', up: payments.up },
  { name: '005-escrow', up: escrow.up },
  { name: '006-fx', up: fx.up },
  { name: '007-settlement', up: settlement.up },
  { name: '008-web', up: web.up },
  { name: '009-ops', up: ops.up },
  { name: '010-recon', up: recon.up },
  { name: '012-harden', up: harden.up },
  { name: '013-safety', up: safety.up },
  { name: '014-inputs', up: inputs.up },
  { name: '016-customs', up: customs.up },
  { name: '017-interop', up: interop.up },
  { name: '018-billpay', up: billpay.up },
  { name: '019-risk', up: risk.up },
  { name: '020-risk-operators', up: riskOperators.up },
  { name: '021-interop-tills', up: interopTills.up },
  { name: '022-customs-refunds-exports', up: customsRefundsExports.up },
  { name: '023-billpay-cards-autopay', up: billpayCards.up },
  { name: '024-bankfiles', up: bankfiles.up },
  { name: '015-reports', up: reports.up },
  { name: '025-test-clocks', up: testClocks.up },
  { name: '026-customs-limits', up: customsLimits.up },
  { name: '028-interop-order-refunds', up: interopOrderRefunds.up },
  { name: '029-risk-daily', up: riskDaily.up },
];

// Any constant works; it keeps two processes starting at once from migrating twice on PostgreSQL.
const migrationLockKey = 4_801_202;

export async function migrate(store: Store): Promise<string[]> {
  const db = store.db as unknown as Kysely<unknown>;
  await sql`create table if not exists hutong_migrations (name text primary key, applied_at text not null)`.execute(db);
  const applied: string[] = [];
  for (const migration of migrations) {
    const done = await db.transaction().execute(async (trx) => {
      if (store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${migrationLockKey})`.execute(trx);
      const found = await sql<{ name: string }>`select name from hutong_migrations where name = ${migration.name}`.execute(trx);
      if (found.rows.length > 0) return false;
      await migration.up(trx, store.dialect);
      await sql`insert into hutong_migrations (name, applied_at) values (${migration.name}, ${new Date().toISOString()})`.execute(trx);
      return true;
    });
    if (done) applied.push(migration.name);
  }
  return applied;
}
