import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { newId } from '../core/index.js';
import { closedLoop, randomMinor, randomPair, ratePerSec } from './load.js';
import type { BaselineFigures } from './model.js';
import type { BenchSettings } from './settings.js';

/**
 * The PostgreSQL baseline when pgbench is not installed: raw `pg`, N connections, ONE transaction
 * per transfer with the same statements as the SQLite baseline (named, so prepared once per connection).
 * Tables are prefixed raw_ so they sit beside Hutong's in the bench database; each run starts them afresh.
 */
const schema = `
  drop table if exists raw_postings, raw_transfers, raw_accounts;
  create table raw_accounts (id text primary key, debits_posted bigint not null, credits_posted bigint not null);
  create table raw_transfers (id text primary key, source_id text not null, destination_id text not null, amount bigint not null, created_at text not null);
  create table raw_postings (transfer_id text not null references raw_transfers(id), seq bigint not null,
    account_id text not null references raw_accounts(id), amount bigint not null, primary key (transfer_id, seq));
  create index raw_postings_account on raw_postings(account_id);`;

const statements = {
  insertTransfer: 'insert into raw_transfers (id, source_id, destination_id, amount, created_at) values ($1, $2, $3, $4, $5)',
  insertPostings: 'insert into raw_postings (transfer_id, seq, account_id, amount) values ($1, 0, $2, $3), ($1, 1, $4, $5)',
  debit: 'update raw_accounts set debits_posted = debits_posted + $1 where id = $2 and credits_posted - debits_posted - $1 >= 0',
  credit: 'update raw_accounts set credits_posted = credits_posted + $1 where id = $2',
} as const;

interface Counts {
  transactionsCount: number;
  insufficientFundsCount: number;
}

export async function benchRawPostgres(url: string, settings: BenchSettings): Promise<BaselineFigures> {
  const clients = Array.from({ length: settings.rawPostgresConnections }, () => new pg.Client({ connectionString: url }));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const accountIds = await seed(clients[0] as pg.Client, settings);
    await runFor(clients, accountIds, settings.warmupMs, settings);
    const startMs = performance.now();
    const counts = await runFor(clients, accountIds, settings.measureMs, settings);
    const durationMs = performance.now() - startMs;
    return {
      name: 'raw pg',
      description: `${clients.length} connections, named statements, one transaction per transfer (transfer row + 2 postings + 2 guarded balance updates)`,
      durationMs,
      ...counts,
      ratePerSec: ratePerSec(counts.transactionsCount, durationMs),
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

async function seed(client: pg.Client, settings: BenchSettings): Promise<string[]> {
  await client.query(schema);
  const ids = Array.from({ length: settings.customersCount }, () => newId('acct'));
  await client.query('insert into raw_accounts (id, debits_posted, credits_posted) select unnest($1::text[]), 0, $2', [
    ids,
    settings.topUpMinor.toString(),
  ]);
  return ids;
}

async function runFor(clients: pg.Client[], accountIds: readonly string[], durationMs: number, settings: BenchSettings): Promise<Counts> {
  const counts: Counts = { transactionsCount: 0, insufficientFundsCount: 0 };
  // Each connection is one caller of its own closed loop: a pg.Client runs one query at a time.
  await Promise.all(clients.map((client) => closedLoop(1, durationMs, () => transferOnce(client, accountIds, settings, counts))));
  return counts;
}

async function transferOnce(client: pg.Client, accountIds: readonly string[], settings: BenchSettings, counts: Counts): Promise<void> {
  const [s, d] = randomPair(accountIds.length);
  const source = accountIds[s] as string;
  const destination = accountIds[d] as string;
  const amountMinor = String(randomMinor(settings.transferMinorMax));
  const id = newId('tr');
  await client.query('begin');
  await client.query({
    name: 'raw_insert_transfer',
    text: statements.insertTransfer,
    values: [id, source, destination, amountMinor, new Date().toISOString()],
  });
  // Rows are locked in id order, as the ledger does, so two transfers cannot deadlock.
  const moved =
    source < destination
      ? (await debit(client, source, amountMinor)) && (await credit(client, destination, amountMinor))
      : (await credit(client, destination, amountMinor)) && (await debit(client, source, amountMinor));
  if (!moved) {
    await client.query('rollback');
    counts.insufficientFundsCount++;
    return;
  }
  await client.query({
    name: 'raw_insert_postings',
    text: statements.insertPostings,
    values: [id, source, amountMinor, destination, `-${amountMinor}`],
  });
  await client.query('commit');
  counts.transactionsCount++;
}

async function debit(client: pg.Client, accountId: string, amountMinor: string): Promise<boolean> {
  const result = await client.query({ name: 'raw_debit', text: statements.debit, values: [amountMinor, accountId] });
  return result.rowCount === 1;
}

async function credit(client: pg.Client, accountId: string, amountMinor: string): Promise<boolean> {
  await client.query({ name: 'raw_credit', text: statements.credit, values: [amountMinor, accountId] });
  return true;
}
