#!/usr/bin/env node
import { Command } from 'commander';
import { createHutong } from '../app.js';
import { loadConfig } from '../config.js';
import { verifyLedger } from '../ledger/index.js';
import { openStore } from '../store/index.js';
import { migrate } from '../store/index.js';
import { startChannels } from '../start-channels.js';
import { startThreeDSecure } from './three-d-secure.js';
import { startWallets } from './wallets.js';
import { startFx } from './fx.js';
import { systemClock } from '../core/index.js';
import { seedDemo } from './demo.js';
import { registerSettlementCommands, startBank } from './settlement.js';
import { readSandboxEndpoints, writeSandboxEndpoints } from './sandbox-endpoints.js';
import { readDemoKey } from './demo.js';
import { startCustoms } from './customs.js';
import { registerQrCommands } from './qr.js';
import { startInteropSwitch } from './interop.js';
import { startBillers } from './billers.js';
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
    const customs = await startCustoms(config);
    const interopSwitch = await startInteropSwitch(config, config.interop?.sandboxSwitchPort ?? 0);
    const billers = await startBillers(config);
    const identity = await startIdentity(config);
    const hutong = await createHutong(config, {
      customs: customs.options,
      channels: cards.channels,
      threeDSecure: threeDS.port,
      wallets: wallets.port,
      bank: bank.client,
      interopSwitchUrl: interopSwitch.url,
      billers: billers.connectors,
      identity: identity.port,
    });
    hutong.services.billpay.sweeper.start();
    hutong.services.payments.sweeper.start();
    const sanctionsLists = await loadSampleListsIfNone(hutong.services.risk);
    const fxFeed = await startFx(config, hutong.services.fx, (message) => hutong.server.log.warn(message));
    await hutong.services.cycle.start();
    await hutong.riskDaily.start();
    hutong.timers.start();
    hutong.services.customs.startPolling();
    const operator = await hutong.services.parties.ensureOperatorKey(config.adminKey);
    const demo = options.demo ? await seedDemo(hutong, config.dataDir) : undefined;
    const address = await hutong.server.listen({ port: config.port, host: config.host });
    const base = address.replace('[::1]', 'localhost');
    await customs.register(hutong, config.publicBaseUrl);
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
      `  Console     ${base}/ops         (an operator account: login, password, TOTP; POST /v1/operators makes one)`,
      `Card acquirer (ISO 8583 over TCP)  ${cards.acquirer}${cards.world === undefined ? '' : '  — the sandbox card world; test cards in docs/test-cards.md'}`,
      `3-D Secure directory server        ${threeDS.url}${threeDS.sandbox ? '  — sandbox; challenge code 123456' : ''}`,
      `Outside wallets (sandbox)          ${wallets.url}  — alipay_sandbox, wechat_sandbox, quickpass_sandbox`,
      `FX rate feed (ECB XML)             ${fxFeed.url}${fxFeed.sandbox ? '  — sandbox market, rates move every minute' : ''}`,
      `Settlement bank (ISO 20022)        ${bank.url}${bank.sandbox ? '  — sandbox; pain.001 in, pain.002 and camt.053 out' : ''}`,
      `Customs single window (CEB XML)    ${customs.url}${customs.partnersUrl === undefined ? '' : `  — sandbox; platform and carrier at ${customs.partnersUrl}`}`,
      `Interconnection switch (EMV QR)    ${interopSwitch.url}${interopSwitch.sandbox ? '  — sandbox; apps scan at /apps/{wallet}/scan, tills charge at /merchants/{wallet}/charge' : ''}`,
      `Billers                            ${billers.url}${billers.sandbox ? '  — sandbox' : ''}`,
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
    writeSandboxEndpoints(config.dataDir, {
      bank_url: bank.url,
      acquirer: cards.acquirer,
      acquirer_files_url: cards.world?.filesUrl,
      three_d_secure_url: threeDS.url,
      wallets_url: wallets.url,
      fx_feed_url: fxFeed.url,
      customs_url: customs.url,
      customs_partners_url: customs.partnersUrl,
      switch_url: interopSwitch.url,
      billers_url: billers.url,
      identity_url: identity.url,
    });

    // SIGTERM exits within a bound (issue 12): a peer that vanishes mid-close, or a client that keeps
    // its connection, must not hold the process; after the bound it exits 1 and says so.
    const shutdownTimeoutMs = config.http?.shutdownTimeoutMs ?? 10_000;
    const stop = async (signal: string) => {
      hutong.server.log.info({ signal }, 'shutting down');
      setTimeout(() => {
        hutong.server.log.warn({ shutdownTimeoutMs }, 'shutdown did not finish within the bound; exiting anyway');
        process.exit(1);
      }, shutdownTimeoutMs).unref();
      // Connections still open when the API stops listening (slow or idle clients) are closed, not awaited.
      setTimeout(() => hutong.server.server.closeAllConnections(), Math.floor(shutdownTimeoutMs / 2)).unref();
      let code = 0;
      for (const [name, close] of [
        ['sweeper', () => hutong.services.payments.sweeper.stop()],
        ['timers', () => hutong.timers.stop()],
        ['api', () => hutong.close()],
        ['card channels', () => cards.close()],
        ['3-D Secure', () => threeDS.close()],
        ['wallets', () => wallets.close()],
        ['fx feed', () => fxFeed.close()],
        ['bank', () => bank.close()],
        ['customs', () => customs.close()],
        ['interop switch', () => interopSwitch.close()],
        ['billers', () => billers.close()],
        ['identity', () => identity.close()],
      ] as const) {
        try {
          await close();
        } catch (error) {
          code = 1;
          hutong.server.log.warn({ err: error, part: name }, 'shutdown: could not close cleanly');
        }
      }
      process.exit(code);
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

const demoCommand = program.command('demo').description('the sandbox demo');
demoCommand
  .command('endpoints')
  .description('print where `hutong start` put the sandbox servers on this data directory (JSON)')
  .action(() => console.log(JSON.stringify(readSandboxEndpoints(loadConfig().dataDir), null, 2)));
demoCommand
  .command('key')
  .description("print the demo merchant's test secret key (kept in the data directory by `hutong start`)")
  .action(() => {
    const key = readDemoKey(loadConfig().dataDir);
    if (key === null) {
      console.error('no demo merchant key here: start Hutong once with the demo (`npm start`) on this DATABASE_URL');
      process.exitCode = 1;
    } else console.log(key);
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
  .option('--billpay', 'only the bill payment benchmark (fetch + pay from the wallet over HTTP, with the sandbox biller)')
  .option('--interop', 'only the code payment benchmark through the interconnection switch, beside a wallet-payment baseline')
  .option('--risk', 'only the fraud rules benchmark (card payments with and without rules, the rule check p50/p99)')
  .option('--customs', 'only the customs benchmark (declarations pushed to the sandbox single window and receipted 120)')
  .option('--reports', 'only the reports benchmark (report latency at 1,000,000 payments, the rollups on the payment path)')
  .action(
    async (options: {
      stores: string;
      quick?: boolean;
      settlement?: boolean;
      all?: boolean;
      billpay?: boolean;
      interop?: boolean;
      risk?: boolean;
      customs?: boolean;
      reports?: boolean;
    }) => {
      if (options.reports === true) {
        const { runReportsBench } = await import('../bench/index.js');
        await runReportsBench({ stores: options.stores.split(','), quick: options.quick === true });
        return;
      }
      if (options.customs === true) {
        const { runCustomsBench } = await import('../bench/index.js');
        await runCustomsBench({ stores: options.stores.split(','), quick: options.quick === true });
        return;
      }
      if (options.risk === true) {
        const { runRiskBench } = await import('../bench/index.js');
        await runRiskBench({ stores: options.stores.split(','), quick: options.quick === true });
        return;
      }
      if (options.interop === true) {
        const { runInteropBench } = await import('../bench/index.js');
        await runInteropBench({ stores: options.stores.split(','), quick: options.quick === true });
        return;
      }
      if (options.billpay === true) {
        const { runBillpayBench } = await import('../bench/index.js');
        await runBillpayBench({ stores: options.stores.split(','), quick: options.quick === true });
        return;
      }
      const { runBenchmarks } = await import('../bench/index.js');
      if (options.settlement !== true) await runBenchmarks({ stores: options.stores.split(','), quick: options.quick === true });
      if (options.settlement === true || options.all === true) {
        const { runSettlementBench } = await import('../bench/index.js');
        await runSettlementBench({ stores: options.stores.split(','), quick: options.quick === true });
      }
    },
  );

registerSettlementCommands(program);
registerQrCommands(program);
registerRiskCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
