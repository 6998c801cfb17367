import { startAcquirerServer } from './acquirer.js';
import type { CardholderSnapshot } from './issuer.js';
import { createNetworks, networkFor, type CardNetwork } from './networks.js';
import { testCards, type TestCard } from './test-cards.js';
import { settlementCsv, type JournalEntry } from './settlement-file.js';
import type { Discrepancy } from '../shared/discrepancies.js';

/**
 * The card world: an acquiring bank host on a real TCP port, the five card networks behind it
 * and one issuer per network. Hutong reaches it only over ISO 8583; tests may also look inside
 * (`cardholder`) to check what the issuer did.
 */
export interface CardWorldOptions {
  /** 0 (the default) picks a free port; see `acquirerPort`. */
  readonly port?: number;
  readonly host?: string;
  /** The sandbox's notion of now, for card expiry and reference numbers. */
  readonly clock?: () => Date;
  readonly log?: (line: string) => void;
  /** The acquirer answers every financial request 91 (switch inoperative). */
  readonly switchInoperative?: boolean;
}

export interface CardWorld {
  readonly host: string;
  readonly acquirerPort: number;
  readonly networks: readonly CardNetwork[];
  readonly testCards: readonly TestCard[];
  /** The issuer's view of a cardholder account, or undefined when no issuer has seen the card. */
  cardholder(pan: string): CardholderSnapshot | undefined;
  close(): Promise<void>;
  /** The acquirer's settlement CSV of what it approved (on `date`, after the first `skip`), with discrepancies on purpose. */
  settlementFile(options?: { date?: string; skip?: number; inject?: readonly Discrepancy[] }): string;
}

export async function startCardWorld(options: CardWorldOptions = {}): Promise<CardWorld> {
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  const networks = createNetworks(clock);
  const journal: JournalEntry[] = [];
  const server = await startAcquirerServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    networks,
    clock,
    log,
    switchInoperative: options.switchInoperative ?? false,
    journal: (entry) => void journal.push(entry),
  });
  return {
    host: server.host,
    acquirerPort: server.port,
    networks,
    testCards,
    cardholder: (pan) => networkFor(networks, pan)?.issuer.cardholder(pan),
    close: () => server.close(),
    settlementFile: (fileOptions = {}) => settlementCsv(journal, { ...fileOptions, at: clock() }),
  };
}
