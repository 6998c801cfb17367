import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createHutong } from '../app.js';
import { createIdentityClient } from '../channels/identity/index.js';
import type { HutongConfig } from '../config.js';
import { loadConfig } from '../config.js';
import { isFailure } from '../core/index.js';
import { beijingDayRange, largeValueCsv, largeValueLines, verifyAuditLog, type IdentityPort, type RiskService } from '../risk/index.js';
import { openStore } from '../store/index.js';
import { crossBorderDayTotals, walletDayTotals } from '../read-models/index.js';
import { writeFileSync } from 'node:fs';
import { identityKeyDefault, startIdentityService } from '../../sandbox/identity/index.js';

/** The sample sanctions lists that ship with Hutong (samples/sanctions/), found from src/ or dist/src/. */
export function sampleListsDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++, dir = dirname(dir)) {
    const candidate = join(dir, 'samples', 'sanctions');
    if (existsSync(join(candidate, 'sdn.csv'))) return candidate;
  }
  return undefined;
}

/** At first start no list is loaded: the sample ones are, so that screening has something to screen against. */
export async function loadSampleListsIfNone(risk: RiskService): Promise<string> {
  const loaded = await risk.lists();
  if (loaded.length > 0) return loaded.map((l) => `${l.list} (${l.entries})`).join(', ');
  const dir = sampleListsDir();
  if (dir === undefined) return 'none (samples/sanctions not found; use `hutong risk lists import FILE`)';
  for (const file of ['sdn.csv', 'un-consolidated.xml']) {
    const imported = await risk.importListFile(join(dir, file));
    if (isFailure(imported)) throw new Error(`sample list ${file}: ${imported.detail}`);
  }
  return 'the samples (fictional entries; import the full lists with `hutong risk lists import FILE`)';
}

/**
 * The identity service for `hutong start`: HUTONG_IDENTITY_URL (with HUTONG_IDENTITY_KEY), or the
 * sandbox identity service started in-process with the public sandbox key.
 */
export async function startIdentity(
  config: HutongConfig,
): Promise<{ port: IdentityPort; url: string; sandbox: boolean; close(): Promise<void> }> {
  const risk = config.risk;
  if (risk?.identityUrl !== undefined) {
    if (risk.identityKey === undefined) throw new Error('HUTONG_IDENTITY_URL needs HUTONG_IDENTITY_KEY');
    return {
      port: createIdentityClient({ baseUrl: risk.identityUrl, apiKey: risk.identityKey }),
      url: risk.identityUrl,
      sandbox: false,
      close: async () => undefined,
    };
  }
  const service = await startIdentityService({ port: 0 });
  return {
    port: createIdentityClient({ baseUrl: service.baseUrl, apiKey: identityKeyDefault }),
    url: service.baseUrl,
    sandbox: true,
    close: () => service.close(),
  };
}

export function registerRiskCommands(program: Command): void {
  const risk = program.command('risk').description('risk and compliance tools');
  const lists = risk.command('lists').description('sanctions lists');
  lists
    .command('import')
    .description(
      "load OFAC's sdn.csv (alt.csv beside it is read too) or the UN consolidated list XML; a malformed file is refused and the old list kept",
    )
    .argument('<files...>', 'sdn.csv and/or consolidated.xml')
    .action(async (files: string[]) => {
      const hutong = await createHutong(loadConfig(), { logger: false });
      try {
        for (const file of files) {
          const started = Date.now();
          const imported = await hutong.services.risk.importListFile(file);
          if (isFailure(imported)) {
            console.error(`${file}: refused (${imported.detail}); the list loaded before stays in use`);
            process.exitCode = 1;
            continue;
          }
          console.log(
            `${imported.list}: ${imported.entries} entries from ${file}; ${imported.rescreened} parties rescreened, ${imported.hits} with hits to review (${Date.now() - started} ms)`,
          );
        }
      } finally {
        await hutong.close();
      }
    });
  lists
    .command('show')
    .description('the sanctions lists loaded')
    .action(async () => {
      const hutong = await createHutong(loadConfig(), { logger: false });
      try {
        for (const l of await hutong.services.risk.lists())
          console.log(`${l.list}  ${l.entries} entries  imported ${l.importedAt}  from ${l.source}`);
      } finally {
        await hutong.close();
      }
    });
  risk
    .command('large-value-report')
    .description('the large-value transaction report of one Beijing day (PBOC thresholds), as CSV')
    .requiredOption('--day <YYYY-MM-DD>', 'the day, in Beijing time')
    .option('--out <file>', 'write the CSV here (default: print it)')
    .action(async (options: { day: string; out?: string }) => {
      const hutong = await createHutong(loadConfig(), { logger: false });
      try {
        const range = beijingDayRange(options.day);
        const reader = hutong.services.store.reader;
        const totals = [...(await walletDayTotals(reader, range)), ...(await crossBorderDayTotals(reader, range))];
        const lines = largeValueLines(options.day, totals);
        const csv = largeValueCsv(lines);
        if (options.out === undefined) process.stdout.write(csv);
        else {
          writeFileSync(options.out, csv);
          console.log(`${lines.length} large-value lines for ${options.day} written to ${options.out}`);
        }
      } finally {
        await hutong.close();
      }
    });
  risk
    .command('scan')
    .description(
      "the daily AML job by hand: one Beijing day's suspicious-activity scan and its large-value report (the scheduler runs it daily)",
    )
    .requiredOption('--day <YYYY-MM-DD>', 'the day, in Beijing time')
    .action(async (options: { day: string }) => {
      const hutong = await createHutong(loadConfig(), { logger: false });
      try {
        const run = await hutong.riskDaily.runDay(options.day, 'hand');
        if (isFailure(run)) throw new Error(run.detail);
        console.log(
          `${run.day}: ${run.casesOpened} cases opened, ${run.largeValueLines} large-value lines (scan run ${run.runs} time${run.runs === 1 ? '' : 's'})`,
        );
      } finally {
        await hutong.close();
      }
    });
  risk
    .command('cases-scan')
    .description("open suspicious-activity cases from one Beijing day's wallet movements (structuring, rapid in-and-out, many payers)")
    .requiredOption('--day <YYYY-MM-DD>', 'the day, in Beijing time')
    .action(async (options: { day: string }) => {
      const hutong = await createHutong(loadConfig(), { logger: false });
      try {
        const opened = await hutong.services.risk.scanCases(options.day);
        if (isFailure(opened)) throw new Error(opened.detail);
        for (const c of opened) console.log(`${c.id}  ${c.typology}  ${c.partyId}  ${c.summary}`);
        console.log(`${opened.length} cases opened for ${options.day}`);
      } finally {
        await hutong.close();
      }
    });
  const audit = program.command('audit').description('the audit log of operator actions and setting changes');
  audit
    .command('verify')
    .description("check the audit log's hash chain; exits 1 and names the first broken row")
    .action(async () => {
      const store = await openStore(loadConfig().store, { migrate: false });
      try {
        const report = await verifyAuditLog(store.reader);
        if (report.ok) console.log(`audit log verified: ${report.rows} rows, hash chain intact`);
        else console.log(`AUDIT LOG BROKEN at row ${report.brokenAt}: ${report.problem} (${report.rows} rows before it verified)`);
        process.exitCode = report.ok ? 0 : 1;
      } finally {
        await store.close();
      }
    });
}
