import type { Kysely } from 'kysely';
import { verifyLedger } from '../ledger/index.js';
import type { Database } from '../store/index.js';
import type { VerifyFigures } from './model.js';

/** `hutong ledger verify` on the benchmark's own database: the speed must not cost correctness. */
export async function verifyFigures(reader: Kysely<Database>): Promise<VerifyFigures> {
  const report = await verifyLedger(reader);
  return {
    ok: report.ok,
    failedChecks: report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.offenders.join(', ')}`),
    accountsCount: report.counts.accounts,
    entriesCount: report.counts.entries,
    postingsCount: report.counts.postings,
  };
}
