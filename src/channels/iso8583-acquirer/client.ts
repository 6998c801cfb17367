import net from 'node:net';
import {
  encodeFrame,
  FrameReader,
  frameBytesMaxDefault,
  isIso8583Failure,
  packMessage,
  responseMtiOf,
  unpackMessage,
  type Iso8583Message,
} from '../../protocols/iso8583/index.js';

/**
 * One persistent TCP connection to an acquirer host, shared by every request. Requests and
 * responses are matched by response MTI + STAN (DE 11), so answers may come back in any order.
 * The connection is opened on demand; after a failure the next attempt waits a backoff that
 * doubles up to `reconnectDelayMaxMs`, so a dead host is not hammered.
 *
 * The result says what the acquirer may have seen: `not_sent` means no byte of the request was
 * written (safe to try elsewhere); `timeout` and `connection_lost` mean it may have arrived.
 */
export type Exchange =
  | { readonly kind: 'answered'; readonly response: Iso8583Message }
  | { readonly kind: 'not_sent'; readonly detail: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'connection_lost'; readonly detail: string };

export interface Iso8583ClientOptions {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs?: number;
  readonly reconnectDelayMinMs?: number;
  readonly reconnectDelayMaxMs?: number;
  /** Requests awaiting an answer; more are refused as `not_sent`. */
  readonly inFlightMax?: number;
  readonly frameBytesMax?: number;
  readonly log?: (line: string) => void;
}

export const clientDefaults = {
  connectTimeoutMs: 1_000,
  reconnectDelayMinMs: 50,
  reconnectDelayMaxMs: 5_000,
  inFlightMax: 1_000,
} as const;

/** Doubling stops here: 50 ms × 2^16 is far above any sensible reconnectDelayMaxMs. */
const backoffDoublingsMax = 16;

interface InFlight {
  /** The socket the request was written to; undefined while waiting for a connection. */
  socket: net.Socket | undefined;
  settled: boolean;
  settle(exchange: Exchange): void;
}

function notSent(detail: string): Exchange {
  return { kind: 'not_sent', detail };
}

function matchKey(mti: string, stan: string | undefined): string {
  return `${mti}|${stan ?? ''}`;
}

export class Iso8583Client {
  readonly #options: Required<Omit<Iso8583ClientOptions, 'log'>> & { log: (line: string) => void };
  readonly #inFlight = new Map<string, InFlight>();
  #socket: net.Socket | undefined;
  #connecting: Promise<net.Socket | string> | undefined;
  #failuresInARow = 0;
  #nextAttemptAtMs = 0;
  #closed = false;

  constructor(options: Iso8583ClientOptions) {
    this.#options = {
      ...clientDefaults,
      frameBytesMax: frameBytesMaxDefault,
      log: () => undefined,
      ...options,
    };
  }

  get connected(): boolean {
    return this.#socket !== undefined && !this.#socket.destroyed;
  }

  /** Sends `request` and waits at most `timeoutMs` (connecting included) for its answer. */
  exchange(request: Iso8583Message, timeoutMs: number): Promise<Exchange> {
    const bytes = packMessage(request);
    if (isIso8583Failure(bytes)) return Promise.resolve(notSent(`request does not encode: ${bytes.detail}`));
    const key = matchKey(responseMtiOf(request.mti), request.fields[11]);
    const refusal = this.#refusal(key, timeoutMs);
    if (refusal !== undefined) return Promise.resolve(notSent(refusal));
    return new Promise<Exchange>((resolve) => {
      const entry: InFlight = {
        socket: undefined,
        settled: false,
        settle: (exchange) => {
          if (entry.settled) return;
          entry.settled = true;
          clearTimeout(timer);
          this.#inFlight.delete(key);
          resolve(exchange);
        },
      };
      const timer = setTimeout(() => {
        entry.settle(entry.socket === undefined ? notSent(`no connection within ${timeoutMs} ms`) : { kind: 'timeout' });
      }, timeoutMs);
      this.#inFlight.set(key, entry);
      void this.#connection().then((socket) => this.#write(entry, socket, bytes));
    });
  }

  #refusal(key: string, timeoutMs: number): string | undefined {
    if (this.#closed) return 'client closed';
    if (this.#inFlight.has(key)) return `a request with the same MTI and STAN is in flight (${key})`;
    if (this.#inFlight.size >= this.#options.inFlightMax) return `${this.#options.inFlightMax} requests already in flight`;
    const backoffMs = this.connected ? 0 : this.#nextAttemptAtMs - Date.now();
    if (backoffMs >= timeoutMs) {
      // Waiting would only end in not_sent; say so now (a caller may fail over), and let the
      // reconnection go ahead so that a later request finds the connection up.
      void this.#connection();
      return `reconnecting to the acquirer: next attempt in ${backoffMs} ms`;
    }
    return undefined;
  }

  #write(entry: InFlight, socket: net.Socket | string, bytes: Buffer): void {
    if (entry.settled) return; // timed out or closed while connecting
    if (typeof socket === 'string') return entry.settle(notSent(socket));
    if (socket.destroyed) return entry.settle(notSent('connection closed before sending'));
    entry.socket = socket;
    socket.write(encodeFrame(bytes));
  }

  #connection(): Promise<net.Socket | string> {
    if (this.#socket !== undefined && !this.#socket.destroyed) return Promise.resolve(this.#socket);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<net.Socket | string> {
    const waitMs = this.#nextAttemptAtMs - Date.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    if (this.#closed) return 'client closed';
    const { host, port, connectTimeoutMs } = this.#options;
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      let connected = false;
      const timer = setTimeout(() => socket.destroy(new Error(`no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      socket.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        this.#failuresInARow = 0;
        this.#attach(socket);
        resolve(socket);
      });
      socket.once('error', (error) => {
        if (connected) return;
        clearTimeout(timer);
        this.#backOff();
        resolve(`cannot connect to ${host}:${port}: ${error.message}`);
      });
    });
  }

  #backOff(): void {
    this.#failuresInARow += 1;
    const { reconnectDelayMinMs, reconnectDelayMaxMs } = this.#options;
    const doublings = Math.min(this.#failuresInARow - 1, backoffDoublingsMax);
    this.#nextAttemptAtMs = Date.now() + Math.min(reconnectDelayMaxMs, reconnectDelayMinMs * 2 ** doublings);
  }

  #attach(socket: net.Socket): void {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    const reader = new FrameReader({ frameBytesMax: this.#options.frameBytesMax });
    socket.on('data', (chunk) => this.#receive(reader, socket, chunk));
    socket.on('error', (error) => this.#options.log(`iso8583 client: connection error: ${error.message}`));
    socket.on('close', () => this.#lost(socket));
  }

  #receive(reader: FrameReader, socket: net.Socket, chunk: Buffer): void {
    const frames = reader.push(chunk);
    if (isIso8583Failure(frames)) {
      this.#options.log(`iso8583 client: closing connection: ${frames.detail}`);
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      const response = unpackMessage(frame);
      if (isIso8583Failure(response)) {
        // Unreadable, so unmatched: its request will time out and be treated as unknown.
        this.#options.log(`iso8583 client: dropped malformed response: ${response.detail}`);
        continue;
      }
      const entry = this.#inFlight.get(matchKey(response.mti, response.fields[11]));
      if (entry?.socket === socket) entry.settle({ kind: 'answered', response });
      else this.#options.log(`iso8583 client: dropped unmatched ${response.mti} stan=${response.fields[11] ?? '-'} (late or unknown)`);
    }
  }

  #lost(socket: net.Socket): void {
    if (this.#socket === socket) {
      this.#socket = undefined;
      // Reconnect soon, but not in a tight loop against a host that accepts and drops.
      this.#nextAttemptAtMs = Date.now() + this.#options.reconnectDelayMinMs;
    }
    for (const entry of [...this.#inFlight.values()]) {
      if (entry.socket === socket) entry.settle({ kind: 'connection_lost', detail: 'connection closed while awaiting the answer' });
    }
  }

  /** Settles every request in flight and closes the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of [...this.#inFlight.values()]) {
      entry.settle(entry.socket === undefined ? notSent('client closed') : { kind: 'connection_lost', detail: 'client closed' });
    }
    const socket = this.#socket;
    if (socket === undefined || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }
}
