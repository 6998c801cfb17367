import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import { fail, isFailure, type Failure } from '../core/failure.js';
import { derivedId, newId } from '../core/ids.js';
import { accountIdFor, chart, type AccountSpec, type Ledger } from '../ledger/index.js';
import type { Store } from '../store/database.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/paging.js';
import type { Database } from '../store/schema.js';
import type { Writer } from '../store/writer.js';
import { statement, type Statement } from '../store/statements.js';
import { SettlementError } from '../settlement/errors.js';
import { parseFile, ReconFileError, type FileKind, type FileLine, type FileMeta } from './parsers.js';

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

type ReconFailure = Failure<SettlementError>;
export const chunkLines = 5000;

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
/** Pads a parameter list to a fixed arity with '' (never an id), so one prepared statement serves every chunk. */
const padded = (values: string[], arity: number) => (values.length === arity ? values : [...values, ...Array.from({ length: arity - values.length }, () => '')]);
const attemptsByReferenceSql = statement(`select reference as ref, payment_id from payment_attempts where channel = ? and reference in (${placeholders(chunkLines)})`);
const attemptsByIdSql = statement(`select id as ref, payment_id from payment_attempts where channel = ? and id in (${placeholders(chunkLines)})`);
const refundsByReferenceSql = statement(`select channel_reference as ref, payment_id from refunds where channel_reference in (${placeholders(chunkLines)})`);
const ledgerGroupsSql = new Map<number, Statement>();

/**
 * Driven by the link ids (index), the account filter applied after: `|| ''` keeps both planners
 * from walking every posting of the account instead.
 */
function ledgerGroupsFor(accountsArity: number): Statement {
  let st = ledgerGroupsSql.get(accountsArity);
  if (st === undefined) {
    st = statement(`select e.link_id as reference, p.account_id as account_id, case when p.amount > 0 then 'in' else 'out' end as side, sum(p.amount) as amount
      from ledger_entries e join ledger_postings p on p.entry_id = e.id
      where e.link_id in (${placeholders(chunkLines)}) and e.kind in ('posted', 'post_pending') and (p.account_id || '') in (${placeholders(accountsArity)})
      group by e.link_id, p.account_id, case when p.amount > 0 then 'in' else 'out' end`);
    ledgerGroupsSql.set(accountsArity, st);
  }
  return st;
}

/** Rows per insert into recon_matched: 4 parameters each, well under SQLite's 32,766. */
const matchedRowsMax = 1000;
const insertMatchedSql = new Map<number, Statement>();

/** The lines a chunk claims, with the keys it could claim (a key claimed before is a duplicate). */
function insertMatchedFor(count: number): Statement {
  let st = insertMatchedSql.get(count);
  if (st === undefined) {
    st = statement(`insert into recon_matched (account_id, reference, side, import_id) values ${Array.from({ length: count }, () => '(?, ?, ?, ?)').join(', ')}
      on conflict (account_id, reference, side) do nothing returning reference, side`);
    insertMatchedSql.set(count, st);
  }
  return st;
}

interface LedgerGroup {
  reference: string;
  currency: string;
  side: string;
  amount: bigint;
}

const sideOf = (minor: bigint) => (minor > 0n ? 'in' : 'out');

/** The ledger account a statement's target names, in one currency. */
function targetSpec(meta: Pick<FileMeta, 'ownerType' | 'ownerId' | 'code'>, currency: string): AccountSpec {
  return meta.ownerType === 'bank' ? chart.reserveBank(currency, meta.ownerId) : chart.channelReceivable(meta.ownerId, currency);
}

/**
 * Reconciliation (docs/settlement.md): a statement file is read twice as a stream — once to hash
 * and validate it (a truncated or malformed file is refused before anything is written, a file seen
 * before is refused by its hash), once to match it in chunks against the ledger. Each line's key
 * (payment id, payout id, clearing reference) and side is recorded in `recon_matched`, unique per
 * account: a second line with the same key is a duplicate, and the postings no line claimed are
 * the ones missing at the channel. Differences go to the exception queue.
 */
export function createReconciliation(deps: { store: Store; writer: Writer; ledger: Ledger; clock: Clock; log?: (message: string) => void }) {
  const { store, writer, ledger, clock } = deps;
  const reader = store.reader;

  async function importFile(input: {
    kind: FileKind;
    name: string;
    open: () => AsyncIterable<string>;
    channel?: string;
    onProgress?: (lines: number) => void;
  }): Promise<ImportReport | ReconFailure> {
    // Pass 1: hash and validate.
    const hash = createHash('sha256');
    const meta: FileMeta = { ownerType: 'channel', ownerId: '', code: 'receivable', until: clock.now().toISOString(), records: 0 };
    const hashed = async function* (): AsyncIterable<string> {
      for await (const line of input.open()) {
        hash.update(line);
        hash.update('\n');
        yield line;
      }
    };
    try {
      for await (const line of parseFile(input.kind, hashed(), meta, { channel: input.channel })) void line;
    } catch (error) {
      if (error instanceof ReconFileError) return fail(SettlementError.ReconFileInvalid, `${input.name}: ${error.message}`);
      throw error;
    }
    const fileHash = hash.digest('hex');
    const target = `${meta.ownerType}/${meta.ownerId}/${meta.code}`;
    const before = await reader.selectFrom('recon_imports').select(['id', 'created_at', 'summary']).where('file_hash', '=', fileHash).executeTakeFirst();
    // An import that never finished (the process died) is resumed under its own id: lines it had
    // claimed are skipped, the rest are matched, nothing is reported twice.
    const resumed = before !== undefined && (JSON.parse(before.summary) as { status?: string }).status === 'running';
    if (before !== undefined && !resumed) return fail(SettlementError.ReconFileDuplicate, `${input.name} was imported before as ${before.id} (${before.created_at}); nothing was matched twice`);
    const id = resumed ? before.id : newId('rimp', clock.now().getTime());
    const createdAt = resumed ? before.created_at : clock.now().toISOString();
    if (!resumed) {
      const claimed = await writer.run(async (trx) => {
        const r = await trx
          .insertInto('recon_imports')
          .values({ id, kind: input.kind, file_hash: fileHash, name: input.name, lines: 0n, matched: 0n, exceptions: 0n, summary: JSON.stringify({ status: 'running', account: target }), created_at: createdAt })
          .onConflict((oc) => oc.column('file_hash').doNothing())
          .executeTakeFirst();
        return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
      });
      if (!claimed) return fail(SettlementError.ReconFileDuplicate, `${input.name} is being imported or was imported before`);
    }

    // Pass 2: match in chunks.
    const counts = { lines: 0, matched: 0, exceptions: 0, byKind: {} as Record<string, number> };
    let chunk: FileLine[] = [];
    const meta2: FileMeta = { ...meta };
    for await (const line of parseFile(input.kind, input.open(), meta2, { channel: input.channel })) {
      chunk.push(line);
      if (chunk.length === chunkLines) {
        await matchChunk(id, input.kind, meta, target, chunk, counts);
        chunk = [];
        input.onProgress?.(counts.lines);
      }
    }
    if (chunk.length > 0) await matchChunk(id, input.kind, meta, target, chunk, counts);
    await sweepMissing(id, meta, target, counts);
    input.onProgress?.(counts.lines);
    // The report counts what the database holds for the import (the same after a resume).
    const kinds = await reader.selectFrom('recon_exceptions').select(['kind', (eb) => eb.fn.countAll<string>().as('n')]).where('import_id', '=', id).groupBy('kind').execute();
    counts.byKind = Object.fromEntries(kinds.map((k) => [k.kind, Number(k.n)]));
    counts.exceptions = kinds.reduce((sum, k) => sum + Number(k.n), 0);
    counts.lines = meta.records;
    counts.matched = meta.records - (counts.exceptions - (counts.byKind.missing_at_channel ?? 0));
    const closing = meta.closing ?? null;
    const summary = { status: 'done', account: target, byKind: counts.byKind, closing: closing === null ? null : { currency: closing.currency, minor: closing.minor.toString() } };
    await writer.run((trx) =>
      trx.updateTable('recon_imports').set({ lines: BigInt(counts.lines), matched: BigInt(counts.matched), exceptions: BigInt(counts.exceptions), summary: JSON.stringify(summary) }).where('id', '=', id).execute(),
    );
    return { id, kind: input.kind, name: input.name, account: target, lines: counts.lines, matched: counts.matched, exceptions: counts.exceptions, byKind: counts.byKind, closing, createdAt };
  }

  /** Channel references (RRN, wallet order) name payment attempts; the ledger knows the payment. */
  async function keysOf(trx: Transaction<Database>, kind: FileKind, meta: FileMeta, lines: FileLine[]): Promise<Map<string, string>> {
    const keys = new Map<string, string>();
    if (kind === 'camt053') return keys;
    const refs = [...new Set(lines.map((l) => l.reference))];
    for (let i = 0; i < refs.length; i += chunkLines) {
      const part = padded(refs.slice(i, i + chunkLines), chunkLines);
      const attempts = await store.exec(trx, kind === 'acquirer_csv' ? attemptsByReferenceSql : attemptsByIdSql, [meta.ownerId, ...part]);
      for (const r of attempts.rows as { ref: string; payment_id: string }[]) keys.set(r.ref, r.payment_id);
      if (kind === 'acquirer_csv') {
        const refunds = await store.exec(trx, refundsByReferenceSql, part);
        for (const r of refunds.rows as { ref: string; payment_id: string }[]) keys.set(r.ref, r.payment_id);
      }
    }
    return keys;
  }

  /** The ledger accounts a statement reports on, one per currency (few rows). */
  async function targetAccounts(meta: FileMeta): Promise<Map<string, string>> {
    const rows = await reader.selectFrom('ledger_accounts').select(['id', 'currency']).where('owner_type', '=', meta.ownerType).where('owner_id', '=', meta.ownerId).where('code', '=', meta.code).execute();
    return new Map(rows.map((r) => [r.id, r.currency]));
  }

  /** The ledger's sums per (key, side) on the reported accounts, for the chunk's keys. */
  async function ledgerGroups(trx: Transaction<Database>, accounts: Map<string, string>, keys: string[]): Promise<Map<string, LedgerGroup[]>> {
    const groups = new Map<string, LedgerGroup[]>();
    if (accounts.size === 0) return groups;
    const ids = [...accounts.keys()];
    const idsArity = Math.ceil(ids.length / 8) * 8;
    for (let i = 0; i < keys.length; i += chunkLines) {
      const part = padded(keys.slice(i, i + chunkLines), chunkLines);
      const { rows } = await store.exec(trx, ledgerGroupsFor(idsArity), [...part, ...padded(ids, idsArity)]);
      for (const r of rows as { reference: string; account_id: string; side: string; amount: string | bigint }[]) {
        const g = { reference: r.reference, currency: accounts.get(r.account_id) as string, side: r.side, amount: BigInt(r.amount) };
        groups.set(`${g.reference}|${g.side}`, [...(groups.get(`${g.reference}|${g.side}`) ?? []), g]);
      }
    }
    return groups;
  }

  async function matchChunk(importId: string, kind: FileKind, meta: FileMeta, target: string, lines: FileLine[], counts: { lines: number; matched: number; exceptions: number; byKind: Record<string, number> }): Promise<void> {
    const accounts = await targetAccounts(meta);
    const now = clock.now().toISOString();
    // Lookups run inside the unit, as prepared statements of fixed arity on the writer's connection.
    await writer.run(async (trx) => {
      const translated = await keysOf(trx, kind, meta, lines);
      const keyed = lines.map((l) => ({ line: l, key: translated.get(l.reference) ?? l.reference, side: sideOf(l.amountMinor) }));
      const groups = await ledgerGroups(trx, accounts, [...new Set(keyed.map((k) => k.key))]);
      const exceptions: Database['recon_exceptions'][] = [];
      const raise = (k: DiscrepancyKind, key: string, l: FileLine | undefined, currency: string | null, expected: bigint | null, actual: bigint | null, detail: string) => {
        exceptions.push({ id: newId('rex', Date.parse(now)), import_id: importId, kind: k, reference: key, account_id: target, currency, expected_amount: expected, actual_amount: actual, detail: l === undefined ? detail : `line ${l.lineNo}: ${detail}`, status: 'open', resolution: null, resolution_entry_id: null, created_at: now, resolved_at: null });
      };
      const firstInChunk = new Map<string, (typeof keyed)[number]>();
      const dupInChunk: (typeof keyed)[number][] = [];
      for (const k of keyed) {
        const id = `${k.key}|${k.side}`;
        if (firstInChunk.has(id)) dupInChunk.push(k);
        else firstInChunk.set(id, k);
      }
      const unique = [...firstInChunk.values()];
      const inserted = new Set<string>();
      for (let i = 0; i < unique.length; i += matchedRowsMax) {
        const part = unique.slice(i, i + matchedRowsMax);
        const params: string[] = [];
        for (const k of part) params.push(target, k.key, k.side, importId);
        const { rows } = await store.exec(trx, insertMatchedFor(part.length), params);
        for (const r of rows as { reference: string; side: string }[]) inserted.add(`${r.reference}|${r.side}`);
      }
      for (const k of dupInChunk) raise('duplicate', k.key, k.line, k.line.currency, null, k.line.amountMinor, `${k.line.reference} appears twice in the file`);
      // Keys claimed before: by this very import (a resumed run) they were handled; otherwise duplicates.
      const claimedHere = new Set<string>();
      const notInserted = unique.filter((k) => !inserted.has(`${k.key}|${k.side}`));
      if (notInserted.length > 0) {
        const mine = await trx.selectFrom('recon_matched').select(['reference', 'side']).where('account_id', '=', target).where('import_id', '=', importId).where('reference', 'in', [...new Set(notInserted.map((k) => k.key))]).execute();
        for (const r of mine) claimedHere.add(`${r.reference}|${r.side}`);
      }
      for (const k of unique) {
        const id = `${k.key}|${k.side}`;
        if (claimedHere.has(id)) continue;
        if (!inserted.has(id)) {
          raise('duplicate', k.key, k.line, k.line.currency, null, k.line.amountMinor, `${k.line.reference} was already reconciled`);
          continue;
        }
        const found = groups.get(id) ?? [];
        const same = found.find((g) => g.currency === k.line.currency);
        if (same !== undefined) {
          if (same.amount === k.line.amountMinor) counts.matched++;
          else raise('amount_mismatch', k.key, k.line, k.line.currency, same.amount, k.line.amountMinor, `${k.line.reference}: file ${k.line.amountMinor}, ledger ${same.amount} ${k.line.currency}`);
        } else if (found.length > 0) {
          const other = found[0] as LedgerGroup;
          raise('currency_mismatch', k.key, k.line, k.line.currency, other.amount, k.line.amountMinor, `${k.line.reference}: file in ${k.line.currency}, ledger in ${other.currency}`);
        } else {
          raise('missing_in_hutong', k.key, k.line, k.line.currency, null, k.line.amountMinor, `${k.line.reference}: ${k.line.amountMinor} ${k.line.currency} on the statement, nothing in the ledger`);
        }
      }
      for (let i = 0; i < exceptions.length; i += 500) await trx.insertInto('recon_exceptions').values(exceptions.slice(i, i + 500)).execute();
      counts.lines += lines.length;
      counts.exceptions += exceptions.length;
      for (const e of exceptions) counts.byKind[e.kind] = (counts.byKind[e.kind] ?? 0) + 1;
    });
  }

  /** What the ledger booked on the account before the file's end and no line (now or before) claimed. */
  async function sweepMissing(importId: string, meta: FileMeta, target: string, counts: { exceptions: number; byKind: Record<string, number> }): Promise<void> {
    const excluded = meta.ownerType === 'channel' ? 'clearing.settle' : '';
    for (;;) {
      const rows = await sql<{ reference: string; currency: string; side: string; amount: string | bigint }>`
        select g.reference, g.currency, g.side, g.amount from (
          select e.link_id as reference, a.currency as currency, case when p.amount > 0 then 'in' else 'out' end as side, sum(p.amount) as amount
          from ledger_accounts a join ledger_postings p on p.account_id = a.id join ledger_entries e on e.id = p.entry_id
          where a.owner_type = ${meta.ownerType} and a.owner_id = ${meta.ownerId} and a.code = ${meta.code}
            and e.kind in ('posted', 'post_pending') and e.created_at < ${meta.until} and e.reason <> ${excluded} and e.link_id is not null
            and (cast(${meta.currency ?? null} as text) is null or a.currency = cast(${meta.currency ?? null} as text))
          group by e.link_id, a.currency, case when p.amount > 0 then 'in' else 'out' end) g
        where not exists (select 1 from recon_matched m where m.account_id = ${target} and m.reference = g.reference and m.side = g.side)
        limit 1000`.execute(reader);
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

  async function listExceptions(query: PageRequest & { status?: string }): Promise<Page<ReconException> | ReconFailure> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === undefined) return fail(SettlementError.ReconExceptionNotFound, 'the cursor is not valid');
    const limit = pageLimit(query);
    let q = reader.selectFrom('recon_exceptions').selectAll();
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    return toPage(await pageQuery(q, after, limit).execute(), limit, toException);
  }

  /**
   * Resolves an open exception: `explain` closes it with a note; `adjust` books the difference
   * (statement − ledger) on the account against reconciliation adjustments, with the note as reason.
   */
  async function resolve(id: string, input: { action: 'adjust' | 'explain'; note: string }): Promise<ReconException | ReconFailure> {
    const row = await reader.selectFrom('recon_exceptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return fail(SettlementError.ReconExceptionNotFound, `no reconciliation exception ${id}`);
    if (row.status !== 'open') return fail(SettlementError.ReconExceptionClosed, `exception ${id} is already ${row.status}`);
    const adjustable = row.kind === 'missing_in_hutong' || row.kind === 'amount_mismatch' || row.kind === 'missing_at_channel';
    if (input.action === 'adjust' && (!adjustable || row.currency === null || row.account_id === null)) {
      return fail(SettlementError.ReconExceptionClosed, `a ${row.kind} exception cannot be adjusted in the ledger; explain it`);
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
        .set({ status: input.action === 'adjust' ? 'resolved' : 'explained', resolution: input.note, resolution_entry_id: entryId, resolved_at: clock.now().toISOString() })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (moved.numUpdatedRows === 0n) return fail(SettlementError.ReconExceptionClosed, `exception ${id} was resolved meanwhile`);
      return undefined;
    });
    if (isFailure(done)) return fail(SettlementError.ReconExceptionClosed, done.detail);
    return toException(await reader.selectFrom('recon_exceptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  }

  async function listImports(): Promise<ImportReport[]> {
    const rows = await reader.selectFrom('recon_imports').selectAll().orderBy('created_at', 'desc').limit(50).execute();
    return rows.map((r) => {
      const s = JSON.parse(r.summary) as { account: string; byKind?: Record<string, number>; closing?: { currency: string; minor: string } | null };
      return { id: r.id, kind: r.kind as FileKind, name: r.name, account: s.account, lines: Number(r.lines), matched: Number(r.matched), exceptions: Number(r.exceptions), byKind: s.byKind ?? {}, closing: s.closing ? { currency: s.closing.currency, minor: BigInt(s.closing.minor) } : null, createdAt: r.created_at };
    });
  }

  /**
   * The reserve funds check (备付金): per currency, the customer and merchant money the ledger owes
   * against the reserve account as the bank's latest statement shows it (plus what the channels
   * still owe). An alert when the bank and the books disagree, or when the reserve falls short.
   */
  async function reserveCheck(): Promise<ReserveReport[]> {
    const sums = await sql<{ currency: string; owner_type: string; code: string; kind: string; balance: string | bigint }>`
      select currency, owner_type, code, kind, sum(credits_posted - debits_posted) as balance from ledger_accounts group by currency, owner_type, code, kind`.execute(reader);
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
      if (statement !== null && statement !== c.bank) alerts.push(`the bank statement shows ${statement}, the ledger books ${c.bank} ${currency} on the reserve account`);
      const shortfall = c.liabilities - ((statement ?? c.bank) + c.receivables);
      if (shortfall > 0n) alerts.push(`the reserve is ${shortfall} ${currency} short of the customer and merchant money held`);
      reports.push({ currency, liabilitiesMinor: c.liabilities, ledgerBankMinor: c.bank, statementBankMinor: statement, receivablesMinor: c.receivables, shortfallMinor: shortfall, ok: alerts.length === 0, alerts });
    }
    // Each alert is also an exception in the operators' queue, once per currency, statement and figure.
    const now = clock.now().toISOString();
    const alerts = reports.flatMap((r) =>
      r.alerts.map((a) => ({
        id: derivedId('rex', 'reserve-alert', `${r.currency}/${statementIds.get(r.currency) ?? 'none'}/${r.ledgerBankMinor}/${r.liabilitiesMinor}/${a}`),
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
    if (alerts.length > 0) await writer.run((trx) => trx.insertInto('recon_exceptions').values(alerts).onConflict((oc) => oc.column('id').doNothing()).execute());
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
