import { sql } from 'kysely';
import type { Executor } from './service.js';

/**
 * The ledger's invariants (DESIGN.md §5), proved with SQL on a live database:
 * every entry balances per currency and has ≥2 postings; postings are in their account's currency;
 * cached balances equal the sums of postings; no no-negative account is below zero; every currency
 * sums to zero over all accounts; every hold is resolved at most once, by an entry that names it.
 */
export interface VerifyCheck {
  readonly name: string;
  readonly ok: boolean;
  /** Ids of the offending entries or accounts, at most `offendersMax`. */
  readonly offenders: readonly string[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checks: readonly VerifyCheck[];
  readonly counts: { readonly accounts: number; readonly entries: number; readonly postings: number };
}

const offendersMax = 50;

interface Check {
  name: string;
  query: (db: Executor) => Promise<{ id: string }[]>;
}

const checks: Check[] = [
  {
    name: 'entries balance per currency',
    query: async (db) =>
      (
        await sql<{
          id: string;
        }>`select entry_id as id from ledger_postings group by entry_id, currency having sum(amount) <> 0 limit ${offendersMax}`.execute(db)
      ).rows,
  },
  {
    name: 'posted and pending entries have at least two postings',
    query: async (db) =>
      (
        await sql<{ id: string }>`select e.id as id from ledger_entries e left join ledger_postings p on p.entry_id = e.id
          where e.kind in ('posted', 'pending') group by e.id having count(p.entry_id) < 2 limit ${offendersMax}`.execute(db)
      ).rows,
  },
  {
    name: 'every posting belongs to an entry and an account',
    query: async (db) =>
      (
        await sql<{ id: string }>`select p.entry_id as id from ledger_postings p
          left join ledger_entries e on e.id = p.entry_id left join ledger_accounts a on a.id = p.account_id
          where e.id is null or a.id is null limit ${offendersMax}`.execute(db)
      ).rows,
  },
  {
    name: 'postings are in their account currency',
    query: async (db) =>
      (
        await sql<{ id: string }>`select p.entry_id as id from ledger_postings p join ledger_accounts a on a.id = p.account_id
          where a.currency <> p.currency limit ${offendersMax}`.execute(db)
      ).rows,
  },
  {
    name: 'cached balances equal the sum of postings',
    query: async (db) =>
      (
        await sql<{ id: string }>`
          with sums as (
            select p.account_id,
              sum(case when e.kind in ('posted', 'post_pending') and p.amount > 0 then p.amount else 0 end) as dp,
              sum(case when e.kind in ('posted', 'post_pending') and p.amount < 0 then -p.amount else 0 end) as cp,
              sum(case when h.state = 'pending' and p.amount > 0 then p.amount else 0 end) as dh,
              sum(case when h.state = 'pending' and p.amount < 0 then -p.amount else 0 end) as ch
            from ledger_postings p
            join ledger_entries e on e.id = p.entry_id
            left join ledger_holds h on h.entry_id = e.id and e.kind = 'pending'
            group by p.account_id)
          select a.id as id from ledger_accounts a left join sums s on s.account_id = a.id
          where a.debits_posted <> coalesce(s.dp, 0) or a.credits_posted <> coalesce(s.cp, 0)
             or a.debits_pending <> coalesce(s.dh, 0) or a.credits_pending <> coalesce(s.ch, 0)
          limit ${offendersMax}`.execute(db)
      ).rows,
  },
  {
    name: 'no no-negative account is below zero',
    query: async (db) =>
      (
        await sql<{ id: string }>`select id from ledger_accounts where no_negative = 1 and (case when normal_side = 'credit'
          then credits_posted - debits_posted - debits_pending else debits_posted - credits_posted - credits_pending end) < 0
          limit ${offendersMax}`.execute(db)
      ).rows,
  },
  {
    name: 'every currency sums to zero',
    query: async (db) =>
      (
        await sql<{ id: string }>`select currency as id from ledger_accounts group by currency
          having sum(debits_posted) <> sum(credits_posted) or sum(debits_pending) <> sum(credits_pending) limit ${offendersMax}`.execute(db)
      ).rows,
  },
  {
    name: 'every pending entry has one hold, resolved at most once by an entry naming it',
    query: async (db) =>
      (
        await sql<{ id: string }>`
          select e.id as id from ledger_entries e left join ledger_holds h on h.entry_id = e.id
            where e.kind = 'pending' and (h.entry_id is null
              or (h.state <> 'pending' and not exists (select 1 from ledger_entries r where r.id = h.resolved_by and r.pending_id = e.id)))
          union all
          select r.id as id from ledger_entries r left join ledger_holds h on h.entry_id = r.pending_id
            where r.kind in ('post_pending', 'void_pending') and (h.resolved_by is null or h.resolved_by <> r.id)
          limit ${offendersMax}`.execute(db)
      ).rows,
  },
];

export async function verifyLedger(db: Executor): Promise<VerifyReport> {
  const results: VerifyCheck[] = [];
  for (const check of checks) {
    const rows = await check.query(db);
    results.push({ name: check.name, ok: rows.length === 0, offenders: [...new Set(rows.map((r) => r.id))] });
  }
  const counts = await sql<{ accounts: bigint; entries: bigint; postings: bigint }>`select
      (select count(*) from ledger_accounts) as accounts,
      (select count(*) from ledger_entries) as entries,
      (select count(*) from ledger_postings) as postings`.execute(db);
  const row = counts.rows[0] ?? { accounts: 0n, entries: 0n, postings: 0n };
  return {
    ok: results.every((c) => c.ok),
    checks: results,
    counts: { accounts: Number(row.accounts), entries: Number(row.entries), postings: Number(row.postings) },
  };
}
