import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeFrame,
  FrameReader,
  isIso8583Failure,
  packMessage,
  unpackMessage,
  type Iso8583Message,
} from '../../src/protocols/iso8583/index.js';
import { testCardFor } from './test-cards.js';
import { startCardWorld, type CardWorld } from './world.js';

/** The card world over a real TCP socket, driven byte by byte. */
const waitMsMax = 2_000;

interface RawClient {
  readonly socket: net.Socket;
  /** Resolves with the next `count` answers, or rejects after waitMsMax. */
  next(count: number): Promise<Iso8583Message[]>;
  readonly closed: Promise<void>;
}

async function connect(port: number): Promise<RawClient> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const reader = new FrameReader();
  const received: Iso8583Message[] = [];
  let wake: () => void = () => undefined;
  socket.on('data', (chunk) => {
    const frames = reader.push(chunk);
    if (isIso8583Failure(frames)) throw new Error(frames.detail);
    for (const frame of frames) received.push(unpackMessage(frame) as Iso8583Message);
    wake();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    closed,
    async next(count) {
      const deadline = Date.now() + waitMsMax;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${received.length} of ${count} answers`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 20);
        });
      }
      return received.splice(0, count);
    },
  };
}

function frame(message: Iso8583Message): Buffer {
  return encodeFrame(packMessage(message) as Buffer);
}

function authorization(stan: string, pan = testCardFor('visa', 'approved').pan): Iso8583Message {
  return {
    mti: '0100',
    fields: {
      2: pan,
      3: '000000',
      4: '000000000500',
      7: '0615103000',
      11: stan,
      14: '4912',
      41: 'TERM0001',
      42: 'MERCHANT0000001',
      49: '840',
    },
  };
}

let world: CardWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('acquirer host over TCP', () => {
  it('listens on a free port and answers an echo', async () => {
    world = await startCardWorld({ port: 0 });
    expect(world.acquirerPort).toBeGreaterThan(0);
    const client = await connect(world.acquirerPort);
    client.socket.write(frame({ mti: '0800', fields: { 7: '0615103000', 11: '000001', 70: '301' } }));
    expect(await client.next(1)).toEqual([{ mti: '0810', fields: { 7: '0615103000', 11: '000001', 70: '301', 39: '00' } }]);
    client.socket.destroy();
  });

  it('reads requests split byte by byte and answers two coalesced in one write', async () => {
    world = await startCardWorld();
    const client = await connect(world.acquirerPort);
    for (const byte of frame(authorization('000001'))) client.socket.write(Uint8Array.of(byte));
    expect((await client.next(1))[0]?.fields[39]).toBe('00');
    client.socket.write(Buffer.concat([frame(authorization('000002')), frame(authorization('000003'))]));
    const answers = await client.next(2);
    expect(answers.map((a) => a.fields[11])).toEqual(['000002', '000003']);
    expect(world.cardholder(testCardFor('visa', 'approved').pan)?.pendingMinor).toBe(1_500n);
    client.socket.destroy();
  });

  it('drops a malformed message and keeps serving the connection', async () => {
    const lines: string[] = [];
    world = await startCardWorld({ log: (line) => lines.push(line) });
    const client = await connect(world.acquirerPort);
    client.socket.write(encodeFrame(Buffer.from('0100ZZZZ', 'latin1')));
    client.socket.write(frame(authorization('000004')));
    expect((await client.next(1))[0]?.fields[11]).toBe('000004');
    expect(lines.some((line) => line.includes('dropped malformed'))).toBe(true);
    expect(lines.join('\n')).not.toContain(testCardFor('visa', 'approved').pan); // PANs are masked in logs
    client.socket.destroy();
  });

  it('closes a connection that announces an oversized frame', async () => {
    world = await startCardWorld();
    const client = await connect(world.acquirerPort);
    client.socket.write(Uint8Array.of(0xff, 0xff, 0x30));
    await client.closed;
  });

  it('stays silent for the card that never answers', async () => {
    world = await startCardWorld();
    const client = await connect(world.acquirerPort);
    client.socket.write(frame(authorization('000005', testCardFor('visa', 'no-answer').pan)));
    client.socket.write(frame(authorization('000006')));
    expect((await client.next(1)).map((a) => a.fields[11])).toEqual(['000006']);
    client.socket.destroy();
  });
});
