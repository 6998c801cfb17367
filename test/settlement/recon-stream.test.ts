import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCamt053 } from '../../src/protocols/iso20022/index.js';
import { isFailure } from '../../src/core/failure.js';
import { newId } from '../../src/core/ids.js';
import { accountIdFor } from '../../src/ledger/index.js';
import { createPaymentLedger } from '../../src/payments/postings.js';
import {
  batchesOf,
  parseBatches,
  parseFile,
  ReconFileError,
  type FileKind,
  type FileLine,
  type FileMeta,
} from '../../src/reconciliation/parsers.js';
import type { ImportReport } from '../../src/reconciliation/service.js';
import { useTestApp, type TestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';

const freshMeta = (): FileMeta => ({
  ownerType: 'channel',
  ownerId: '',
  code: 'receivable',
  until: '2026-11-21T00:00:00.000Z',
  records: 0,
});

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** Cuts a text into batches of lines at the given line counts (what a reader of any buffer size may hand over). */
function cut(lines: readonly string[], sizes: readonly number[]): string[][] {
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < lines.length) {
    const n = Math.max(1, sizes[k++ % Math.max(1, sizes.length)] ?? 1);
    out.push(lines.slice(i, i + n));
    i += n;
  }
  return out;
}

async function collect(kind: FileKind, batches: readonly (readonly string[])[], meta = freshMeta()): Promise<FileLine[]> {
  const all: FileLine[] = [];
  for await (const lines of parseBatches(kind, from(batches), meta, { channel: 'x' })) all.push(...lines);
  return all;
}

function camt(entries: readonly { ref: string; minor: number }[], options: { pretty?: boolean } = {}): string {
  const nl = options.pretty === false ? '' : '\n';
  const ntry = entries
    .map(
      (e, i) =>
        `  <Ntry>${nl}    <NtryRef>${i + 1}</NtryRef>${nl}    <Amt Ccy="CNY">${(Math.abs(e.minor) / 100).toFixed(2)}</Amt>${nl}    <CdtDbtInd>${e.minor < 0 ? 'DBIT' : 'CRDT'}</CdtDbtInd>${nl}    <BookgDt><Dt>2026-11-20</Dt></BookgDt>${nl}    <AcctSvcrRef>B${i + 1}</AcctSvcrRef>${nl}    <NtryDtls><TxDtls><Refs><EndToEndId>${e.ref}</EndToEndId></Refs></TxDtls></NtryDtls>${nl}  </Ntry>`,
    )
    .join(nl);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>',
    '<GrpHdr><MsgId>CAMT-1</MsgId><CreDtTm>2026-11-20T23:00:00Z</CreDtTm></GrpHdr>',
    '<Stmt><Id>S-1</Id><Acct><Id><Othr><Id>HUTONG-RESERVE-CNY</Id></Othr></Id><Ccy>CNY</Ccy></Acct>',
    '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>',
    '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">12.34</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>',
    ntry,
    '</Stmt></BkToCstmrStmt></Document>',
  ].join(nl === '' ? '' : '\n');
}

describe('statement files parsed in batches', () => {
  it('an acquirer CSV gives the same lines whatever the batches it arrives in', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `2026-11-20,rrn-${i},${i % 5 === 0 ? 'refund' : 'purchase'},${i}.5${i % 10},USD`);
    const lines = ['settlement_date,rrn,type,amount,currency', ...rows, `TRAILER,${rows.length}`, ''];
    const whole: FileLine[] = [];
    for await (const l of parseFile('acquirer_csv', from(lines), freshMeta(), { channel: 'x' })) whole.push(l);
    expect(whole).toHaveLength(40);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 8 }), async (sizes) => {
        const meta = freshMeta();
        expect(await collect('acquirer_csv', cut(lines, sizes), meta)).toEqual(whole);
        expect(meta.records).toBe(40);
      }),
      { numRuns: 40 },
    );
  });

  it('camt.053 is read entry by entry, cut anywhere, pretty-printed or on one line', async () => {
    const entries = Array.from({ length: 25 }, (_, i) => ({ ref: `E2E-${i}`, minor: (i % 3 === 0 ? -1 : 1) * (100 + i) }));
    const expected = parseCamt053(camt(entries));
    if ('failure' in expected) throw new Error(expected.detail);
    for (const pretty of [true, false]) {
      const text = camt(entries, { pretty });
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
          fc.integer({ min: 1, max: 200 }),
          async (sizes, width) => {
            // One-line documents are cut inside tags: a "line" here is any slice of the text.
            const pieces = pretty ? text.split('\n') : (text.match(new RegExp(`[^]{1,${width}}`, 'g')) ?? []);
            const batches = pretty ? cut(pieces, sizes) : pieces.map((p) => [p]);
            const meta = freshMeta();
            const source = pretty ? batches : [[batches.map((b) => b[0]).join('')]];
            const got = await collect('camt053', source, meta);
            expect(got.map((l) => [l.reference, l.amountMinor, l.currency])).toEqual(
              expected.entries.map((e) => [e.reference, e.amountMinor, e.currency]),
            );
            expect(meta).toMatchObject({
              ownerType: 'bank',
              ownerId: 'sandbox',
              code: 'reserve',
              currency: 'CNY',
              records: 25,
              closing: { currency: 'CNY', minor: 1234n },
            });
          },
        ),
        { numRuns: 15 },
      );
    }
  });

  it('camt.053 entries come out before the document ends (it is never held whole)', async () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({ ref: `E2E-${i}`, minor: 100 + i }));
    const lines = camt(entries).split('\n');
    let read = 0;
    async function* source(): AsyncGenerator<string[]> {
      for (const batch of cut(lines, [64])) {
        read += batch.length;
        yield batch;
      }
    }
    let firstAt = -1;
    let count = 0;
    for await (const got of parseBatches('camt053', source(), freshMeta())) {
      if (firstAt === -1) firstAt = read;
      count += got.length;
    }
    expect(count).toBe(3000);
    expect(firstAt).toBeLessThan(200);
    expect(firstAt).toBeGreaterThan(0);
  });

  it('a camt.053 written with namespace prefixes is read whole, with every entry', async () => {
    const text = camt([
      { ref: 'A', minor: 100 },
      { ref: 'B', minor: -200 },
    ])
      .replace('<Document xmlns=', '<c:Document xmlns:c=')
      .replace(/<(\/?)(?!\?)(?!c:)([A-Za-z])/g, '<$1c:$2');
    expect(text).toContain('<c:Ntry>');
    const got = await collect('camt053', [text.split('\n')]);
    expect(got.map((l) => [l.reference, l.amountMinor])).toEqual([
      ['A', 100n],
      ['B', -200n],
    ]);
  });

  it('a truncated or malformed camt.053 is refused, naming where', async () => {
    const text = camt([
      { ref: 'A', minor: 100 },
      { ref: 'B', minor: 200 },
      { ref: 'C', minor: 300 },
    ]);
    const lines = text.split('\n');
    const inEntry = lines.findIndex((l) => l.includes('<EndToEndId>C'));
    await expect(collect('camt053', [lines.slice(0, inEntry)])).rejects.toThrow(/entry 3 has no <\/Ntry>: the statement is truncated/);
    await expect(collect('camt053', [lines.slice(0, -1)])).rejects.toThrow(ReconFileError);
    await expect(collect('camt053', [lines.slice(0, 4)])).rejects.toThrow(/header|OPBD|truncated|well-formed/);
    await expect(
      collect('camt053', [
        text
          .replace(
            '<CdtDbtInd>CRDT</CdtDbtInd>\n    <BookgDt><Dt>2026-11-20</Dt></BookgDt>\n    <AcctSvcrRef>B2',
            '<CdtDbtInd>XXXX</CdtDbtInd>\n    <BookgDt><Dt>2026-11-20</Dt></BookgDt>\n    <AcctSvcrRef>B2',
          )
          .split('\n'),
      ]),
    ).rejects.toThrow(/entry 2: CdtDbtInd/);
    await expect(collect('camt053', [text.replace('Ccy="CNY">2.00', 'Ccy="XYZ">2.00').split('\n')])).rejects.toThrow(/entry 2/);
  });
});

describeEachStore('reconciliation in chunks', (dialect) => {
  const app = useTestApp(dialect);
  const date = () => app.clock.now().toISOString().slice(0, 10);

  async function captures(t: TestApp, channel: string, n: number): Promise<string[]> {
    const { writer, ledger } = t.hutong.services;
    const m = await t.makeMerchant(`Chunk ${channel}`);
    const postings = createPaymentLedger(ledger, accountIdFor);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const paymentId = newId('pay');
      const posted = await writer.run((trx) =>
        postings.captureNow(trx, {
          entryId: newId('ent'),
          paymentId,
          merchantId: m.id,
          source: { kind: 'channel', channel },
          currency: 'USD',
          grossMinor: BigInt(100 * (i + 1)),
          feeMinor: 0n,
        }),
      );
      if (isFailure(posted)) throw new Error(posted.detail);
      ids.push(paymentId);
    }
    return ids;
  }

  const csv = (rows: string[]) => ['settlement_date,rrn,type,amount,currency', ...rows, `TRAILER,${rows.length}`];
  const row = (ref: string, major: string) => `${date()},${ref},purchase,${major},USD`;

  /** 11 lines; in chunks of 4: [p0 p1 p2 p3] [p3 p4 p5≠ p6] [p7 unknown p7] — p8 is not in the file. */
  function chunkFile(ids: string[]): string[] {
    const amount = (i: number) => `${i + 1}.00`;
    return csv([
      row(ids[0] as string, amount(0)),
      row(ids[1] as string, amount(1)),
      row(ids[2] as string, amount(2)),
      row(ids[3] as string, amount(3)),
      row(ids[3] as string, amount(3)), // duplicate, the first is in the chunk before
      row(ids[4] as string, amount(4)),
      row(ids[5] as string, '6.01'), // amount mismatch
      row(ids[6] as string, amount(6)),
      row(ids[7] as string, amount(7)),
      row('pay_unknown_in_last_chunk', '9.99'), // missing in Hutong, in the last (partial) chunk
      row(ids[7] as string, amount(7)), // duplicate inside the last chunk
    ]);
  }

  async function importOk(channel: string, lines: string[], chunkLines?: number, name = `${channel}.csv`): Promise<ImportReport> {
    const r = await app.hutong.services.reconciliation.importFile({
      kind: 'acquirer_csv',
      name,
      channel,
      open: () => from(lines),
      chunkLines,
    });
    if (isFailure(r)) throw new Error(r.detail);
    return r;
  }

  async function exceptionsOf(importId: string) {
    return app.hutong.services.store.reader
      .selectFrom('recon_exceptions')
      .selectAll()
      .where('import_id', '=', importId)
      .orderBy('reference')
      .orderBy('detail')
      .execute();
  }

  it('finds every discrepancy whatever the chunk size, across chunk boundaries and in the last partial chunk', async () => {
    const outcomes: string[] = [];
    for (const size of [1, 3, 4, 10_000]) {
      const channel = `chunks_${size}`;
      const ids = await captures(app, channel, 9);
      const r = await importOk(channel, chunkFile(ids), size);
      expect(r, `chunks of ${size}`).toMatchObject({
        lines: 11,
        matched: 7,
        exceptions: 5,
        byKind: { duplicate: 2, amount_mismatch: 1, missing_in_hutong: 1, missing_at_channel: 1 },
      });
      const ex = await exceptionsOf(r.id);
      const byRef = (ref: string) => ex.filter((e) => e.reference === ref).map((e) => e.kind);
      expect(byRef(ids[3] as string)).toEqual(['duplicate']);
      expect(byRef(ids[5] as string)).toEqual(['amount_mismatch']);
      expect(byRef(ids[7] as string)).toEqual(['duplicate']);
      expect(byRef(ids[8] as string)).toEqual(['missing_at_channel']);
      expect(byRef('pay_unknown_in_last_chunk')).toEqual(['missing_in_hutong']);
      expect(ex.find((e) => e.reference === ids[3])?.detail).toMatch(/line 6: .* appears twice in the file/);
      outcomes.push(JSON.stringify(ex.map((e) => `${e.kind} ${e.detail.replace(/pay_\w+/g, 'p')}`).sort()));
      // Every line's key is claimed once, plus the posting missing at the channel.
      const claims = await app.hutong.services.store.reader
        .selectFrom('recon_matched')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('import_id', '=', r.id)
        .executeTakeFirstOrThrow();
      expect(Number(claims.n)).toBe(9 + 1);
    }
    expect(new Set(outcomes).size).toBe(1);
  });

  it('a line reconciled by an earlier import is a duplicate that names that import', async () => {
    const channel = 'chunks_again';
    const ids = await captures(app, channel, 3);
    const first = await importOk(channel, csv([row(ids[0] as string, '1.00'), row(ids[1] as string, '2.00')]), 1, 'day1.csv');
    expect(first).toMatchObject({ matched: 2, byKind: { missing_at_channel: 1 } });
    const second = await importOk(channel, csv([row(ids[1] as string, '2.00'), row('pay_new', '5.00')]), 1, 'day2.csv');
    expect(second.byKind).toEqual({ duplicate: 1, missing_in_hutong: 1 });
    const ex = await exceptionsOf(second.id);
    expect(ex.find((e) => e.kind === 'duplicate')?.detail).toContain(`was already reconciled (import ${first.id})`);
  });

  it('resumes after a crash between chunks: committed chunks are skipped, every line is reported once', async () => {
    const channel = 'chunks_crash';
    const ids = await captures(app, channel, 9);
    const lines = chunkFile(ids);
    const { reconciliation, store } = app.hutong.services;
    let opened = 0;
    async function* crashing(): AsyncGenerator<string[]> {
      opened++;
      for (const [i, line] of lines.entries()) {
        // Opening 2 is the matching pass: the process dies with chunk 1 (records 1–4) committed and
        // chunk 2 half read (records 5 and 6 handed over).
        if (opened === 2 && i === 7) throw new Error('simulated crash');
        yield [line];
      }
    }
    await expect(
      reconciliation.importFile({ kind: 'acquirer_csv', name: 'crash.csv', channel, openBatches: crashing, chunkLines: 4 }),
    ).rejects.toThrow('simulated crash');
    const running = await store.reader.selectFrom('recon_imports').selectAll().where('name', '=', 'crash.csv').executeTakeFirstOrThrow();
    expect(JSON.parse(running.summary).status).toBe('running');
    expect(Number(running.lines)).toBe(4);
    expect(await exceptionsOf(running.id)).toHaveLength(0);
    const progress: number[] = [];
    const resumed = await reconciliation.importFile({
      kind: 'acquirer_csv',
      name: 'crash.csv',
      channel,
      open: () => from(lines),
      chunkLines: 4,
      onProgress: (n) => progress.push(n),
    });
    if (isFailure(resumed)) throw new Error(resumed.detail);
    expect(resumed.id).toBe(running.id);
    // Chunks after the resume point: records 5–8 and 9–11, not 1–4 again.
    expect(progress.slice(0, 2)).toEqual([8, 11]);
    expect(resumed).toMatchObject({
      lines: 11,
      matched: 7,
      exceptions: 5,
      byKind: { duplicate: 2, amount_mismatch: 1, missing_in_hutong: 1, missing_at_channel: 1 },
    });
    expect(await exceptionsOf(resumed.id)).toHaveLength(5);
    const again = await reconciliation.importFile({
      kind: 'acquirer_csv',
      name: 'crash.csv',
      channel,
      open: () => from(lines),
      chunkLines: 4,
    });
    expect(isFailure(again) && again.failure).toBe('recon_file_duplicate');
  });

  it('chunks are pipelined, yet a chunk that fails stops every later chunk: the resume reports each line once', async () => {
    const channel = 'chunks_pipeline';
    const ids = await captures(app, channel, 9);
    const lines = chunkFile(ids);
    const { reconciliation, store } = app.hutong.services;
    // Line batches of one line: chunk 2 is parsed (and its reads run) while chunk 1's unit runs.
    // Chunk 1 commits, then its completion fails; chunks 2 and 3 must not commit anything.
    const failing = reconciliation.importFile({
      kind: 'acquirer_csv',
      name: 'pipeline.csv',
      channel,
      openBatches: () => batchesOf(from(lines), 1),
      chunkLines: 4,
      onProgress: (n) => {
        if (n === 4) throw new Error('failed after chunk 1');
      },
    });
    await expect(failing).rejects.toThrow('failed after chunk 1');
    const running = await store.reader.selectFrom('recon_imports').selectAll().where('name', '=', 'pipeline.csv').executeTakeFirstOrThrow();
    expect(JSON.parse(running.summary).status).toBe('running');
    expect(Number(running.lines)).toBe(4);
    const claims = await store.reader
      .selectFrom('recon_matched')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('import_id', '=', running.id)
      .executeTakeFirstOrThrow();
    expect(Number(claims.n)).toBe(4);
    expect(await exceptionsOf(running.id)).toHaveLength(0);
    const progress: number[] = [];
    const resumed = await reconciliation.importFile({
      kind: 'acquirer_csv',
      name: 'pipeline.csv',
      channel,
      openBatches: () => batchesOf(from(lines), 1),
      chunkLines: 4,
      onProgress: (n) => progress.push(n),
    });
    if (isFailure(resumed)) throw new Error(resumed.detail);
    expect(resumed.id).toBe(running.id);
    expect(progress.slice(0, 2)).toEqual([8, 11]);
    expect(resumed).toMatchObject({
      lines: 11,
      matched: 7,
      exceptions: 5,
      byKind: { duplicate: 2, amount_mismatch: 1, missing_in_hutong: 1, missing_at_channel: 1 },
    });
    expect(await exceptionsOf(resumed.id)).toHaveLength(5);
  });

  it('a file malformed after some chunks were matched is refused and leaves nothing behind', async () => {
    const channel = 'chunks_bad';
    const ids = await captures(app, channel, 9);
    const good = chunkFile(ids);
    const bad = [...good];
    bad[9] = `${date()},${ids[8]},purchase,1.0.0,USD`;
    const { reconciliation, store } = app.hutong.services;
    const before = await store.reader
      .selectFrom('recon_matched')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    // Line batches of one line: chunks 1–4 (records 1–8) are matched and committed before line 10 is read.
    const r = await reconciliation.importFile({
      kind: 'acquirer_csv',
      name: 'bad.csv',
      channel,
      openBatches: () => batchesOf(from(bad), 1),
      chunkLines: 2,
    });
    expect(isFailure(r) && r.failure).toBe('recon_file_invalid');
    expect(isFailure(r) && r.detail).toMatch(/bad\.csv: line 10: amount 1\.0\.0/);
    const after = await store.reader
      .selectFrom('recon_matched')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect(await store.reader.selectFrom('recon_imports').select('id').where('name', '=', 'bad.csv').execute()).toHaveLength(0);
    // Nothing was claimed, so the corrected file matches as if the bad one had never come.
    expect(await importOk(channel, good, 2, 'fixed.csv')).toMatchObject({
      lines: 11,
      matched: 7,
      byKind: { duplicate: 2, amount_mismatch: 1, missing_in_hutong: 1, missing_at_channel: 1 },
    });
    const cut = good.slice(0, -1);
    const t = await reconciliation.importFile({ kind: 'acquirer_csv', name: 'cut.csv', channel, open: () => from(cut), chunkLines: 2 });
    expect(isFailure(t) && t.detail).toMatch(/truncated/);
  });

  it('reads a file given as line batches the same as line by line', async () => {
    const channel = 'chunks_batches';
    const ids = await captures(app, channel, 9);
    const lines = chunkFile(ids);
    const r = await app.hutong.services.reconciliation.importFile({
      kind: 'acquirer_csv',
      name: 'batches.csv',
      channel,
      openBatches: () => batchesOf(from(lines), 3),
      chunkLines: 4,
    });
    if (isFailure(r)) throw new Error(r.detail);
    expect(r).toMatchObject({
      lines: 11,
      matched: 7,
      byKind: { duplicate: 2, amount_mismatch: 1, missing_in_hutong: 1, missing_at_channel: 1 },
    });
  });
});
