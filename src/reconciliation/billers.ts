import { createHash } from 'node:crypto';
import { newId, type Clock } from '../core/index.js';
import type { Database, Store, Writer } from '../store/index.js';
import { ReconFileError } from './parsers.js';

/**
 * Billers' end-of-day files as a source of reconciliation (issue 15), beside the channels' files
 * and the bank's camt.053. A biller file (`biller_eod`) is what the biller booked on one UTC day,
 * a line per booking under Hutong's payment id:
 *
 *     reference,receipt_no,account,amount_minor,booked_at
 *
 * It is matched against Hutong's bill payments through a port (the bill payment module answers it,
 * bound in app.ts: reconciliation never reads billpay's tables):
 *  - booked by the biller, paid at Hutong, same amount: matched (a payment still waiting for the
 *    biller's answer is settled by the file, the biller's word);
 *  - booked by the biller, no such payment at Hutong (or refunded): `missing_in_hutong`;
 *  - booked with another amount: `amount_mismatch`;
 *  - accepted at Hutong that day, not in the file: the biller is asked; not booked there, the
 *    payment is posted again under Hutong's id (the biller books an id once) and the break is
 *    recorded as explained; booked but left out of the file, or posted again without success:
 *    `missing_at_channel`, open;
 *  - a booking in the file twice: `duplicate`; one an earlier file of the biller reconciled is
 *    skipped (the same booking: the biller books an id once).
 * The breaks go to the same exception queue as every other file's, and are resolved the same way
 * (explained; a biller break has no ledger difference to book, so it is not adjusted). A file is
 * imported once (its hash with the biller's id); an import a crash cut short is redone from the start.
 */
export const billerFileHeader = 'reference,receipt_no,account,amount_minor,booked_at';
/** Bookings in one biller file at most (a biller's day; a bigger file is refused, not half read). */
export const billerFileLinesMax = 200_000;

export interface BillerFileLine {
  readonly lineNo: number;
  readonly reference: string;
  readonly receipt: string;
  readonly account: string;
  readonly amountMinor: bigint;
  readonly bookedAt: string;
}

/** A bill payment as Hutong holds it, by its id (the reference the biller books). */
export interface HutongBillPayment {
  readonly reference: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  /** accepted by the biller; waiting for its answer; never paid or paid back. */
  readonly status: 'accepted' | 'waiting' | 'not_paid';
}

/** What reconciliation asks of the bill payment module. */
export interface BillerBooksPort {
  /** The biller's currency; undefined for a biller Hutong does not know. */
  billerCurrency(billerId: string): Promise<string | undefined>;
  /** Hutong's bill payments to the biller among these references. */
  payments(billerId: string, references: readonly string[]): Promise<Map<string, HutongBillPayment>>;
  /** The payments the biller accepted, created in [from, until). */
  acceptedBetween(billerId: string, from: string, until: string): Promise<HutongBillPayment[]>;
  /** The file shows a booking Hutong still waits on: record the biller's acceptance. */
  confirm(reference: string, receipt: string, amountMinor: bigint): Promise<void>;
  /** An accepted payment missing from the file: ask the biller; not booked → post again under Hutong's id. */
  recheck(billerId: string, reference: string): Promise<'booked' | 'reposted' | 'not_booked'>;
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Parses a biller file; throws ReconFileError naming the line. The file's date is its bookings' (all one UTC day). */
export function parseBillerFile(lines: readonly string[], date?: string): { date: string | undefined; lines: BillerFileLine[] } {
  const out: BillerFileLine[] = [];
  let fileDate = date;
  let lineNo = 0;
  for (const raw of lines) {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineNo === 1) {
      if (line !== billerFileHeader) throw new ReconFileError(`line 1: expected the header ${billerFileHeader}`);
      continue;
    }
    if (line === '') continue;
    const f = line.split(',');
    if (f.length !== 5) throw new ReconFileError(`line ${lineNo}: expected 5 fields, found ${f.length}`);
    const [reference, receipt, account, amount, bookedAt] = f as [string, string, string, string, string];
    if (reference === '' || reference.length > 100) throw new ReconFileError(`line ${lineNo}: the reference is empty or too long`);
    if (receipt === '') throw new ReconFileError(`line ${lineNo}: no receipt number`);
    if (!/^[1-9]\d{0,17}$/.test(amount)) throw new ReconFileError(`line ${lineNo}: amount_minor ${amount} is not a positive whole number`);
    if (!instantPattern.test(bookedAt) || Number.isNaN(Date.parse(bookedAt)))
      throw new ReconFileError(`line ${lineNo}: booked_at ${bookedAt} is not a UTC instant`);
    const day = bookedAt.slice(0, 10);
    fileDate ??= day;
    if (day !== fileDate) throw new ReconFileError(`line ${lineNo}: booked on ${day}, the file is for ${fileDate}`);
    if (out.length === billerFileLinesMax) throw new ReconFileError(`more than ${billerFileLinesMax} bookings in one file`);
    out.push({ lineNo, reference, receipt, account, amountMinor: BigInt(amount), bookedAt });
  }
  if (lineNo === 0) throw new ReconFileError('line 1: the file is empty (no header)');
  return { date: fileDate, lines: out };
}

export interface BillerImportInput {
  readonly name: string;
  readonly billerId: string | undefined;
  /** The file's day; else its bookings' (an empty file needs it, or a YYYY-MM-DD in its name). */
  readonly date?: string;
  readonly batches: () => AsyncIterable<readonly string[]>;
}

export interface BillerImportResult {
  id: string;
  account: string;
  lines: number;
  matched: number;
  exceptions: number;
  byKind: Record<string, number>;
  createdAt: string;
}

/** A file refused (service.ts makes it the settlement module's recon_file_invalid / recon_file_duplicate). */
export interface BillerImportRefusal {
  readonly refused: 'invalid' | 'duplicate';
  readonly detail: string;
}
const fail = (refused: BillerImportRefusal['refused'], detail: string): BillerImportRefusal => ({ refused, detail });

export const billerAccount = (billerId: string) => `biller/${billerId}/payable`;

export async function importBillerFile(
  deps: { store: Store; writer: Writer; clock: Clock; books: BillerBooksPort | undefined },
  input: BillerImportInput,
): Promise<BillerImportResult | BillerImportRefusal> {
  const { store, writer, clock, books } = deps;
  if (books === undefined) return fail('invalid', 'bill payment is not available on this Hutong');
  const billerId = input.billerId;
  if (billerId === undefined || billerId === '')
    return fail('invalid', `${input.name}: a biller file needs its biller (channel / --biller)`);
  const currency = await books.billerCurrency(billerId);
  if (currency === undefined) return fail('invalid', `${input.name}: no biller ${billerId}`);
  if (input.date !== undefined && !datePattern.test(input.date))
    return fail('invalid', `${input.name}: the date ${input.date} is not YYYY-MM-DD`);
  const raw: string[] = [];
  const hash = createHash('sha256').update(`biller_eod ${billerId}\n`);
  for await (const batch of input.batches()) {
    if (raw.length + batch.length > billerFileLinesMax + 1)
      return fail('invalid', `${input.name}: more than ${billerFileLinesMax} bookings in one file`);
    raw.push(...batch);
    hash.update(batch.join('\n'));
    hash.update('\n');
  }
  let parsed: ReturnType<typeof parseBillerFile>;
  try {
    parsed = parseBillerFile(raw, input.date);
  } catch (error) {
    if (error instanceof ReconFileError) return fail('invalid', `${input.name}: ${error.message}`);
    throw error;
  }
  const date = parsed.date ?? /\d{4}-\d{2}-\d{2}/.exec(input.name)?.[0];
  if (date === undefined) return fail('invalid', `${input.name}: an empty biller file needs its date`);
  hash.update(`date ${date}\n`);
  const fileHash = hash.digest('hex');
  const account = billerAccount(billerId);

  // Imported once: a finished import of the same file is refused; one a crash cut short is redone under its id.
  const before = await store.reader
    .selectFrom('recon_imports')
    .select(['id', 'created_at', 'summary'])
    .where('file_hash', '=', fileHash)
    .executeTakeFirst();
  const resumed = before !== undefined && (JSON.parse(before.summary) as { status?: string }).status === 'running';
  if (before !== undefined && !resumed)
    return fail('duplicate', `${input.name} was imported before as ${before.id} (${before.created_at}); nothing was matched twice`);
  const id = resumed ? before.id : newId('rimp', clock.now().getTime());
  const createdAt = resumed ? before.created_at : clock.now().toISOString();
  const claimed = await writer.run(async (trx) => {
    if (resumed) {
      await trx.deleteFrom('recon_exceptions').where('import_id', '=', id).execute();
      await trx.deleteFrom('recon_matched').where('import_id', '=', id).execute();
      return true;
    }
    const r = await trx
      .insertInto('recon_imports')
      .values({
        id,
        kind: 'biller_eod',
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
  if (!claimed) return fail('duplicate', `${input.name} is being imported or was imported before`);

  const now = clock.now().toISOString();
  const nowMs = Date.parse(now);
  const exceptions: Database['recon_exceptions'][] = [];
  const raise = (
    kind: string,
    reference: string,
    expected: bigint | null,
    actual: bigint | null,
    detail: string,
    resolution: string | null = null,
  ) =>
    exceptions.push({
      id: newId('rex', nowMs),
      import_id: id,
      kind,
      reference,
      account_id: account,
      currency,
      expected_amount: expected,
      actual_amount: actual,
      detail,
      status: resolution === null ? 'open' : 'explained',
      resolution,
      resolution_entry_id: null,
      created_at: now,
      resolved_at: resolution === null ? null : now,
    });

  // The file's lines: claimed (reference, 'in') on the biller's account, then matched.
  const references = [...new Set(parsed.lines.map((l) => l.reference))];
  const ours = await books.payments(billerId, references);
  const earlier = new Set<string>();
  for (let i = 0; i < references.length; i += 500) {
    const rows = await store.reader
      .selectFrom('recon_matched')
      .select(['reference', 'import_id'])
      .where('account_id', '=', account)
      .where('side', '=', 'in')
      .where('reference', 'in', references.slice(i, i + 500))
      .execute();
    for (const r of rows) if (r.import_id !== id) earlier.add(r.reference);
  }
  const seen = new Set<string>();
  const claims: string[] = [];
  let matched = 0;
  let already = 0;
  for (const l of parsed.lines) {
    const at = `line ${l.lineNo}: ${l.reference}`;
    if (seen.has(l.reference)) {
      raise('duplicate', l.reference, null, l.amountMinor, `${at} appears twice in the file`);
      continue;
    }
    seen.add(l.reference);
    // Reconciled by an earlier file of this biller (a day's file fetched again with a booking
    // posted again since): the biller books an id once, so it is the same booking, not a break.
    if (earlier.has(l.reference)) {
      already++;
      continue;
    }
    claims.push(l.reference);
    const payment = ours.get(l.reference);
    if (payment === undefined || payment.status === 'not_paid') {
      raise(
        'missing_in_hutong',
        l.reference,
        null,
        l.amountMinor,
        `${at}: the biller booked ${l.amountMinor} ${currency} (receipt ${l.receipt}), Hutong has no payment of it${payment === undefined ? '' : ' (paid back to the payer)'}`,
      );
    } else if (payment.amountMinor !== l.amountMinor) {
      raise(
        'amount_mismatch',
        l.reference,
        payment.amountMinor,
        l.amountMinor,
        `${at}: the biller booked ${l.amountMinor}, Hutong paid ${payment.amountMinor} ${currency} (receipt ${l.receipt})`,
      );
    } else {
      if (payment.status === 'waiting') await books.confirm(l.reference, l.receipt, l.amountMinor);
      matched++;
    }
  }

  // Accepted at Hutong that day, in no file: ask the biller.
  const next = new Date(Date.parse(`${date}T00:00:00.000Z`) + 86_400_000).toISOString();
  const accepted = await books.acceptedBetween(billerId, `${date}T00:00:00.000Z`, next);
  const absent = accepted.filter((p) => !seen.has(p.reference));
  const claimedBefore = new Set<string>();
  for (let i = 0; i < absent.length; i += 500) {
    const rows = await store.reader
      .selectFrom('recon_matched')
      .select('reference')
      .where('account_id', '=', account)
      .where('side', 'in', ['in', 'missing'])
      .where(
        'reference',
        'in',
        absent.slice(i, i + 500).map((p) => p.reference),
      )
      .execute();
    for (const r of rows) claimedBefore.add(r.reference);
  }
  // Each one is asked about once: it is claimed as `missing` (a later file that has it still matches it).
  const swept: string[] = [];
  for (const p of absent) {
    if (claimedBefore.has(p.reference)) continue;
    swept.push(p.reference);
    const answer = await books.recheck(billerId, p.reference);
    const what = `${p.reference}: Hutong paid ${p.amountMinor} ${currency} on ${date}, not in the biller's file`;
    if (answer === 'reposted')
      raise(
        'missing_at_channel',
        p.reference,
        p.amountMinor,
        null,
        what,
        'not booked at the biller: posted again under Hutong\u2019s id (it is in the next file)',
      );
    else if (answer === 'booked') raise('missing_at_channel', p.reference, p.amountMinor, null, `${what}; the biller says it booked it`);
    else raise('missing_at_channel', p.reference, p.amountMinor, null, `${what}; not booked there, and posting it again failed`);
  }

  const byKind: Record<string, number> = {};
  for (const e of exceptions) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
  await writer.run(async (trx) => {
    for (let i = 0; i < claims.length; i += 500)
      await trx
        .insertInto('recon_matched')
        .values(claims.slice(i, i + 500).map((reference) => ({ account_id: account, reference, side: 'in', import_id: id })))
        .onConflict((oc) => oc.columns(['account_id', 'reference', 'side']).doNothing())
        .execute();
    for (let i = 0; i < swept.length; i += 500)
      await trx
        .insertInto('recon_matched')
        .values(swept.slice(i, i + 500).map((reference) => ({ account_id: account, reference, side: 'missing', import_id: id })))
        .onConflict((oc) => oc.columns(['account_id', 'reference', 'side']).doNothing())
        .execute();
    for (let i = 0; i < exceptions.length; i += 500)
      await trx
        .insertInto('recon_exceptions')
        .values(exceptions.slice(i, i + 500))
        .execute();
    await trx
      .updateTable('recon_imports')
      .set({
        lines: BigInt(parsed.lines.length),
        matched: BigInt(matched),
        exceptions: BigInt(exceptions.length),
        summary: JSON.stringify({ status: 'done', account, byKind, closing: null, date, alreadyReconciled: already }),
      })
      .where('id', '=', id)
      .execute();
  });
  return { id, account, lines: parsed.lines.length, matched, exceptions: exceptions.length, byKind, createdAt };
}
