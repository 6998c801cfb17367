import net from 'node:net';
import {
  encodeFrame,
  expectsResponse,
  FrameReader,
  frameBytesMaxDefault,
  isIso8583Failure,
  originalMtiOf,
  requireFields,
  ResponseCode,
  unpackMessage,
  type Iso8583Message,
} from '../../src/protocols/iso8583/index.js';
import { maskPan, packOwn, respond } from './messages.js';
import { networkFor, type CardNetwork } from './networks.js';
import type { JournalEntry } from './settlement-file.js';

/**
 * The acquiring bank's host: it accepts ISO 8583:1987 (ASCII, 2-byte length prefix) over TCP
 * from acceptors such as Hutong, answers network management itself, gives each financial request
 * a retrieval reference number (DE 37) and routes it by IIN to a card network. When the issuer
 * stays silent, so does the host: the requester times out, as it would in the real world.
 */
export interface AcquirerOptions {
  readonly networks: readonly CardNetwork[];
  readonly clock: () => Date;
  readonly log: (line: string) => void;
  /** Answer every financial request with 91 (switch inoperative), for failover drills. */
  readonly switchInoperative: boolean;
  /** Called for every approved purchase, completion and refund: the settlement file's source. */
  readonly journal?: (entry: JournalEntry) => void;
}

const requiredFields: Readonly<Record<string, readonly number[]>> = {
  '0100': [2, 3, 4, 7, 11, 49],
  '0200': [2, 3, 4, 7, 11, 49],
  '0220': [2, 3, 4, 7, 11, 49, 90],
  '0400': [2, 3, 4, 7, 11, 49, 90],
  '0800': [7, 11, 70],
};

/** Sign-on, sign-off and echo test (DE 70). */
const networkManagementCodes: ReadonlySet<string> = new Set(['001', '002', '301']);

export type Processor = (request: Iso8583Message) => Iso8583Message | undefined;

/** The host's logic without the socket: a request in, an answer (or silence) out. */
export function createAcquirerProcessor(options: AcquirerOptions): Processor {
  let rrnSequence = 0;
  const nextRrn = (): string => {
    rrnSequence = (rrnSequence % 999_999) + 1;
    return retrievalReference(options.clock(), rrnSequence);
  };
  return (request) => {
    if (!expectsResponse(request.mti)) return undefined;
    const mti = originalMtiOf(request.mti);
    const required = requiredFields[mti];
    if (required === undefined) return respond(request, ResponseCode.InvalidTransaction);
    const missing = requireFields(request, required);
    if (missing !== undefined) return respond(request, ResponseCode.FormatError);
    if (mti === '0800')
      return respond(
        request,
        networkManagementCodes.has(request.fields[70] ?? '') ? ResponseCode.Approved : ResponseCode.InvalidTransaction,
      );
    if (options.switchInoperative) return respond(request, ResponseCode.IssuerInoperative);
    const network = networkFor(options.networks, request.fields[2] ?? '');
    if (network === undefined) return respond(request, ResponseCode.RoutingError);
    const routed = request.fields[37] === undefined ? { ...request, fields: { ...request.fields, 37: nextRrn() } } : request;
    const answer = network.route(routed);
    if (answer.kind === 'answer' && options.journal !== undefined)
      journalApproved(options.journal, options.clock(), routed, answer.response);
    return answer.kind === 'answer' ? answer.response : undefined;
  };
}

/** Approved financial messages (0200 purchase or refund, 0220 completion) go to the journal. */
function journalApproved(journal: (entry: JournalEntry) => void, at: Date, request: Iso8583Message, response: Iso8583Message): void {
  const mti = originalMtiOf(request.mti);
  if ((mti !== '0200' && mti !== '0220') || response.fields[39] !== '00') return;
  const rrn = response.fields[37] ?? request.fields[37];
  if (rrn === undefined) return;
  journal({
    at,
    mti,
    processingCode: request.fields[3] ?? '000000',
    rrn,
    amountMinor: BigInt(request.fields[4] ?? '0'),
    currencyNumeric: request.fields[49] ?? '',
  });
}

/** DE 37 as many acquirers build it: last digit of the year, day of the year, hour, sequence. */
function retrievalReference(at: Date, sequence: number): string {
  const startOfYear = Date.UTC(at.getUTCFullYear(), 0, 1);
  const dayOfYear = Math.floor((at.getTime() - startOfYear) / 86_400_000) + 1;
  const hour = String(at.getUTCHours()).padStart(2, '0');
  return `${at.getUTCFullYear() % 10}${String(dayOfYear).padStart(3, '0')}${hour}${String(sequence).padStart(6, '0')}`;
}

export interface AcquirerServerOptions extends AcquirerOptions {
  readonly host: string;
  /** 0: any free port (reported as `port`). */
  readonly port: number;
  readonly frameBytesMax?: number;
  /** Connections beyond this are closed at once. */
  readonly connectionsMax?: number;
}

export interface AcquirerServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const connectionsMaxDefault = 64;

function describe(message: Iso8583Message): string {
  const f = message.fields;
  const parts = [message.mti, `stan=${f[11] ?? '-'}`, `pan=${maskPan(f[2])}`];
  if (f[4] !== undefined) parts.push(`amount=${f[4]}/${f[49] ?? '-'}`);
  if (f[39] !== undefined) parts.push(`rc=${f[39]}`);
  return parts.join(' ');
}

function serveConnection(socket: net.Socket, handle: Processor, options: AcquirerServerOptions): void {
  const reader = new FrameReader({ frameBytesMax: options.frameBytesMax ?? frameBytesMaxDefault });
  const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  socket.setNoDelay(true);
  socket.on('error', (error) => options.log(`acquirer: connection ${peer}: ${error.message}`));
  socket.on('data', (chunk) => {
    const frames = reader.push(chunk);
    if (isIso8583Failure(frames)) {
      options.log(`acquirer: closing ${peer}: ${frames.detail}`);
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      const request = unpackMessage(frame);
      if (isIso8583Failure(request)) {
        // Without a readable STAN an answer could not be matched: drop it, the sender times out.
        options.log(`acquirer: dropped malformed message from ${peer}: ${request.detail}`);
        continue;
      }
      const response = handle(request);
      options.log(`acquirer: ${describe(request)} -> ${response === undefined ? 'no answer' : describe(response)}`);
      if (response !== undefined && !socket.destroyed) socket.write(encodeFrame(packOwn(response)));
    }
  });
}

/** Starts the host on `host:port` and resolves once it listens. */
export async function startAcquirerServer(options: AcquirerServerOptions): Promise<AcquirerServer> {
  const handle = createAcquirerProcessor(options);
  const sockets = new Set<net.Socket>();
  const connectionsMax = options.connectionsMax ?? connectionsMaxDefault;
  const server = net.createServer((socket) => {
    if (sockets.size >= connectionsMax) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, handle, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    host: options.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
