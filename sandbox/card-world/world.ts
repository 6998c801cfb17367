import { createServer } from 'node:http';
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
  /** The port of the acquirer's file service (its settlement CSV over HTTP); 0 = any free port. */
  readonly filesPort?: number;
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
  /**
   * The acquirer's file service, as merchants' acquirers publish their daily files:
   * `GET <filesUrl>/settlement-file?date=YYYY-MM-DD` answers the settlement CSV (all days without `date`).
   */
  readonly filesUrl: string;
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
  const settlementFile = (fileOptions: { date?: string; skip?: number; inject?: readonly Discrepancy[] } = {}) =>
    settlementCsv(journal, { ...fileOptions, at: clock() });
  const files = await startFileService(options.host ?? '127.0.0.1', options.filesPort ?? 0, settlementFile);
  return {
    host: server.host,
    acquirerPort: server.port,
    filesUrl: files.url,
    networks,
    testCards,
    cardholder: (pan) => networkFor(networks, pan)?.issuer.cardholder(pan),
    close: async () => {
      await files.close();
      await server.close();
    },
    settlementFile,
  };
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

async function startFileService(
  host: string,
  port: number,
  settlementFile: (options: { date?: string }) => string,
): Promise<{ url: string; close(): Promise<void> }> {
  const http = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const date = url.searchParams.get('date') ?? undefined;
    if (request.method !== 'GET' || url.pathname !== '/settlement-file') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('GET /settlement-file?date=YYYY-MM-DD\n');
    } else if (date !== undefined && !datePattern.test(date)) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('date is YYYY-MM-DD\n');
    } else {
      response.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' }).end(settlementFile({ date }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  const address = http.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `http://${host}:${bound}`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
