import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { createHutong, type Hutong } from '../app.js';
import { findCurrency, formatDecimal } from '../money/index.js';
import { createBankClient, type BankClient } from '../channels/bank/index.js';
import { checkBankConnector } from '../channels/index.js';
import { loadConfig } from '../config.js';
import { isFailure } from '../core/index.js';
import { fileKinds, type FileKind } from '../reconciliation/index.js';
import { fileLineBatches } from '../reconciliation/index.js';
import { startSandboxBank } from '../../sandbox/bank/bank.js';
import { readSandboxEndpoints } from './sandbox-endpoints.js';

/** The settlement bank `hutong start` talks to: HUTONG_BANK_URL, or the sandbox bank in-process. */
export async function startBank(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ client: BankClient; url: string; sandbox: boolean; close(): Promise<void> }> {
  const configured = env.HUTONG_BANK_URL;
  if (configured !== undefined && configured !== '')
    return { client: checkBankConnector(createBankClient(configured)), url: configured, sandbox: false, close: async () => undefined };
  const bank = await startSandboxBank({ port: Number(env.SANDBOX_BANK_PORT ?? 0) });
  return { client: checkBankConnector(createBankClient(bank.baseUrl)), url: bank.baseUrl, sandbox: true, close: () => bank.close() };
}

/** Lines of a file, streamed (memory does not grow with the file). */
export async function* fileLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of lines) yield line;
}

/** acquirer CSV, wallet bill or camt.053, from the file's first bytes. */
export async function guessKind(path: string): Promise<FileKind> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(256), 0, 256, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8').trimStart();
    if (head.startsWith('<')) return 'camt053';
    if (head.startsWith('#')) return 'wallet_bill';
    if (head.startsWith('reference,receipt_no,')) return 'biller_eod';
    return 'acquirer_csv';
  } finally {
    await handle.close();
  }
}

export function registerSettlementCommands(program: Command): void {
  program
    .command('settle')
    .description('run settlement for every merchant (statements for the windows that are due); --payouts also sends them to the bank')
    .option('--merchant <id>', 'only this merchant')
    .option('--payouts', 'send pending payouts to the bank (HUTONG_BANK_URL) as pain.001')
    .option('--window-end <time>', "an operator cut-off in the past (ISO 8601) instead of each schedule's window")
    .action(async (options: { merchant?: string; payouts?: boolean; windowEnd?: string }) => {
      const config = loadConfig();
      // HUTONG_BANK_URL, else the sandbox bank that `hutong start` runs on this data directory.
      const bankUrl = process.env.HUTONG_BANK_URL || readSandboxEndpoints(config.dataDir).bank_url;
      const hutong = await createHutong(config, { logger: false, bank: bankUrl ? createBankClient(bankUrl) : undefined });
      try {
        const started = Date.now();
        const run = await hutong.services.settlement.run({
          merchantId: options.merchant,
          windowEnd: options.windowEnd === undefined ? undefined : new Date(options.windowEnd),
        });
        if (isFailure(run)) throw new Error(run.detail);
        for (const s of run.statements) {
          console.log(
            `${s.id}  ${s.merchantId}  ${s.currency}  lines ${s.linesCount}  total ${s.linesTotal}  reserve ${s.reserve}  payout ${s.payout}  carried ${s.carriedOut}`,
          );
        }
        console.log(
          `settled: ${run.statements.length} statements (${run.replayed} found made by an earlier run, ${run.reservesReleased} reserves released) in ${Date.now() - started} ms`,
        );
        if (options.payouts) {
          const sent = await hutong.services.payouts.send();
          if (isFailure(sent)) throw new Error(sent.detail);
          console.log(`payouts: ${sent.paid} paid, ${sent.failed} rejected by the bank, ${sent.waiting} waiting (no bank account)`);
        }
      } finally {
        await hutong.close();
      }
    });

  program
    .command('reconcile')
    .description(
      "import a statement file (acquirer CSV, wallet bill, camt.053, or a biller's end-of-day file) and match it against the ledger (a biller's against its bill payments)",
    )
    .argument('<file>', 'the file')
    .option('--kind <kind>', `one of ${fileKinds.join(', ')} (default: from the file's first bytes)`)
    .option('--channel <name>', 'the acquirer channel the CSV comes from', 'sandbox_acquirer')
    .option('--biller <id>', "a biller's end-of-day file (biller_eod): the biller's id")
    .option('--date <YYYY-MM-DD>', "a biller's end-of-day file: its day (default: its bookings')")
    .option('--json', 'print the report as JSON')
    .action(async (file: string, options: { kind?: string; channel: string; biller?: string; date?: string; json?: boolean }) => {
      const kind = (options.kind ?? (await guessKind(file))) as FileKind;
      if (!fileKinds.includes(kind)) throw new Error(`--kind is one of ${fileKinds.join(', ')}`);
      const hutong = await createHutong(loadConfig(), { logger: false });
      try {
        const started = Date.now();
        let nextReport = 100_000;
        const report = await hutong.services.reconciliation.importFile({
          kind,
          name: file,
          channel: kind === 'biller_eod' ? options.biller : options.channel,
          ...(options.date === undefined ? {} : { date: options.date }),
          openBatches: () => fileLineBatches(file),
          onProgress: (lines) => {
            if (lines < nextReport) return;
            nextReport = lines + 100_000;
            const seconds = (Date.now() - started) / 1000;
            console.error(
              `reconcile: ${lines.toLocaleString('en')} lines matched (${Math.round(lines / seconds).toLocaleString('en')} lines/s)`,
            );
          },
        });
        if (isFailure(report)) {
          console.error(`${report.failure}: ${report.detail}`);
          process.exitCode = 1;
          return;
        }
        const found = await discrepanciesOf(hutong.services.reconciliation, report.id);
        if (options.json) {
          const json = { ...report, discrepancies: found.list, discrepancies_truncated: found.truncated };
          console.log(JSON.stringify(json, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
        } else {
          console.log(
            `${report.id}: ${report.lines} lines, ${report.matched} matched, ${report.exceptions} exceptions ${JSON.stringify(report.byKind)} in ${Date.now() - started} ms`,
          );
          if (found.list.length > 0) console.log(discrepancyTable(found.list));
          if (found.truncated)
            console.log(`… the first ${discrepanciesShownMax}; all: GET /v1/operator/reconciliation/exceptions?status=open`);
        }
      } finally {
        await hutong.close();
      }
    });
}

/** How many discrepancies `hutong reconcile` lists; the rest stay in the exceptions API. */
const discrepanciesShownMax = 1_000;

interface Discrepancy {
  readonly kind: string;
  readonly reference: string;
  readonly currency: string | null;
  readonly statement_amount: string | null;
  readonly ledger_amount: string | null;
  readonly detail: string;
  readonly exception: string;
}

/** The exceptions one import raised (kind, reference, amounts as decimals), at most `discrepanciesShownMax`. */
async function discrepanciesOf(
  reconciliation: Hutong['services']['reconciliation'],
  importId: string,
): Promise<{ list: Discrepancy[]; truncated: boolean }> {
  const list: Discrepancy[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await reconciliation.listExceptions({ importId, limit: 100, cursor });
    if (isFailure(page)) throw new Error(page.detail);
    for (const e of page.data) {
      if (list.length === discrepanciesShownMax) return { list, truncated: true };
      const decimal = (minor: bigint | null) =>
        minor === null
          ? null
          : e.currency !== null && findCurrency(e.currency) !== undefined
            ? formatDecimal({ minor, currency: e.currency })
            : minor.toString();
      list.push({
        kind: e.kind,
        reference: e.reference,
        currency: e.currency,
        statement_amount: decimal(e.actualMinor),
        ledger_amount: decimal(e.expectedMinor),
        detail: e.detail,
        exception: e.id,
      });
    }
    if (page.nextCursor === null) return { list, truncated: false };
    cursor = page.nextCursor;
  }
}

function discrepancyTable(list: readonly Discrepancy[]): string {
  const rows = [
    ['kind', 'reference', 'currency', 'statement', 'ledger', 'detail'],
    ...list.map((d) => [d.kind, d.reference, d.currency ?? '-', d.statement_amount ?? '-', d.ledger_amount ?? '-', d.detail]),
  ];
  const widths = rows[0]!.map((_, i) => Math.min(40, Math.max(...rows.map((r) => (r[i] ?? '').length))));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}
