import net from 'node:net';
import {
  encodeFrame,
  FrameReader,
  isIso8583Failure,
  packMessage,
  unpackMessage,
  type Iso8583Message,
} from '../../src/protocols/iso8583/index.js';

/**
 * An acquirer host whose answers a test writes: the misbehaviour a real counterparty can show and
 * the card world will not (a changed amount, garbage bytes, answers out of order or too late, a
 * dropped connection). Same wire as the card world: ISO 8583:1987 ASCII, 2-byte length prefix.
 */
export type Reply = (answer: Iso8583Message | Uint8Array) => void;

/** Called for every decoded request; `reply` may be called later, more than once, or never. */
export type Script = (request: Iso8583Message, reply: Reply) => void;

export interface ScriptedAcquirer {
  readonly host: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly received: readonly Iso8583Message[];
  /** Closes every open connection, keeping the listener. */
  dropConnections(): void;
  close(): Promise<void>;
}

function replyOn(socket: net.Socket): Reply {
  return (answer) => {
    if (socket.destroyed) return;
    const payload = answer instanceof Uint8Array ? answer : packMessage(answer);
    if (isIso8583Failure(payload)) throw new Error(`scripted answer does not encode: ${payload.detail}`);
    socket.write(encodeFrame(payload));
  };
}

export async function startScriptedAcquirer(script: Script, options: { port?: number } = {}): Promise<ScriptedAcquirer> {
  const received: Iso8583Message[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const reader = new FrameReader();
    const reply = replyOn(socket);
    socket.on('data', (chunk) => {
      const frames = reader.push(chunk);
      if (isIso8583Failure(frames)) return void socket.destroy();
      for (const frame of frames) {
        const request = unpackMessage(frame);
        if (isIso8583Failure(request)) continue;
        received.push(request);
        script(request, reply);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    host: '127.0.0.1',
    port: typeof address === 'object' && address !== null ? address.port : 0,
    received,
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
