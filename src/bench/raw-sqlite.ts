import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SqliteDatabase from 'better-sqlite3';
import { newId } from '../core/index.js';
import { randomMinor, randomPair, ratePerSec } from './load.js';
import type { BaselineFigures } from './model.js';
import type { BenchSettings } from './settings.js';

/**
 * The SQLite baseline (DESIGN.md §4): raw better-sqlite3 on its own file, WAL and synchronous=FULL,
 * prepared statements, ONE transaction per transfer: a transfer row, two postings, two balance
 * updates, the debit guarded by the same no-negative rule as the ledger's. What group commit must beat.
 */
const schema = `
  create table accounts (id text primary key, debits_posted integer not null, credits_posted integer not null);
  create table transfers (id text primary key, source_id text not null, destination_id text not null, amount integer not null, created_at text not null);
  create table postings (transfer_id text not null references transfers(id), seq integer not null,
    account_id text not null references accounts(id), amount integer not null, primary key (transfer_id, seq));
  create index postings_account on postings(account_id);`;

class InsufficientFunds extends Error {}

export function benchRawSqlite(scratchDir: string, settings: BenchSettings): BaselineFigures {
  // A fresh file for every run, so a second run starts from the same state as the first.
  const dir = mkdtempSync(join(scratchDir, 'raw-'));
  const db = new SqliteDatabase(join(dir, 'raw-baseline.db'));
  try {
    db.defaultSafeIntegers(true);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.exec(schema);
    const accountIds = seedAccounts(db, settings);
    const transfer = transferStatement(db);
    runFor(settings.warmupMs, accountIds, transfer, settings);
    const { durationMs, transactionsCount, insufficientFundsCount } = runFor(settings.measureMs, accountIds, transfer, settings);
    return {
      name: 'raw better-sqlite3',
      description:
        'WAL, synchronous=FULL, prepared statements, one transaction per transfer (transfer row + 2 postings + 2 guarded balance updates)',
      durationMs,
      transactionsCount,
      insufficientFundsCount,
      ratePerSec: ratePerSec(transactionsCount, durationMs),
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function seedAccounts(db: SqliteDatabase.Database, settings: BenchSettings): string[] {
  const ids = Array.from({ length: settings.customersCount }, () => newId('acct'));
  const insert = db.prepare('insert into accounts (id, debits_posted, credits_posted) values (?, 0, ?)');
  db.transaction(() => ids.forEach((id) => insert.run(id, settings.topUpMinor)))();
  return ids;
}

type Transfer = (source: string, destination: string, amountMinor: bigint) => void;

function transferStatement(db: SqliteDatabase.Database): Transfer {
  const insertTransfer = db.prepare('insert into transfers (id, source_id, destination_id, amount, created_at) values (?, ?, ?, ?, ?)');
  const insertPostings = db.prepare('insert into postings (transfer_id, seq, account_id, amount) values (?, 0, ?, ?), (?, 1, ?, ?)');
  // A wallet is a liability (credit-normal): spending debits it, and credits - debits may not go below 0.
  const debit = db.prepare(
    'update accounts set debits_posted = debits_posted + ? where id = ? and credits_posted - debits_posted - ? >= 0',
  );
  const credit = db.prepare('update accounts set credits_posted = credits_posted + ? where id = ?');
  return db.transaction((source: string, destination: string, amountMinor: bigint) => {
    const id = newId('tr');
    insertTransfer.run(id, source, destination, amountMinor, new Date().toISOString());
    if (debit.run(amountMinor, source, amountMinor).changes !== 1) throw new InsufficientFunds();
    credit.run(amountMinor, destination);
    insertPostings.run(id, source, amountMinor, id, destination, -amountMinor);
  });
}

/** better-sqlite3 is synchronous: a plain loop, checking the clock every few transfers. */
function runFor(durationMs: number, accountIds: readonly string[], transfer: Transfer, settings: BenchSettings) {
  const clockEveryCount = 32;
  const startMs = performance.now();
  let transactionsCount = 0;
  let insufficientFundsCount = 0;
  while (performance.now() - startMs < durationMs) {
    for (let i = 0; i < clockEveryCount; i++) {
      const [source, destination] = randomPair(accountIds.length);
      try {
        transfer(accountIds[source] as string, accountIds[destination] as string, BigInt(randomMinor(settings.transferMinorMax)));
        transactionsCount++;
      } catch (error) {
        if (!(error instanceof InsufficientFunds)) throw error;
        insufficientFundsCount++;
      }
    }
  }
  return { durationMs: performance.now() - startMs, transactionsCount, insufficientFundsCount };
}
