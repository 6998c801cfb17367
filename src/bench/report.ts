import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchReport, CardReport, HttpReport, LedgerReport, StoreReport, Target } from './model.js';
import type { BenchSettings } from './settings.js';
import { formatCount, formatMs, formatRatio, renderTable } from './table.js';

type Measured = Extract<StoreReport, { status: 'measured' }>;

export function printReport(report: BenchReport, settings: BenchSettings): void {
  const { machine } = report;
  const measured = report.stores.filter((s): s is Measured => s.status === 'measured');
  console.log(
    `\nHutong benchmark · ${machine.cpusCount} CPUs (${machine.cpuModel}) · Node ${machine.nodeVersion} · ${settings.measureMs / 1000} s per measurement${settings.quick ? ' (--quick)' : ''}`,
  );
  console.log(
    `\nLedger: durable wallet transfers through the service layer (group commit, ${settings.ledgerInFlightMax} in flight, ${settings.customersCount} customers) vs a raw baseline`,
  );
  console.log(
    renderTable(
      [
        'store',
        'service/s',
        'avg batch',
        'insufficient',
        'other',
        'deadlocks',
        'baseline',
        'baseline/s',
        'before / after',
        'ratio',
        'target',
        'verify',
      ],
      measured.map((s) => ledgerRow(s.store, s.ledger)),
    ),
  );
  console.log(
    `\nHTTP: POST /v1/transfers, ${settings.httpConnections} connections (autocannon in a child process on the same machine) vs a bare Fastify route`,
  );
  console.log(
    renderTable(
      [
        'store',
        '2xx/s',
        'p50 ms',
        'p99 ms',
        'non-2xx',
        'errors',
        'avg batch',
        'deadlocks',
        'bare 2xx/s',
        'bare p99 ms',
        'ratio',
        'targets',
        'verify',
      ],
      measured.map((s) => httpRow(s.store, s.http)),
    ),
  );
  console.log(
    `\nCards: POST /v1/payments + POST /v1/payments/{id}/confirm (automatic capture, 5 brands' approved cards over ISO 8583 to the sandbox card world in a child process), ${settings.cardShoppers} shoppers on keep-alive connections (child process) vs the service-layer ledger above`,
  );
  console.log(
    renderTable(
      [
        'store',
        'payments/s',
        'p50 ms',
        'p99 ms',
        'not ok',
        'avg batch',
        'deadlocks',
        'ledger/s',
        'ratio',
        'targets',
        'verify',
        'db = client',
        'issuers',
      ],
      measured.map((s) => cardRow(s.store, s.cards)),
    ),
  );
  for (const store of report.stores) {
    if (store.status !== 'measured') console.log(`\n${store.store}: ${store.status.toUpperCase()} — ${store.reason}`);
  }
  for (const store of measured) {
    const ledgerNote = `${store.store}: ledger baseline = ${store.ledger.baseline.name} (${store.ledger.baseline.description})`;
    console.log(
      `\n${ledgerNote}\n${store.store}: writer batchSizeMax ${store.writerSettings.batchSizeMax}, windowMs ${store.writerSettings.windowMs}, flushesMax ${store.writerSettings.flushesMax}; largest batch so far ${store.http.writer.largestBatchSinceStart}`,
    );
    const { cards } = store;
    const failures = Object.entries(cards.client.failures).map(([outcome, n]) => `${outcome} × ${formatCount(n)}`);
    console.log(
      `${store.store}: cards: create p50 ${formatMs(cards.client.create.p50Ms)} / p99 ${formatMs(cards.client.create.p99Ms)} ms, confirm p50 ${formatMs(cards.client.confirm.p50Ms)} / p99 ${formatMs(cards.client.confirm.p99Ms)} ms; not ok: ${failures.length === 0 ? 'none' : failures.join(', ')}`,
    );
    for (const failed of [...store.ledger.verify.failedChecks, ...store.http.verify.failedChecks, ...cards.verify.failedChecks])
      console.log(`${store.store}: VERIFY FAILED ${failed}`);
    if (!cards.countsMatch)
      console.log(
        `${store.store}: CARD COUNT MISMATCH: ${cards.succeededInDbCount} succeeded payments in the database, ${cards.client.succeededTotalCount} counted by the client`,
      );
    for (const issuer of cards.issuers.filter((i) => !i.matches)) {
      console.log(
        `${store.store}: ISSUER DIFFERS ${issuer.brand}: Hutong captured ${issuer.hutongCapturedMinor} ${issuer.currency} minor over ${issuer.succeededCount} payments, the issuer posted ${issuer.issuerPostedMinor} (pending ${issuer.issuerPendingMinor})`,
      );
    }
  }
}

function ledgerRow(store: string, ledger: LedgerReport): string[] {
  const { service, baseline } = ledger;
  const other = Object.values(service.otherOutcomes).reduce((sum, n) => sum + n, 0);
  return [
    store,
    formatCount(service.ratePerSec),
    service.writer.averageBatchSize.toFixed(1),
    formatCount(service.insufficientFundsCount),
    formatCount(other),
    ledger.deadlocksCount === null ? '—' : formatCount(ledger.deadlocksCount),
    baseline.name,
    formatCount(baseline.ratePerSec),
    ledger.baselineRuns.map((run) => formatCount(run.ratePerSec)).join(' / '),
    formatRatio(ledger.ratio),
    targetCell(ledger.target),
    ledger.verify.ok ? 'ok' : 'FAILED',
  ];
}

function httpRow(store: string, http: HttpReport): string[] {
  const { hutong, bare } = http;
  return [
    store,
    formatCount(hutong.ok2xxPerSec),
    formatMs(hutong.latencyP50Ms),
    formatMs(hutong.latencyP99Ms),
    formatCount(hutong.non2xxCount),
    formatCount(hutong.errorsCount),
    http.writer.averageBatchSize.toFixed(1),
    http.deadlocksCount === null ? '—' : formatCount(http.deadlocksCount),
    formatCount(bare.ok2xxPerSec),
    formatMs(bare.latencyP99Ms),
    formatRatio(http.ratio),
    http.targets.length === 0 ? '—' : http.targets.map(targetCell).join(', '),
    http.verify.ok ? 'ok' : 'FAILED',
  ];
}

function cardRow(store: string, cards: CardReport): string[] {
  const { client } = cards;
  return [
    store,
    formatCount(client.succeededPerSec),
    formatMs(client.pair.p50Ms),
    formatMs(client.pair.p99Ms),
    formatCount(client.paymentsCount - client.succeededCount),
    cards.writer.averageBatchSize.toFixed(1),
    cards.deadlocksCount === null ? '—' : formatCount(cards.deadlocksCount),
    formatCount(cards.ledgerRatePerSec),
    formatRatio(cards.ratio),
    cards.targets.length === 0 ? '—' : cards.targets.map(targetCell).join(', '),
    cards.verify.ok ? 'ok' : 'FAILED',
    cards.countsMatch
      ? `ok (${formatCount(cards.succeededInDbCount)})`
      : `MISMATCH (${formatCount(cards.succeededInDbCount)} vs ${formatCount(client.succeededTotalCount)})`,
    cards.issuers.every((i) => i.matches) ? 'match' : 'DIFFER',
  ];
}

function targetCell(target: Target): string {
  return target.met ? `${target.description} met` : `${target.description} MISSED (${Math.round(target.attainment * 100)}%)`;
}

/** bench/results/<ISO timestamp>.json and latest.json, under the working directory (the repo root for npm run). */
export function writeResults(report: BenchReport, cwd: string = process.cwd()): string[] {
  const dir = resolve(cwd, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // Colons are not allowed in Windows file names; the rest of the ISO timestamp stays readable.
  const stamped = join(dir, `${report.startedAt.replace(/:/g, '-')}.json`);
  const text = `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`;
  const latest = join(dir, 'latest.json');
  writeFileSync(stamped, text);
  writeFileSync(latest, text);
  return [stamped, latest];
}
