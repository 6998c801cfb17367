import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BaselineFigures } from './model.js';
import type { BenchSettings } from './settings.js';

const run = promisify(execFile);
/** pgbench gets its run time plus this much before it is killed: nothing may hang the benchmark. */
const overrunMs = 120_000;

export async function pgbenchAvailable(): Promise<boolean> {
  try {
    await run('pgbench', ['--version'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Loads the TPC-B tables (pgbench_*) into the bench database, beside Hutong's own. */
export async function pgbenchInit(url: string, settings: BenchSettings): Promise<void> {
  await run('pgbench', ['-i', '-q', '-s', String(settings.pgbench.scale), url], { timeout: overrunMs });
}

/** pgbench's TPC-B-like script: 3 updates, a select and an insert per transaction, one commit each. */
export async function benchPgbench(url: string, settings: BenchSettings): Promise<BaselineFigures> {
  const { clients, threads, scale } = settings.pgbench;
  const seconds = Math.max(1, Math.round(settings.measureMs / 1000));
  const args = ['-c', String(clients), '-j', String(threads), '-T', String(seconds), '-n', url];
  const { stdout } = await run('pgbench', args, { timeout: seconds * 1000 + overrunMs });
  const tps = /tps = ([0-9.]+)/.exec(stdout);
  const processed = /number of transactions actually processed: (\d+)/.exec(stdout);
  if (tps === null || processed === null) throw new Error(`could not read pgbench's output:\n${stdout}`);
  return {
    name: 'pgbench TPC-B',
    description: `pgbench -i -s ${scale}; pgbench -c ${clients} -j ${threads} -T ${seconds} -n (tps without connection time)`,
    durationMs: seconds * 1000,
    transactionsCount: Number(processed[1]),
    insufficientFundsCount: 0,
    ratePerSec: Number(tps[1]),
  };
}
