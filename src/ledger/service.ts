import assert from 'node:assert/strict';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../core/index.js';
import { fail, type Failure } from '../core/index.js';
import { derivedId, digestOf } from '../core/index.js';
import type { Database } from '../store/index.js';
import { afterCommit, statement, type Exec, type Statement } from '../store/index.js';
import { amountMinorMax } from '../money/index.js';
import { LedgerError } from './errors.js';
import {
  normalSideOf,
  type Account,
  type AccountSpec,
  type Entry,
  type EntryKind,
  type EntryRequest,
  type HoldState,
  type Posting,
} from './model.js';

export type Executor = Kysely<Database> | Transaction<Database>;
export type LedgerResult = Entry | Failure<LedgerError>;

/** Postings allowed in one entry: enough for any split we model, small enough to bound a batch. */
export const postingsPerEntryMax = 64;

/**
 * Accounts are keyed by what they are, so every module computes the same id without a query. The
 * id is a hash; the few thousand hot accounts are remembered (bounded) rather than rehashed on
 * every posting.
 */
const accountIdsMax = 100_000;
const accountIds = new Map<string, string>();

export function accountIdFor(spec: Pick<AccountSpec, 'ownerType' | 'ownerId' | 'code' | 'currency'>): string {
  const name = `${spec.ownerType}/${spec.ownerId}/${spec.code}/${spec.currency}`;
  let id = accountIds.get(name);
  if (id === undefined) {
    id = derivedId('acct', 'ledger-account', name);
    if (accountIds.size >= accountIdsMax) accountIds.clear();
    accountIds.set(name, id);
  }
  return id;
}

interface Delta {
  currency: string;
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

export interface Ledger {
  ensureAccount(trx: Transaction<Database>, spec: AccountSpec): Promise<string>;
  getAccount(db: Executor, id: string): Promise<Account | undefined>;
  listAccounts(db: Executor, owner: { ownerType: AccountSpec['ownerType']; ownerId: string }): Promise<Account[]>;
  /** Records a posted entry: balances move now. */
  post(trx: Transaction<Database>, request: EntryRequest): Promise<LedgerResult>;
  /** Records a pending entry: funds are reserved until the hold is posted or voided, exactly once. */
  hold(trx: Transaction<Database>, request: EntryRequest): Promise<LedgerResult>;
  /** Posts a pending hold, in full or (two-posting holds) in part; the rest is released. */
  postPending(trx: Transaction<Database>, request: { id: string; pendingId: string; amountMinor?: bigint }): Promise<LedgerResult>;
  voidPending(trx: Transaction<Database>, request: { id: string; pendingId: string }): Promise<LedgerResult>;
  getEntry(db: Executor, id: string): Promise<Entry | undefined>;
  entriesFor(db: Executor, link: { type: string; id: string }): Promise<Entry[]>;
}

// The statements every ledger write runs, prepared once (see store/statements.ts).
const insertAccountSql = statement(`insert into ledger_accounts (id, owner_type, owner_id, code, currency, kind, normal_side, no_negative,
  debits_posted, credits_posted, debits_pending, credits_pending, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?)
  on conflict (id) do nothing`);
const insertEntrySql = statement(`insert into ledger_entries (id, kind, pending_id, reason, link_type, link_id, digest, created_at)
  values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (id) do nothing`);
/**
 * The no-negative rule is part of the UPDATE, evaluated on the locked row with the new sums: two
 * racing debits cannot both pass. Parameters: the four deltas, id, currency, then the deltas again.
 */
const moveBalanceSql = statement(`update ledger_accounts set
  debits_posted = debits_posted + ?, credits_posted = credits_posted + ?, debits_pending = debits_pending + ?, credits_pending = credits_pending + ?
  where id = ? and currency = ? and (no_negative = 0 or (case when normal_side = 'credit'
    then credits_posted + ? - debits_posted - ? - debits_pending - ?
    else debits_posted + ? - credits_posted - ? - credits_pending - ? end) >= 0)`);
const insertPostingsSql = new Map<number, Statement>();
const knownAccountsMax = 200_000;

function insertPostingsFor(count: number): Statement {
  let st = insertPostingsSql.get(count);
  if (st === undefined) {
    st = statement(
      `insert into ledger_postings (entry_id, seq, account_id, currency, amount) values ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?)').join(', ')}`,
    );
    insertPostingsSql.set(count, st);
  }
  return st;
}

/**
 * PostgreSQL records an entry in one round trip: a statement whose data-modifying CTEs insert the
 * entry, move every balance under the no-negative rule, and insert the postings (and the hold) only
 * if every balance moved. A short balance is then a failure value and the writer rolls the unit
 * back to its savepoint; a replay inserts nothing. SQLite runs the same steps one statement at a
 * time (a statement costs microseconds there, a round trip ~0.1 ms here). Both paths run the same
 * test suite.
 */
const recordSqlCache = new Map<string, Statement>();

function recordSqlFor(postingsCount: number, accountsCount: number): Statement {
  const cacheKey = `${postingsCount}/${accountsCount}`;
  let st = recordSqlCache.get(cacheKey);
  if (st !== undefined) return st;
  const deltaRows = Array.from({ length: accountsCount }, () => '(?::text, ?::text, ?::bigint, ?::bigint, ?::bigint, ?::bigint)').join(
    ', ',
  );
  const postingRows = Array.from({ length: postingsCount }, () => '(?::bigint, ?::text, ?::text, ?::bigint)').join(', ');
  st = statement(`with e as (
      insert into ledger_entries (id, kind, pending_id, reason, link_type, link_id, digest, created_at)
      values (?::text, ?::text, null, ?, ?, ?, ?, ?::text) on conflict (id) do nothing returning id, kind, created_at),
    v (account_id, currency, dp, cp, dh, ch) as (values ${deltaRows}),
    u as (
      update ledger_accounts a set debits_posted = a.debits_posted + v.dp, credits_posted = a.credits_posted + v.cp,
        debits_pending = a.debits_pending + v.dh, credits_pending = a.credits_pending + v.ch
      from v where a.id = v.account_id and a.currency = v.currency and exists (select 1 from e)
        and (a.no_negative = 0 or (case when a.normal_side = 'credit'
          then a.credits_posted + v.cp - a.debits_posted - v.dp - a.debits_pending - v.dh
          else a.debits_posted + v.dp - a.credits_posted - v.cp - a.credits_pending - v.ch end) >= 0)
      returning a.id),
    p as (
      insert into ledger_postings (entry_id, seq, account_id, currency, amount)
      select e.id, s.seq, s.account_id, s.currency, s.amount from e, (values ${postingRows}) s (seq, account_id, currency, amount)
      where (select count(*) from u) = ${accountsCount} returning 1),
    h as (
      insert into ledger_holds (entry_id, state, resolved_by, updated_at)
      select e.id, 'pending', null, e.created_at from e where e.kind = 'pending' and (select count(*) from u) = ${accountsCount} returning 1)
    select (select count(*) from e) as inserted, (select array_agg(id) from u) as updated, (select count(*) from p) as posted, (select count(*) from h) as held`);
  recordSqlCache.set(cacheKey, st);
  return st;
}

export function createLedger(deps: { clock: Clock; exec: Exec; dialect: 'sqlite' | 'postgres' }): Ledger {
  const { clock, exec, dialect } = deps;

  /**
   * Accounts this process has seen committed. An account is never deleted, so a known one needs no
   * insert: a payment's capture sends no account statements once its merchant has been paid before.
   * Filled only after the inserting unit committed (afterCommit); bounded, emptied when full.
   */
  const known = new Set<string>();

  async function ensureAccount(trx: Transaction<Database>, spec: AccountSpec): Promise<string> {
    const id = accountIdFor(spec);
    if (known.has(id)) return id;
    const params = [
      id,
      spec.ownerType,
      spec.ownerId,
      spec.code,
      spec.currency,
      spec.kind,
      normalSideOf(spec.kind),
      spec.noNegative ? 1n : 0n,
      clock.now().toISOString(),
    ];
    await exec(trx, insertAccountSql, params);
    afterCommit(trx, () => {
      if (known.size >= knownAccountsMax) known.clear();
      known.add(id);
    });
    return id;
  }

  async function getAccount(db: Executor, id: string): Promise<Account | undefined> {
    const row = await db.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toAccount(row);
  }

  async function listAccounts(db: Executor, owner: { ownerType: AccountSpec['ownerType']; ownerId: string }): Promise<Account[]> {
    const rows = await db
      .selectFrom('ledger_accounts')
      .selectAll()
      .where('owner_type', '=', owner.ownerType)
      .where('owner_id', '=', owner.ownerId)
      .orderBy('code')
      .orderBy('currency')
      .execute();
    return rows.map(toAccount);
  }

  async function record(trx: Transaction<Database>, request: EntryRequest, kind: 'posted' | 'pending'): Promise<LedgerResult> {
    assertWellFormed(request);
    const digest = digestOf({ kind, reason: request.reason, link: request.link, postings: request.postings });
    if (dialect === 'postgres') return recordInOneTrip(trx, request, kind, digest);
    const inserted = await insertEntry(trx, { id: request.id, kind, pendingId: null, reason: request.reason, link: request.link, digest });
    if (!inserted) return replay(trx, request.id, digest);
    const deltas = new Map<string, Delta>();
    for (const posting of request.postings) addDelta(deltas, posting, kind === 'pending' ? 'pending' : 'posted', 1n);
    // Balances first: a missing account or a short balance is then a failure value, not a
    // foreign-key error from the postings insert.
    const applied = await applyDeltas(trx, deltas);
    if (applied !== undefined) return applied;
    await insertPostings(trx, request.id, request.postings);
    if (kind === 'pending') {
      await trx
        .insertInto('ledger_holds')
        .values({ entry_id: request.id, state: 'pending', resolved_by: null, updated_at: clock.now().toISOString() })
        .execute();
    }
    return entryOf(request.id, kind, null, request, clock.now().toISOString());
  }

  async function recordInOneTrip(
    trx: Transaction<Database>,
    request: EntryRequest,
    kind: 'posted' | 'pending',
    digest: string,
  ): Promise<LedgerResult> {
    const deltas = new Map<string, Delta>();
    for (const posting of request.postings) addDelta(deltas, posting, kind === 'pending' ? 'pending' : 'posted', 1n);
    const ids = [...deltas.keys()].sort();
    const now = clock.now().toISOString();
    const params: unknown[] = [request.id, kind, request.reason, request.link?.type ?? null, request.link?.id ?? null, digest, now];
    for (const id of ids) {
      const d = deltas.get(id) as Delta;
      params.push(id, d.currency, d.debitsPosted, d.creditsPosted, d.debitsPending, d.creditsPending);
    }
    request.postings.forEach((p, i) => params.push(BigInt(i), p.accountId, p.currency, p.amountMinor));
    const { rows } = await exec(trx, recordSqlFor(request.postings.length, ids.length), params);
    const row = rows[0] as { inserted: bigint; updated: string[] | null; posted: bigint; held: bigint };
    if (row.inserted === 0n) return replay(trx, request.id, digest);
    const updated = new Set(row.updated ?? []);
    const short = ids.find((id) => !updated.has(id));
    if (short !== undefined) return diagnose(trx, short, (deltas.get(short) as Delta).currency);
    // Pair assertion: what the statement wrote is what the entry says.
    assert.equal(row.posted, BigInt(request.postings.length), `entry ${request.id}: postings written`);
    assert.equal(row.held, kind === 'pending' ? 1n : 0n, `entry ${request.id}: hold written`);
    return entryOf(request.id, kind, null, request, now);
  }

  async function resolveHold(
    trx: Transaction<Database>,
    request: { id: string; pendingId: string; amountMinor?: bigint },
    to: 'posted' | 'voided',
  ): Promise<LedgerResult> {
    const kind: EntryKind = to === 'posted' ? 'post_pending' : 'void_pending';
    const digest = digestOf({ kind, pendingId: request.pendingId, amountMinor: request.amountMinor });
    const moved = await trx
      .updateTable('ledger_holds')
      .set({ state: to, resolved_by: request.id, updated_at: clock.now().toISOString() })
      .where('entry_id', '=', request.pendingId)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (moved.numUpdatedRows === 0n) return holdNotPending(trx, request, digest);

    const held = await trx
      .selectFrom('ledger_postings')
      .select(['account_id', 'currency', 'amount'])
      .where('entry_id', '=', request.pendingId)
      .orderBy('seq')
      .execute();
    const heldPostings: Posting[] = held.map((p) => ({ accountId: p.account_id, currency: p.currency, amountMinor: p.amount }));
    const posted = to === 'posted' ? postedPart(heldPostings, request.amountMinor) : [];
    if (!Array.isArray(posted)) return posted;

    const pending = await trx
      .selectFrom('ledger_entries')
      .select(['reason', 'link_type', 'link_id'])
      .where('id', '=', request.pendingId)
      .executeTakeFirstOrThrow();
    const link = pending.link_type === null || pending.link_id === null ? undefined : { type: pending.link_type, id: pending.link_id };
    const inserted = await insertEntry(trx, { id: request.id, kind, pendingId: request.pendingId, reason: pending.reason, link, digest });
    if (!inserted) return fail(LedgerError.EntryConflict, `entry ${request.id} already exists with other content`);
    const deltas = new Map<string, Delta>();
    for (const posting of heldPostings) addDelta(deltas, posting, 'pending', -1n);
    for (const posting of posted) addDelta(deltas, posting, 'posted', 1n);
    const applied = await applyDeltas(trx, deltas);
    if (applied !== undefined) return applied;
    await insertPostings(trx, request.id, posted);
    return entryOf(request.id, kind, request.pendingId, { reason: pending.reason, link, postings: posted }, clock.now().toISOString());
  }

  /** The hold is not pending: an idempotent replay of this very resolution, or a real conflict. */
  async function holdNotPending(
    trx: Transaction<Database>,
    request: { id: string; pendingId: string },
    digest: string,
  ): Promise<LedgerResult> {
    const hold = await trx.selectFrom('ledger_holds').selectAll().where('entry_id', '=', request.pendingId).executeTakeFirst();
    if (hold === undefined) return fail(LedgerError.PendingNotFound, `no pending entry ${request.pendingId}`);
    if (hold.resolved_by === request.id) return replay(trx, request.id, digest);
    const state = hold.state as HoldState;
    assert.notEqual(state, 'pending');
    return state === 'posted'
      ? fail(LedgerError.PendingAlreadyPosted, `pending entry ${request.pendingId} was already posted by ${hold.resolved_by}`)
      : fail(LedgerError.PendingAlreadyVoided, `pending entry ${request.pendingId} was already voided by ${hold.resolved_by}`);
  }

  async function replay(trx: Executor, id: string, digest: string): Promise<LedgerResult> {
    const existing = await trx.selectFrom('ledger_entries').select('digest').where('id', '=', id).executeTakeFirstOrThrow();
    if (existing.digest !== digest) return fail(LedgerError.EntryConflict, `entry ${id} already exists with other content`);
    const entry = await getEntry(trx, id);
    assert.ok(entry !== undefined);
    return { ...entry, replayed: true };
  }

  async function getEntry(db: Executor, id: string): Promise<Entry | undefined> {
    const row = await db.selectFrom('ledger_entries').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return undefined;
    const postings = await db
      .selectFrom('ledger_postings')
      .select(['account_id', 'currency', 'amount'])
      .where('entry_id', '=', id)
      .orderBy('seq')
      .execute();
    return toEntry(row, postings);
  }

  async function entriesFor(db: Executor, link: { type: string; id: string }): Promise<Entry[]> {
    const rows = await db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('link_type', '=', link.type)
      .where('link_id', '=', link.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const entries: Entry[] = [];
    for (const row of rows) {
      const postings = await db
        .selectFrom('ledger_postings')
        .select(['account_id', 'currency', 'amount'])
        .where('entry_id', '=', row.id)
        .orderBy('seq')
        .execute();
      entries.push(toEntry(row, postings));
    }
    return entries;
  }

  async function insertEntry(
    trx: Transaction<Database>,
    entry: { id: string; kind: EntryKind; pendingId: string | null; reason: string; link: EntryRequest['link']; digest: string },
  ): Promise<boolean> {
    const params = [
      entry.id,
      entry.kind,
      entry.pendingId,
      entry.reason,
      entry.link?.type ?? null,
      entry.link?.id ?? null,
      entry.digest,
      clock.now().toISOString(),
    ];
    return (await exec(trx, insertEntrySql, params)).changes === 1n;
  }

  async function insertPostings(trx: Transaction<Database>, entryId: string, postings: readonly Posting[]): Promise<void> {
    if (postings.length === 0) return;
    const params = postings.flatMap((p, i) => [entryId, BigInt(i), p.accountId, p.currency, p.amountMinor]);
    await exec(trx, insertPostingsFor(postings.length), params);
  }

  /**
   * Moves cached balances, one statement per account, in account-id order (so concurrent
   * PostgreSQL transactions lock rows in the same order).
   */
  async function applyDeltas(trx: Transaction<Database>, deltas: Map<string, Delta>): Promise<Failure<LedgerError> | undefined> {
    const ids = [...deltas.keys()].sort();
    for (const id of ids) {
      const d = deltas.get(id) as Delta;
      const sums = [d.debitsPosted, d.creditsPosted, d.debitsPending, d.creditsPending];
      const check = [d.creditsPosted, d.debitsPosted, d.debitsPending, d.debitsPosted, d.creditsPosted, d.creditsPending];
      const result = await exec(trx, moveBalanceSql, [...sums, id, d.currency, ...check]);
      if (result.changes !== 1n) return diagnose(trx, id, d.currency);
    }
    return undefined;
  }

  async function diagnose(trx: Transaction<Database>, id: string, currency: string): Promise<Failure<LedgerError>> {
    const account = await getAccount(trx, id);
    if (account === undefined) return fail(LedgerError.AccountNotFound, `no ledger account ${id}`);
    if (account.currency !== currency)
      return fail(LedgerError.CurrencyMismatch, `account ${id} holds ${account.currency}, not ${currency}`);
    return fail(LedgerError.InsufficientFunds, `account ${id} would go below zero`);
  }

  return {
    ensureAccount,
    getAccount,
    listAccounts,
    post: (trx, request) => record(trx, request, 'posted'),
    hold: (trx, request) => record(trx, request, 'pending'),
    postPending: (trx, request) => resolveHold(trx, request, 'posted'),
    voidPending: (trx, request) => resolveHold(trx, { id: request.id, pendingId: request.pendingId }, 'voided'),
    getEntry,
    entriesFor,
  };
}

/** A malformed entry is a programmer error, not a business failure: crash loudly (STYLE.md). */
function assertWellFormed(request: EntryRequest): void {
  assert.ok(request.id.length > 0 && request.id.length <= 200, 'entry id length');
  assert.ok(
    request.postings.length >= 2 && request.postings.length <= postingsPerEntryMax,
    `entry ${request.id}: 2..${postingsPerEntryMax} postings`,
  );
  const sums = new Map<string, bigint>();
  for (const p of request.postings) {
    assert.equal(typeof p.amountMinor, 'bigint', `entry ${request.id}: amounts are bigint`);
    assert.ok(p.amountMinor !== 0n, `entry ${request.id}: zero posting`);
    assert.ok(p.amountMinor <= amountMinorMax && -p.amountMinor <= amountMinorMax, `entry ${request.id}: amount out of range`);
    sums.set(p.currency, (sums.get(p.currency) ?? 0n) + p.amountMinor);
  }
  for (const [currency, sum] of sums) assert.equal(sum, 0n, `entry ${request.id} does not balance in ${currency}`);
}

function addDelta(deltas: Map<string, Delta>, posting: Posting, column: 'posted' | 'pending', sign: 1n | -1n): void {
  let d = deltas.get(posting.accountId);
  if (d === undefined) {
    d = { currency: posting.currency, debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n };
    deltas.set(posting.accountId, d);
  }
  assert.equal(d.currency, posting.currency, `account ${posting.accountId} posted in two currencies`);
  const debit = posting.amountMinor > 0n ? posting.amountMinor : 0n;
  const credit = posting.amountMinor < 0n ? -posting.amountMinor : 0n;
  if (column === 'posted') {
    d.debitsPosted += sign * debit;
    d.creditsPosted += sign * credit;
  } else {
    d.debitsPending += sign * debit;
    d.creditsPending += sign * credit;
  }
}

/** Partial posts are defined for two-posting holds (one debit, one credit): both shrink alike. */
function postedPart(held: Posting[], amountMinor: bigint | undefined): Posting[] | Failure<LedgerError> {
  if (amountMinor === undefined) return held;
  assert.ok(amountMinor > 0n, 'posted amount must be positive');
  if (held.length !== 2) return fail(LedgerError.PostExceedsPending, 'partial post needs a two-posting hold');
  const heldMinor = held[0]!.amountMinor > 0n ? held[0]!.amountMinor : -held[0]!.amountMinor;
  if (amountMinor > heldMinor) return fail(LedgerError.PostExceedsPending, `cannot post ${amountMinor} of a ${heldMinor} hold`);
  return held.map((p) => ({ ...p, amountMinor: p.amountMinor > 0n ? amountMinor : -amountMinor }));
}

function entryOf(
  id: string,
  kind: EntryKind,
  pendingId: string | null,
  request: Pick<EntryRequest, 'reason' | 'link' | 'postings'>,
  createdAt: string,
): Entry {
  return {
    id,
    kind,
    pendingId,
    reason: request.reason,
    linkType: request.link?.type ?? null,
    linkId: request.link?.id ?? null,
    createdAt,
    postings: request.postings,
    replayed: false,
  };
}

function toEntry(
  row: {
    id: string;
    kind: string;
    pending_id: string | null;
    reason: string;
    link_type: string | null;
    link_id: string | null;
    created_at: string;
  },
  postings: { account_id: string; currency: string; amount: bigint }[],
): Entry {
  return {
    id: row.id,
    kind: row.kind as EntryKind,
    pendingId: row.pending_id,
    reason: row.reason,
    linkType: row.link_type,
    linkId: row.link_id,
    createdAt: row.created_at,
    postings: postings.map((p) => ({ accountId: p.account_id, currency: p.currency, amountMinor: p.amount })),
    replayed: false,
  };
}

function toAccount(row: Database['ledger_accounts']): Account {
  return {
    id: row.id,
    ownerType: row.owner_type as Account['ownerType'],
    ownerId: row.owner_id,
    code: row.code,
    currency: row.currency,
    kind: row.kind as Account['kind'],
    noNegative: row.no_negative === 1n,
    normalSide: row.normal_side as Account['normalSide'],
    debitsPosted: row.debits_posted,
    creditsPosted: row.credits_posted,
    debitsPending: row.debits_pending,
    creditsPending: row.credits_pending,
  };
}
