import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Clock } from '../core/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import { derivedId, newId } from '../core/index.js';
import { accountIdFor, chart, type AccountSpec, type Ledger } from '../ledger/index.js';
import type { Store } from '../store/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/index.js';
import type { Database } from '../store/index.js';
import type { Writer } from '../store/index.js';
import { statement, type Statement } from '../store/index.js';
import { ReconciliationError } from './errors.js';
import { importBillerFile, type BillerBooksPort } from './billers.js';
import { batchesOf, parseBatches, ReconFileError, type FileKind, type FileLine, type FileMeta } from './parsers.js';

export type DiscrepancyKind = 'missing_in_hutong' | 'missing_at_channel' | 'amount_mismatch' | 'currency_mismatch' | 'duplicate';

export interface ImportReport {
  readonly id: string;
  readonly kind: FileKind;
  readonly name: string;
  readonly account: string;
  readonly lines: number;
  readonly matched: number;
  readonly exceptions: number;
  readonly byKind: Record<string, number>;
  readonly closing: { currency: string; minor: bigint } | null;
  readonly createdAt: string;
}

export interface ReconException {
  readonly id: string;
  readonly importId: string;
  readonly kind: string;
  readonly reference: string;
  readonly account: string | null;
  readonly currency: string | null;
  readonly expectedMinor: bigint | null;
  readonly actualMinor: bigint | null;
  readonly detail: string;
  readonly status: string;
  readonly resolution: string | null;
  readonly resolutionEntryId: string | null;
  readonly createdAt: string;
  readonly resolvedAt: string | null;
}

export interface ReserveReport {
  readonly currency: string;
  /** Customer and merchant money Hutong holds (ledger liabilities). */
  readonly liabilitiesMinor: bigint;
  /** The reserve bank account as the ledger books it. */
  readonly ledgerBankMinor: bigint;
  /** The reserve bank account as the bank's latest imported statement shows it; null if none. */
  readonly statementBankMinor: bigint | null;
  /** Captured money the channels still owe (it reaches the bank at their settlement). */
  readonly receivablesMinor: bigint;
  /** liabilities − (statement balance + receivables): above zero, the reserve does not cover the money held. */
  readonly shortfallMinor: bigint;
  readonly ok: boolean;
  readonly alerts: string[];
}

type ReconFailure = Failure<ReconciliationError>;
/** Lines matched per writer unit: one lookup, one claim insert and one progress update each. */
export const chunkLines = 10_000;

/**
 * The chunk's statements take the chunk's keys as ONE parameter — a JSON array read with
 * `json_each` on SQLite, a text array read with `unnest` / `= any` on PostgreSQL — so each is
 * prepared once, whatever the chunk's size, and the ledger is matched set-based, a query per chunk.
 */
function dialectStatement(sqliteText: string, postgresText: string): Statement {
  return { sqlite: statement(sqliteText).sqlite, postgres: statement(postgresText).postgres };
}
const attemptsByReferenceSql = dialectStatement(
  'select a.reference as ref, a.payment_id from json_each(?) k cross join payment_attempts a where a.reference = k.value and a.channel = ?',
  'select k.ref, a.payment_id from unnest(?::text[]) as k(ref) cross join lateral (select payment_id from payment_attempts where reference = k.ref and channel = ? offset 0) a',
);
const attemptsByIdSql = dialectStatement(
  'select a.id as ref, a.payment_id from json_each(?) k cross join payment_attempts a where a.id = k.value and a.channel = ?',
  'select k.ref, a.payment_id from unnest(?::text[]) as k(ref) cross join lateral (select payment_id from payment_attempts where id = k.ref and channel = ? offset 0) a',
);
const refundsByReferenceSql = dialectStatement(
  'select r.channel_reference as ref, r.payment_id from json_each(?) k cross join refunds r where r.channel_reference = k.value',
  'select k.ref, r.payment_id from unnest(?::text[]) as k(ref) cross join lateral (select payment_id from refunds where channel_reference = k.ref offset 0) r',
);
/**
 * The ledger's postings on the reported accounts for the chunk's keys: per key one seek in the
 * covering (link_id, kind, id) index, then one per account in the covering (account_id, entry_id,
 * amount) index (migration 010); no table row is read. SQLite: `cross join` fixes that order.
 */
const ledgerPostingsSql = dialectStatement(
  `select e.link_id as reference, p.account_id as account_id, p.amount as amount
     from json_each(?) k cross join ledger_entries e cross join ledger_postings p
    where e.link_id = k.value and e.kind in ('posted', 'post_pending') and p.account_id in (select value from json_each(?)) and p.entry_id = e.id`,
  // PostgreSQL: a lateral lookup per key (`offset 0` keeps it one), or the planner hashes the
  // whole ledger for every chunk.
  `select k.ref as reference, x.account_id as account_id, x.amount as amount
     from unnest(?::text[]) as k(ref)
     cross join lateral (select p.account_id, p.amount from ledger_entries e join ledger_postings p on p.entry_id = e.id
                          where e.link_id = k.ref and e.kind in ('posted', 'post_pending') and p.account_id = any(?::text[]) offset 0) x`,
);
/** Claims the chunk's (key, side) pairs; fails on a pair claimed before (a duplicate)… */
const claimAllSql = dialectStatement(
  `insert into recon_matched (account_id, reference, side, import_id)
   select ?, k.value ->> 0, k.value ->> 1, ? from json_each(?) k`,
  `insert into recon_matched (account_id, reference, side, import_id)
   select ?, u.r, u.s, ? from unnest(?::text[], ?::text[]) as u(r, s)`,
);
/** … and then the new pairs alone are claimed. */
const claimSql = dialectStatement(
  `insert into recon_matched (account_id, reference, side, import_id)
   select ?, k.value ->> 0, k.value ->> 1, ? from json_each(?) k where true
   on conflict (account_id, reference, side) do nothing`,
  `insert into recon_matched (account_id, reference, side, import_id)
   select ?, u.r, u.s, ? from unnest(?::text[], ?::text[]) as u(r, s)
   on conflict (account_id, reference, side) do nothing`,
);
const claimedBySql = dialectStatement(
  'select m.reference, m.side, m.import_id from json_each(?) k cross join recon_matched m where m.account_id = ? and m.reference = k.value',
  'select m.reference, m.side, m.import_id from unnest(?::text[]) as k(ref) cross join lateral (select reference, side, import_id from recon_matched where account_id = ? and reference = k.ref offset 0) m',
);
const progressSql = statement('update recon_imports set lines = ? where id = ?');

interface Keyed {
  line: FileLine;
  key: string;
  side: string;
  /** `key\u0000side`. */
  pair: string;
}

interface ChunkLookup {
  unique: Keyed[];
  dupInChunk: { line: FileLine; key: string }[];
  groups: Map<string, LedgerGroup[]>;
}

interface LedgerGroup {
  currency: string;
  amount: bigint;
}

/** The ledger account a statement's target names, in one currency. */
function targetSpec(meta: Pick<FileMeta, 'ownerType' | 'ownerId' | 'code'>, currency: string): AccountSpec {
  return meta.ownerType === 'bank' ? chart.reserveBank(currency, meta.ownerId) : chart.channelReceivable(meta.ownerId, currency);
}

const targetOf = (meta: FileMeta) => `${meta.ownerType}/${meta.ownerId}/${meta.code}`;

type Counts = { lines: number; matched: number; exceptions: number; byKind: Record<string, number> };

/**
 * Reconciliation (docs/settlement.md): a statement file is read twice as a stream — once to hash it
 * (a file seen before is refused by its hash, an import that never finished is resumed), once to
 * parse and match it in chunks against the ledger, a writer unit per chunk that also records how
 * many records are done (a resumed import skips them). Each line's key (payment id, payout id,
 * clearing reference) and side is claimed in `recon_matched`, unique per account: a second line
 * with the same key is a duplicate, and the postings no line claimed are the ones missing at the
 * channel (one anti-join at the end). Differences go to the exception queue. A malformed or
 * truncated file is refused with the line named, and what its chunks had written is removed.
 */
export function createReconciliation(deps: {
  store: Store;
  writer: Writer;
  ledger: Ledger;
  clock: Clock;
  log?: (message: string) => void;
  /** The bank's account ids (IBAN or other id) → Hutong's account names, for camt.053 (HUTONG_BANK_ACCOUNT_IDS). */
  bankAccountIds?: ReadonlyMap<string, string>;
  /** Bill payments as Hutong holds them, for billers' end-of-day files (bound in app.ts; none: no biller files). */
  billerBooks?: () => BillerBooksPort | undefined;
}) {
  const { store, writer, ledger, clock } = deps;
  const reader = store.reader;
  const sqlite = store.dialect === 'sqlite';
  /** A list of values as the one parameter the chunk statements take. */
  const listParam = (values: readonly unknown[]) => (sqlite ? JSON.stringify(values) : values);

  async function importFile(input: {
    kind: FileKind;
    name: string;
    /** The file as lines … */
    open?: () => AsyncIterable<string>;
    /** … or as batches of lines (faster: no per-line iteration steps). */
    openBatches?: () => AsyncIterable<readonly string[]>;
    channel?: string;
    onProgress?: (lines: number) => void;
    /** Lines per writer unit (tests use small chunks to cross chunk boundaries). */
    chunkLines?: number;
    /** biller_eod: the file's day (else its bookings'). The biller is `channel`. */
    date?: string;
  }): Promise<ImportReport | ReconFailure> {
    const batches = input.openBatches ?? (() => batchesOf((input.open as () => AsyncIterable<string>)()));
    if (input.kind === 'biller_eod') {
      const done = await importBillerFile(
        { store, writer, clock, books: deps.billerBooks?.() },
        { name: input.name, billerId: input.channel, batches, ...(input.date === undefined ? {} : { date: input.date }) },
      );
      if ('refused' in done)
        return fail(done.refused === 'duplicate' ? ReconciliationError.FileDuplicate : ReconciliationError.FileInvalid, done.detail);
      input.onProgress?.(done.lines);
      return { ...done, kind: 'biller_eod', name: input.name, closing: null };
    }
    const size = input.chunkLines ?? chunkLines;
    // Pass 1: the hash (of the lines, each ended by \n), nothing parsed.
    const hash = createHash('sha256');
    for await (const batch of batches()) {
      if (batch.length === 0) continue;
      hash.update(batch.join('\n'));
      hash.update('\n');
    }
    const fileHash = hash.digest('hex');
    const before = await reader
      .selectFrom('recon_imports')
      .select(['id', 'created_at', 'summary', 'lines'])
      .where('file_hash', '=', fileHash)
      .executeTakeFirst();
    // An import that never finished (the process died) is resumed under its own id: the records its
    // committed chunks matched are skipped, the rest are matched, nothing is reported twice.
    const resumed = before !== undefined && (JSON.parse(before.summary) as { status?: string }).status === 'running';
    if (before !== undefined && !resumed)
      return fail(
        ReconciliationError.FileDuplicate,
        `${input.name} was imported before as ${before.id} (${before.created_at}); nothing was matched twice`,
      );
    const id = resumed ? before.id : newId('rimp', clock.now().getTime());
    const createdAt = resumed ? before.created_at : clock.now().toISOString();
    const skip = resumed ? Number(before.lines) : 0;
    if (!resumed) {
      const claimed = await writer.run(async (trx) => {
        const r = await trx
          .insertInto('recon_imports')
          .values({
            id,
            kind: input.kind,
            file_hash: fileHash,
            name: input.name,
            lines: 0n,
            matched: 0n,
            exceptions: 0n,
            summary: JSON.stringify({ status: 'running' }),
            created_at: createdAt,
          })
          .onConflict((oc) => oc.column('file_hash').doNothing())
          .executeTakeFirst();
        return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
      });
      if (!claimed) return fail(ReconciliationError.FileDuplicate, `${input.name} is being imported or was imported before`);
    }

    // Pass 2: parse and match in chunks.
    const meta: FileMeta = { ownerType: 'channel', ownerId: '', code: 'receivable', until: clock.now().toISOString(), records: 0 };
    const counts: Counts = { lines: 0, matched: 0, exceptions: 0, byKind: {} };
    let seen = 0;
    let pending: FileLine[] = [];
    let accounts: Map<string, string> | undefined;
    // Chunks are pipelined: while one chunk's writer unit runs, the next chunk is parsed and (on
    // PostgreSQL) its reads run; the units themselves still run one after another, in file order.
    let queued = 0;
    let inflight: Promise<void> = Promise.resolve();
    const flush = async (lines: FileLine[]) => {
      accounts ??= await targetAccounts(meta);
      queued += lines.length;
      const done = skip + queued;
      // This chunk's reads start now, beside the previous chunk's unit; its own unit follows that one.
      const ahead = lookupAhead(input.kind, meta, accounts, lines);
      ahead.catch(() => undefined); // awaited by its unit
      const previous = inflight;
      const unit = previous
        .then(async () =>
          matchChunk(id, input.kind, meta, targetOf(meta), accounts as Map<string, string>, lines, await ahead, done, counts),
        )
        .then(() => input.onProgress?.(done));
      unit.catch(() => undefined); // awaited before the next chunk is parsed past, the sweep or the refusal
      inflight = unit;
      // At most this chunk is in flight while the next one is parsed (memory stays a few chunks).
      await previous;
    };
    try {
      for await (const lines of parseBatches(input.kind, batches(), meta, {
        channel: input.channel,
        bankAccounts: deps.bankAccountIds,
      })) {
        let from = 0;
        if (seen < skip) from = Math.min(lines.length, skip - seen);
        seen += lines.length;
        for (let i = from; i < lines.length; i++) {
          pending.push(lines[i] as FileLine);
          if (pending.length === size) {
            await flush(pending);
            pending = [];
          }
        }
      }
      if (pending.length > 0) await flush(pending);
      await inflight;
    } catch (error) {
      // The chunk in flight finishes (or fails) before anything else: a crash leaves its progress
      // committed or not, never half; a refusal removes it too.
      await inflight;
      if (!(error instanceof ReconFileError)) throw error;
      // Refused: what the chunks before the bad line wrote goes, so the file can be fixed and sent again.
      await writer.run(async (trx) => {
        await trx.deleteFrom('recon_exceptions').where('import_id', '=', id).execute();
        await trx.deleteFrom('recon_matched').where('import_id', '=', id).execute();
        await trx.deleteFrom('recon_imports').where('id', '=', id).execute();
      });
      return fail(ReconciliationError.FileInvalid, `${input.name}: ${error.message}`);
    }
    const target = targetOf(meta);
    await sweepMissing(id, meta, target, accounts ?? (await targetAccounts(meta)), counts);
    input.onProgress?.(meta.records);
    // The report counts what the database holds for the import (the same after a resume).
    const kinds = await reader
      .selectFrom('recon_exceptions')
      .select(['kind', (eb) => eb.fn.countAll<string>().as('n')])
      .where('import_id', '=', id)
      .groupBy('kind')
      .execute();
    counts.byKind = Object.fromEntries(kinds.map((k) => [k.kind, Number(k.n)]));
    counts.exceptions = kinds.reduce((sum, k) => sum + Number(k.n), 0);
    counts.lines = meta.records;
    counts.matched = meta.records - (counts.exceptions - (counts.byKind.missing_at_channel ?? 0));
    const closing = meta.closing ?? null;
    const summary = {
      status: 'done',
      account: target,
      byKind: counts.byKind,
      closing: closing === null ? null : { currency: closing.currency, minor: closing.minor.toString() },
    };
    await writer.run((trx) =>
      trx
        .updateTable('recon_imports')
        .set({
          lines: BigInt(counts.lines),
          matched: BigInt(counts.matched),
          exceptions: BigInt(counts.exceptions),
          summary: JSON.stringify(summary),
        })
        .where('id', '=', id)
        .execute(),
    );
    return {
      id,
      kind: input.kind,
      name: input.name,
      account: target,
      lines: counts.lines,
      matched: counts.matched,
      exceptions: counts.exceptions,
      byKind: counts.byKind,
      closing,
      createdAt,
    };
  }

  /** Channel references (RRN, wallet order) name payment attempts (refunds: negative lines); the ledger knows the payment. */
  async function keysOf(trx: Transaction<Database>, kind: FileKind, meta: FileMeta, lines: FileLine[]): Promise<Map<string, string>> {
    const keys = new Map<string, string>();
    if (kind === 'camt053') return keys;
    const refs = new Set<string>();
    const negative = new Set<string>();
    for (const l of lines) {
      refs.add(l.reference);
      if (l.amountMinor < 0n) negative.add(l.reference);
    }
    const attempts = await store.exec(trx, kind === 'acquirer_csv' ? attemptsByReferenceSql : attemptsByIdSql, [
      listParam([...refs]),
      meta.ownerId,
    ]);
    for (const r of attempts.rows as { ref: string; payment_id: string }[]) keys.set(r.ref, r.payment_id);
    if (kind === 'acquirer_csv' && negative.size > 0) {
      const refunds = await store.exec(trx, refundsByReferenceSql, [listParam([...negative])]);
      for (const r of refunds.rows as { ref: string; payment_id: string }[]) keys.set(r.ref, r.payment_id);
    }
    return keys;
  }

  /** The ledger accounts a statement reports on, one per currency (few rows). */
  async function targetAccounts(meta: FileMeta): Promise<Map<string, string>> {
    const rows = await reader
      .selectFrom('ledger_accounts')
      .select(['id', 'currency'])
      .where('owner_type', '=', meta.ownerType)
      .where('owner_id', '=', meta.ownerId)
      .where('code', '=', meta.code)
      .execute();
    return new Map(rows.map((r) => [r.id, r.currency]));
  }

  /** The ledger's sums per key and side (`key\u0000side`), per currency, on the reported accounts. */
  async function ledgerGroups(
    trx: Transaction<Database>,
    accounts: Map<string, string>,
    keys: string[],
  ): Promise<Map<string, LedgerGroup[]>> {
    const groups = new Map<string, LedgerGroup[]>();
    if (accounts.size === 0 || keys.length === 0) return groups;
    const { rows } = await store.exec(trx, ledgerPostingsSql, [listParam(keys), listParam([...accounts.keys()])]);
    for (const r of rows as { reference: string; account_id: string; amount: string | number | bigint }[]) {
      const amount = BigInt(r.amount);
      const currency = accounts.get(r.account_id) as string;
      const id = `${r.reference}\u0000${amount > 0n ? 'in' : 'out'}`;
      const list = groups.get(id);
      if (list === undefined) groups.set(id, [{ currency, amount }]);
      else {
        const same = list.find((g) => g.currency === currency);
        if (same === undefined) list.push({ currency, amount });
        else same.amount += amount;
      }
    }
    return groups;
  }

  const insertClaims = (trx: Transaction<Database>, st: Statement, target: string, importId: string, pairs: readonly Keyed[]) =>
    store.exec(
      trx,
      st,
      sqlite
        ? [target, importId, JSON.stringify(pairs.map((p) => [p.key, p.side]))]
        : [target, importId, pairs.map((p) => p.key), pairs.map((p) => p.side)],
    );

  /**
   * Claims the chunk's unique (key, side) pairs. Usually every pair is new and one plain insert
   * does it; when one was claimed before (a duplicate: the unique index refuses the insert), the
   * insert is undone to its savepoint, the earlier claims are read (with the import that made them)
   * and the new pairs alone are inserted.
   */
  async function claim(
    trx: Transaction<Database>,
    target: string,
    importId: string,
    chunkPairs: readonly Keyed[],
  ): Promise<Map<string, string>> {
    const before = new Map<string, string>();
    if (chunkPairs.length === 0) return before;
    // Claimed in key order: each insert lands beside the one before in the unique index.
    const pairs = [...chunkPairs].sort((a, b) => (a.pair < b.pair ? -1 : a.pair > b.pair ? 1 : 0));
    await sql`savepoint recon_claim`.execute(trx);
    let refused = false;
    try {
      await insertClaims(trx, claimAllSql, target, importId, pairs);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== '23505') throw error;
      refused = true;
    }
    if (refused) {
      await sql`rollback to savepoint recon_claim`.execute(trx);
      const keys = [...new Set(pairs.map((p) => p.key))];
      const { rows } = await store.exec(trx, claimedBySql, [listParam(keys), target]);
      for (const r of rows as { reference: string; side: string; import_id: string }[])
        before.set(`${r.reference}\u0000${r.side}`, r.import_id);
      await insertClaims(
        trx,
        claimSql,
        target,
        importId,
        pairs.filter((p) => !before.has(p.pair)),
      );
    }
    await sql`release savepoint recon_claim`.execute(trx);
    return before;
  }

  /**
   * A chunk's reads: the channel references translated to the ledger's keys, the chunk's lines by
   * (key, side) — the first of each pair is matched, the others are duplicates within the chunk —
   * and the ledger's postings for its keys.
   */
  async function lookupChunk(
    trx: Transaction<Database>,
    kind: FileKind,
    meta: FileMeta,
    accounts: Map<string, string>,
    lines: FileLine[],
  ): Promise<ChunkLookup> {
    const translated = await keysOf(trx, kind, meta, lines);
    const first = new Map<string, Keyed>();
    const dupInChunk: { line: FileLine; key: string }[] = [];
    const keySet = new Set<string>();
    const translate = translated.size > 0;
    for (const line of lines) {
      const key = translate ? (translated.get(line.reference) ?? line.reference) : line.reference;
      const side = line.amountMinor > 0n ? 'in' : 'out';
      const pair = `${key}\u0000${side}`;
      if (first.has(pair)) dupInChunk.push({ line, key });
      else {
        first.set(pair, { line, key, side, pair });
        keySet.add(key);
      }
    }
    const unique = [...first.values()];
    // Sorted keys: the index seeks walk each index in order (neighbouring pages, already read).
    const groups = await ledgerGroups(trx, accounts, [...keySet].sort());
    return { unique, dupInChunk, groups };
  }

  /**
   * PostgreSQL: a chunk's reads run on their own connection before its writer unit, so they
   * overlap the previous chunk's unit (the reads change nothing; duplicates are still decided by
   * the claims, in the writer, in file order). SQLite reads in the unit (one connection does all).
   */
  async function lookupAhead(
    kind: FileKind,
    meta: FileMeta,
    accounts: Map<string, string>,
    lines: FileLine[],
  ): Promise<ChunkLookup | undefined> {
    if (sqlite) return undefined;
    return reader.transaction().execute(async (trx) => {
      // The chunk's lookups are thousands of index seeks the planner costs high enough to compile
      // (JIT) each time, which takes longer than running them.
      await sql`set local jit = off`.execute(trx);
      return lookupChunk(trx, kind, meta, accounts, lines);
    });
  }

  async function matchChunk(
    importId: string,
    kind: FileKind,
    meta: FileMeta,
    target: string,
    accounts: Map<string, string>,
    lines: FileLine[],
    ahead: ChunkLookup | undefined,
    done: number,
    counts: Counts,
  ): Promise<void> {
    const now = clock.now().toISOString();
    const nowMs = Date.parse(now);
    await writer.run(async (trx) => {
      if (!sqlite) await sql`set local jit = off`.execute(trx);
      const { unique, dupInChunk, groups } = ahead ?? (await lookupChunk(trx, kind, meta, accounts, lines));
      // Pairs claimed before this unit (by an earlier chunk of this file, or by another import), with their import.
      const owners = await claim(trx, target, importId, unique);
      const exceptions: Database['recon_exceptions'][] = [];
      const raise = (k: DiscrepancyKind, key: string, l: FileLine, expected: bigint | null, detail: string) => {
        exceptions.push({
          id: newId('rex', nowMs),
          import_id: importId,
          kind: k,
          reference: key,
          account_id: target,
          currency: l.currency,
          expected_amount: expected,
          actual_amount: l.amountMinor,
          detail: `line ${l.lineNo}: ${detail}`,
          status: 'open',
          resolution: null,
          resolution_entry_id: null,
          created_at: now,
          resolved_at: null,
        });
      };
      for (const d of dupInChunk) raise('duplicate', d.key, d.line, null, `${d.line.reference} appears twice in the file`);
      let matched = 0;
      for (const u of unique) {
        const pair = u.pair;
        const l = u.line;
        const owner = owners.get(pair);
        if (owner !== undefined) {
          raise(
            'duplicate',
            u.key,
            l,
            null,
            owner === importId ? `${l.reference} appears twice in the file` : `${l.reference} was already reconciled (import ${owner})`,
          );
          continue;
        }
        const found = groups.get(pair);
        const same = found?.find((g) => g.currency === l.currency);
        if (same !== undefined) {
          if (same.amount === l.amountMinor) matched++;
          else
            raise('amount_mismatch', u.key, l, same.amount, `${l.reference}: file ${l.amountMinor}, ledger ${same.amount} ${l.currency}`);
        } else if (found !== undefined && found.length > 0) {
          const other = found[0] as LedgerGroup;
          raise('currency_mismatch', u.key, l, other.amount, `${l.reference}: file in ${l.currency}, ledger in ${other.currency}`);
        } else {
          raise(
            'missing_in_hutong',
            u.key,
            l,
            null,
            `${l.reference}: ${l.amountMinor} ${l.currency} on the statement, nothing in the ledger`,
          );
        }
      }
      for (let i = 0; i < exceptions.length; i += 500)
        await trx
          .insertInto('recon_exceptions')
          .values(exceptions.slice(i, i + 500))
          .execute();
      // The progress commits with the chunk: a resumed import starts after it.
      await store.exec(trx, progressSql, [done, importId]);
      counts.lines += lines.length;
      counts.matched += matched;
      counts.exceptions += exceptions.length;
      for (const e of exceptions) counts.byKind[e.kind] = (counts.byKind[e.kind] ?? 0) + 1;
    });
  }

  /**
   * What the ledger booked on the account before the file's end and no line (now or before)
   * claimed: one anti-join over the account's postings (covering index, migration 010), the claim
   * probed per posting before anything is grouped, so only the missing ones are summed.
   */
  async function sweepMissing(
    importId: string,
    meta: FileMeta,
    target: string,
    accounts: Map<string, string>,
    counts: { exceptions: number; byKind: Record<string, number> },
  ): Promise<void> {
    const excluded = meta.ownerType === 'channel' ? 'clearing.settle' : '';
    const ids = [...accounts].filter(([, currency]) => meta.currency === undefined || currency === meta.currency).map(([id]) => id);
    if (ids.length === 0) return;
    for (;;) {
      type Missing = { reference: string; account_id: string; side: string; amount: string | bigint };
      const query = sqlite
        ? sql<Missing>`
        select e.link_id as reference, p.account_id as account_id, case when p.amount > 0 then 'in' else 'out' end as side, sum(p.amount) as amount
          from ledger_postings p join ledger_entries e on e.id = p.entry_id
         where p.account_id in (${sql.join(ids)}) and e.kind in ('posted', 'post_pending') and e.created_at < ${meta.until} and e.reason <> ${excluded} and e.link_id is not null
           and not exists (select 1 from recon_matched m where m.account_id = ${target} and m.reference = e.link_id and m.side = case when p.amount > 0 then 'in' else 'out' end)
         group by e.link_id, p.account_id, case when p.amount > 0 then 'in' else 'out' end
         limit 5000`
        : // PostgreSQL: the unclaimed postings first (materialized), then grouped. Asked for grouped
          // rows directly, the planner walks the whole entries index in link-id order to group
          // without a sort and fetches each entry's postings by primary key: 2.7–3.7 s for a
          // million postings against 2.0–2.2 s this way (hash joins, docs/benchmarks.md).
          sql<Missing>`
        with missing as materialized (
          select e.link_id as reference, p.account_id as account_id, case when p.amount > 0 then 'in' else 'out' end as side, p.amount as amount
            from ledger_postings p join ledger_entries e on e.id = p.entry_id
           where p.account_id in (${sql.join(ids)}) and e.kind in ('posted', 'post_pending') and e.created_at < ${meta.until} and e.reason <> ${excluded} and e.link_id is not null
             and not exists (select 1 from recon_matched m where m.account_id = ${target} and m.reference = e.link_id and m.side = case when p.amount > 0 then 'in' else 'out' end))
        select reference, account_id, side, sum(amount) as amount from missing group by reference, account_id, side
         limit 5000`;
      // PostgreSQL would compile the scan (JIT) on every call, for longer than it runs.
      const found = sqlite
        ? await query.execute(reader)
        : await reader.transaction().execute(async (trx) => {
            await sql`set local jit = off`.execute(trx);
            return query.execute(trx);
          });
      const rows = {
        rows: found.rows.map((r) => ({
          reference: r.reference,
          currency: accounts.get(r.account_id) as string,
          side: r.side,
          amount: r.amount,
        })),
      };
      if (rows.rows.length === 0) return;
      const now = clock.now().toISOString();
      await writer.run(async (trx) => {
        const claimed = await trx
          .insertInto('recon_matched')
          .values(rows.rows.map((r) => ({ account_id: target, reference: r.reference, side: r.side, import_id: importId })))
          .onConflict((oc) => oc.columns(['account_id', 'reference', 'side']).doNothing())
          .returning(['reference', 'side'])
          .execute();
        const mine = new Set(claimed.map((r) => `${r.reference}|${r.side}`));
        const fresh = rows.rows.filter((r) => mine.has(`${r.reference}|${r.side}`));
        if (fresh.length === 0) return;
        await trx
          .insertInto('recon_exceptions')
          .values(
            fresh.map((r) => ({
              id: newId('rex', Date.parse(now)),
              import_id: importId,
              kind: 'missing_at_channel',
              reference: r.reference,
              account_id: target,
              currency: r.currency,
              expected_amount: BigInt(r.amount),
              actual_amount: null,
              detail: `${r.reference}: ${BigInt(r.amount)} ${r.currency} in the ledger, not on the statement`,
              status: 'open',
              resolution: null,
              resolution_entry_id: null,
              created_at: now,
              resolved_at: null,
            })),
          )
          .execute();
      });
      counts.exceptions += rows.rows.length;
      counts.byKind.missing_at_channel = (counts.byKind.missing_at_channel ?? 0) + rows.rows.length;
    }
  }

  async function listExceptions(
    query: PageRequest & { status?: string; importId?: string; account?: string },
  ): Promise<Page<ReconException> | ReconFailure> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === undefined) return fail(ReconciliationError.ExceptionNotFound, 'the cursor is not valid');
    const limit = pageLimit(query);
    let q = reader.selectFrom('recon_exceptions').selectAll();
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.importId !== undefined) q = q.where('import_id', '=', query.importId);
    if (query.account !== undefined) q = q.where('account_id', '=', query.account);
    return toPage(await pageQuery(q, after, limit).execute(), limit, toException);
  }

  /**
   * Resolves an open exception: `explain` closes it with a note; `adjust` books the difference
   * (statement − ledger) on the account against reconciliation adjustments, with the note as reason.
   */
  async function resolve(id: string, input: { action: 'adjust' | 'explain'; note: string }): Promise<ReconException | ReconFailure> {
    const row = await reader.selectFrom('recon_exceptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return fail(ReconciliationError.ExceptionNotFound, `no reconciliation exception ${id}`);
    if (row.status !== 'open') return fail(ReconciliationError.ExceptionClosed, `exception ${id} is already ${row.status}`);
    const adjustable = row.kind === 'missing_in_hutong' || row.kind === 'amount_mismatch' || row.kind === 'missing_at_channel';
    // A biller's break is settled with the biller (posted again, or paid back), not booked as a difference.
    if (input.action === 'adjust' && row.account_id?.startsWith('biller/') === true)
      return fail(ReconciliationError.ExceptionClosed, `a biller's ${row.kind} is settled with the biller, not in the ledger; explain it`);
    if (input.action === 'adjust' && (!adjustable || row.currency === null || row.account_id === null)) {
      return fail(ReconciliationError.ExceptionClosed, `a ${row.kind} exception cannot be adjusted in the ledger; explain it`);
    }
    const done = await writer.run(async (trx: Transaction<Database>) => {
      let entryId: string | null = null;
      if (input.action === 'adjust') {
        const [ownerType, ownerId, code] = (row.account_id as string).split('/') as ['channel' | 'bank', string, 'receivable' | 'reserve'];
        const currency = row.currency as string;
        const diff = (row.actual_amount ?? 0n) - (row.expected_amount ?? 0n);
        entryId = derivedId('ent', 'recon-adjust', id);
        const posted = await ledger.post(trx, {
          id: entryId,
          reason: 'reconciliation.adjust',
          link: { type: 'reconciliation', id: row.reference },
          postings: [
            { accountId: await ledger.ensureAccount(trx, targetSpec({ ownerType, ownerId, code }, currency)), currency, amountMinor: diff },
            { accountId: await ledger.ensureAccount(trx, chart.reconAdjustments(currency)), currency, amountMinor: -diff },
          ],
        });
        if (isFailure(posted)) return posted;
      }
      const moved = await trx
        .updateTable('recon_exceptions')
        .set({
          status: input.action === 'adjust' ? 'resolved' : 'explained',
          resolution: input.note,
          resolution_entry_id: entryId,
          resolved_at: clock.now().toISOString(),
        })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (moved.numUpdatedRows === 0n) return fail(ReconciliationError.ExceptionClosed, `exception ${id} was resolved meanwhile`);
      return undefined;
    });
    if (isFailure(done)) return fail(ReconciliationError.ExceptionClosed, done.detail);
    return toException(await reader.selectFrom('recon_exceptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  }

  async function listImports(): Promise<ImportReport[]> {
    const rows = await reader.selectFrom('recon_imports').selectAll().orderBy('created_at', 'desc').limit(50).execute();
    return rows.map((r) => {
      const s = JSON.parse(r.summary) as {
        account?: string;
        byKind?: Record<string, number>;
        closing?: { currency: string; minor: string } | null;
      };
      return {
        id: r.id,
        kind: r.kind as FileKind,
        name: r.name,
        account: s.account ?? '',
        lines: Number(r.lines),
        matched: Number(r.matched),
        exceptions: Number(r.exceptions),
        byKind: s.byKind ?? {},
        closing: s.closing ? { currency: s.closing.currency, minor: BigInt(s.closing.minor) } : null,
        createdAt: r.created_at,
      };
    });
  }

  /**
   * The reserve funds check (备付金): per currency, the customer and merchant money the ledger owes
   * against the reserve account as the bank's latest statement shows it (plus what the channels
   * still owe). An alert when the bank and the books disagree, or when the reserve falls short.
   */
  async function reserveCheck(): Promise<ReserveReport[]> {
    const sums = await sql<{ currency: string; owner_type: string; code: string; kind: string; balance: string | bigint }>`
      select currency, owner_type, code, kind, sum(credits_posted - debits_posted) as balance from ledger_accounts group by currency, owner_type, code, kind`.execute(
      reader,
    );
    const by = new Map<string, { liabilities: bigint; bank: bigint; receivables: bigint }>();
    for (const r of sums.rows) {
      const c = by.get(r.currency) ?? { liabilities: 0n, bank: 0n, receivables: 0n };
      const credit = BigInt(r.balance);
      if (r.kind === 'liability' && (r.owner_type === 'customer' || r.owner_type === 'merchant')) c.liabilities += credit;
      if (r.owner_type === 'bank' && r.code === 'reserve') c.bank += -credit;
      if (r.owner_type === 'channel' && r.code === 'receivable') c.receivables += -credit;
      by.set(r.currency, c);
    }
    const statements = new Map<string, bigint>();
    const statementIds = new Map<string, string>();
    for (const imp of (await listImports()).reverse()) {
      if (imp.closing === null || !imp.account.startsWith('bank/')) continue;
      statements.set(imp.closing.currency, imp.closing.minor);
      statementIds.set(imp.closing.currency, imp.id);
    }
    const reports: ReserveReport[] = [];
    for (const [currency, c] of [...by].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const statement = statements.get(currency) ?? null;
      const alerts: string[] = [];
      if (statement !== null && statement !== c.bank)
        alerts.push(`the bank statement shows ${statement}, the ledger books ${c.bank} ${currency} on the reserve account`);
      const shortfall = c.liabilities - ((statement ?? c.bank) + c.receivables);
      if (shortfall > 0n) alerts.push(`the reserve is ${shortfall} ${currency} short of the customer and merchant money held`);
      reports.push({
        currency,
        liabilitiesMinor: c.liabilities,
        ledgerBankMinor: c.bank,
        statementBankMinor: statement,
        receivablesMinor: c.receivables,
        shortfallMinor: shortfall,
        ok: alerts.length === 0,
        alerts,
      });
    }
    // Each alert is also an exception in the operators' queue, once per currency, statement and figure.
    const now = clock.now().toISOString();
    const alerts = reports.flatMap((r) =>
      r.alerts.map((a) => ({
        id: derivedId(
          'rex',
          'reserve-alert',
          `${r.currency}/${statementIds.get(r.currency) ?? 'none'}/${r.ledgerBankMinor}/${r.liabilitiesMinor}/${a}`,
        ),
        import_id: statementIds.get(r.currency) ?? 'reserve_check',
        kind: 'reserve_mismatch',
        reference: `reserve/${r.currency}`,
        account_id: null,
        currency: r.currency,
        expected_amount: r.liabilitiesMinor,
        actual_amount: r.statementBankMinor,
        detail: a,
        status: 'open',
        resolution: null,
        resolution_entry_id: null,
        created_at: now,
        resolved_at: null,
      })),
    );
    for (const a of alerts) deps.log?.(`reserve check ${a.currency}: ${a.detail}`);
    if (alerts.length > 0)
      await writer.run((trx) =>
        trx
          .insertInto('recon_exceptions')
          .values(alerts)
          .onConflict((oc) => oc.column('id').doNothing())
          .execute(),
      );
    return reports;
  }

  return { importFile, listExceptions, resolve, listImports, reserveCheck };
}

export type Reconciliation = ReturnType<typeof createReconciliation>;

function toException(r: Database['recon_exceptions']): ReconException {
  return {
    id: r.id,
    importId: r.import_id,
    kind: r.kind,
    reference: r.reference,
    account: r.account_id,
    currency: r.currency,
    expectedMinor: r.expected_amount,
    actualMinor: r.actual_amount,
    detail: r.detail,
    status: r.status,
    resolution: r.resolution,
    resolutionEntryId: r.resolution_entry_id,
    createdAt: r.created_at,
    resolvedAt: r.resolved_at,
  };
}

export { accountIdFor };
