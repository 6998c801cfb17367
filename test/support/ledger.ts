import { afterAll, beforeAll } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createLedger, type AccountSpec, type Ledger } from '../../src/ledger/index.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createWriter, type Writer } from '../../src/store/writer.js';
import { freshStore, type Dialect } from './stores.js';

export interface LedgerFixture {
  store: Store;
  writer: Writer;
  ledger: Ledger;
  clock: ManualClock;
  /** Creates an account (through the writer) and returns its id. */
  account(spec: AccountSpec): Promise<string>;
}

let counter = 0;

/** A store, writer and ledger for one suite, without the HTTP layer. */
export function useLedger(dialect: Dialect, writerOptions: Parameters<typeof createWriter>[2] = {}): LedgerFixture {
  const fixture = {} as LedgerFixture;
  let drop: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    fixture.store = await openStore(fresh.store);
    fixture.writer = createWriter(fixture.store.db, fixture.store.exec, { flushesMax: dialect === 'postgres' ? 4 : 1, ...writerOptions });
    fixture.clock = new ManualClock();
    fixture.ledger = createLedger({ clock: fixture.clock, exec: fixture.store.exec, dialect: fixture.store.dialect });
    fixture.account = (spec) => fixture.writer.run((trx) => fixture.ledger.ensureAccount(trx, spec));
  });
  afterAll(async () => {
    await fixture.writer?.close();
    await fixture.store?.close();
    await drop();
  });
  return fixture;
}

export function uniqueOwner(prefix = 'o'): string {
  counter++;
  return `${prefix}${process.pid}x${counter}`;
}
