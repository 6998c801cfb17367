#!/usr/bin/env node
import { Command } from 'commander';
import { createHutong } from '../app.js';
import { loadConfig } from '../config.js';
import { verifyLedger } from '../ledger/index.js';
import { openStore } from '../store/database.js';
import { migrate } from '../store/migrate.js';
import { startChannels } from './channels.js';
import { startThreeDSecure } from './three-d-secure.js';
import { startWallets } from './wallets.js';
import { startFx } from './fx.js';
import { systemClock } from '../core/clock.js';
import { seedDemo } from './demo.js';
import { registerSettlementCommands, startBank } from './settlement.js';
import { loadSampleListsIfNone, registerRiskCommands, startIdentity } from './risk.js';

const program = new Command();
program.name('hutong').description('Hutong (互通): a third-party payment platform for cross-border e-commerce');

program
  .command('start')
  .description('start the API (store from DATABASE_URL, port from PORT)')
  .option('--no-demo', 'do not seed the sandbox demo merchant and customers')
  .action(async (options: { demo: boolean }) => {
    const config = loadConfig();
    const cards = await startChannels(config);
    const threeDS = await startThreeDSecure(config, systemClock);
    const wallets = await startWallets(systemClock);
    const bank = await startBank();
    const identity = await startIdentity(config);
    const hutong = await createHutong(config, {
      channels: cards.channels,
      threeDSecure: threeDS.port,
      wallets: wallets.port,
      bank: bank.client,
      identity: identity.port,
    });
    hutong.services.payments.sweeper.start();
    const sanctionsLists = await loadSampleListsIfNone(hutong.services.risk);
    const fxFeed = await startFx(config, hutong.services.fx, (message) => hutong.server.log.warn(message));
    await hutong.services.cycle.start();
    hutong.timers.start();
    const operator = await hutong.services.parties.ensureOperatorKey(config.adminKey);
    const demo = options.demo ? await seedDemo(hutong, config.dataDir) : undefined;
    const address = await hutong.server.listen({ port: config.port, host: config.host });
    const base = address.replace('[::1]', 'localhost');
    const where = config.store.dialect === 'sqlite' ? `SQLite ${config.store.path}` : 'PostgreSQL';
    const lines = [
      '',
      `Hutong is running on ${where}`,
      `  API         ${base}/v1`,
      `  API docs    ${base}/docs`,
      `  OpenAPI     ${base}/openapi.json`,
      `  Health      ${base}/healthz`,
      `  Metrics     ${base}/metrics`,
      `  Dashboard   ${base}/dashboard   (sign in with a merchant secret key)`,
      `  Console     ${base}/ops         (sign in with the operator key)`,
      `Card acquirer (ISO 8583 over TCP)  ${cards.acquirer}${cards.world === undefined ? '' : '  — the sandbox card world; test cards in docs/test-cards.md'}`,
      `3-D Secure directory server        ${threeDS.url}${threeDS.sandbox ? '  — sandbox; challenge code 123456' : ''}`,
      `Outside wallets (sandbox)          ${wallets.url}  — alipay_sandbox, wechat_sandbox, quickpass_sandbox`,
      `FX rate feed (ECB XML)             ${fxFeed.url}${fxFeed.sandbox ? '  — sandbox market, rates move every minute' : ''}`,
      `Settlement bank (ISO 20022)        ${bank.url}${bank.sandbox ? '  — sandbox; pain.001 in, pain.002 and camt.053 out' : ''}`,
      `Identity service (real-name)       ${identity.url}${identity.sandbox ? '  — sandbox; residents in docs/risk.md' : ''}`,
      `Sanctions lists                    ${sanctionsLists}`,
    ];
    if (demo !== undefined)
      lines.push(
        `Demo merchant "${demo.merchantName}" (${demo.merchantId})`,
        `  test secret key  ${demo.secretKey ?? '(shown at first start only)'}`,
      );
    if (operator.generated !== null) lines.push(`Operator key (printed this once; stored hashed): ${operator.generated}`);
    else
      lines.push(
        config.adminKey
          ? 'Operator key: from HUTONG_ADMIN_KEY'
          : 'Operator key: printed at first start; set HUTONG_ADMIN_KEY to choose one',
      );
    console.log(lines.join('\n') + '\n');

    const stop = async (signal: string) => {
      hutong.server.log.info({ signal }, 'shutting down');
      await hutong.services.payments.sweeper.stop();
      await hutong.timers.stop();
      await hutong.close();
      await cards.close();
      await threeDS.close();
      await wallets.close();
      await fxFeed.close();
      await bank.close();
      await identity.close();
      process.exit(0);
    };
    process.once('SIGINT', (s) => void stop(s));
    process.once('SIGTERM', (s) => void stop(s));
  });

program
  .command('migrate')
  .description('apply database migrations (DATABASE_URL)')
  .action(async () => {
    const store = await openStore(loadConfig().store, { migrate: false });
    const applied = await migrate(store);
    console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`);
    await store.close();
  });

const ledger = program.command('ledger').description('ledger tools');
ledger
  .command('verify')
  .description('prove the ledger invariants on the live database; exits 1 and names the offenders if one breaks')
  .option('--json', 'print the report as JSON')
  .action(async (options: { json?: boolean }) => {
    const store = await openStore(loadConfig().store, { migrate: false });
    const report = await verifyLedger(store.reader);
    await store.close();
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(`ledger: ${report.counts.accounts} accounts, ${report.counts.entries} entries, ${report.counts.postings} postings`);
      for (const check of report.checks) {
        console.log(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}${check.ok ? '' : `: ${check.offenders.join(', ')}`}`);
      }
      console.log(report.ok ? 'ledger verified' : 'LEDGER INVARIANT BROKEN');
    }
    process.exitCode = report.ok ? 0 : 1;
  });

program
  .command('bench')
  .description('run the benchmarks (ledger and HTTP, SQLite and PostgreSQL) against baselines in the same run')
  .option('--stores <list>', 'stores to measure', 'sqlite,postgres')
  .option('--quick', 'shorter runs, for a smoke check')
  .option('--settlement', 'only the settlement and reconciliation benchmark (1,000,000 payments and CSV lines, ~3 min)')
  .option('--all', 'the default benchmarks, then the settlement and reconciliation one')
  .action(async (options: { stores: string; quick?: boolean; settlement?: boolean; all?: boolean }) => {
    const { runBenchmarks } = await import('../bench/run.js');
    if (options.settlement !== true) await runBenchmarks({ stores: options.stores.split(','), quick: options.quick === true });
    if (options.settlement === true || options.all === true) {
      const { runSettlementBench } = await import('../bench/settlement.js');
      await runSettlementBench({ stores: options.stores.split(','), quick: options.quick === true });
    }
  });

registerSettlementCommands(program);
registerRiskCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
