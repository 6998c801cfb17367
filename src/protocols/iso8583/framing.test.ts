import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader, Iso8583Error, isIso8583Failure, type Iso8583Failure } from './index.js';

function frames(result: Buffer[] | Iso8583Failure): string[] {
  if (isIso8583Failure(result)) throw new Error(result.detail);
  return result.map((frame) => frame.toString('latin1'));
}

describe('framing', () => {
  it('prefixes the payload with its length, 2 bytes big-endian', () => {
    const frame = encodeFrame(Buffer.alloc(300, 0x41));
    expect([...frame.subarray(0, 2)]).toEqual([0x01, 0x2c]);
    expect(frame).toHaveLength(302);
  });

  it('reassembles two coalesced frames split at every possible position', () => {
    const stream = Buffer.concat([encodeFrame(Buffer.from('first')), encodeFrame(Buffer.from('second frame'))]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new FrameReader();
      const out = [...frames(reader.push(stream.subarray(0, cut))), ...frames(reader.push(stream.subarray(cut)))];
      expect(out, `cut at ${cut}`).toEqual(['first', 'second frame']);
      expect(reader.bufferedBytes).toBe(0);
    }
  });

  it('delivers byte-by-byte input frame by frame', () => {
    const reader = new FrameReader();
    const stream = encodeFrame(Buffer.from('abc'));
    const out: string[] = [];
    for (const byte of stream) out.push(...frames(reader.push(Uint8Array.of(byte))));
    expect(out).toEqual(['abc']);
  });

  it('returns the same frames for any chunking of any sequence of frames', () => {
    const payloads = fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(payloads, fc.array(fc.nat()), (messages, cuts) => {
        const stream = Buffer.concat(messages.map((m) => encodeFrame(m)));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const reader = new FrameReader();
        const out: Buffer[] = [];
        let from = 0;
        for (const to of [...points, stream.length]) {
          const result = reader.push(stream.subarray(from, to));
          if (isIso8583Failure(result)) throw new Error(result.detail);
          out.push(...result);
          from = to;
        }
        expect(out.map((b) => b.toString('hex'))).toEqual(messages.map((m) => Buffer.from(m).toString('hex')));
      }),
    );
  });

  it('refuses a frame above frameBytesMax from its prefix alone, and stays broken', () => {
    const reader = new FrameReader({ frameBytesMax: 100 });
    expect(reader.push(Uint8Array.of(0x00, 0x65))).toMatchObject({ failure: Iso8583Error.FrameTooLarge });
    expect(reader.push(encodeFrame(Buffer.from('ok')))).toMatchObject({ failure: Iso8583Error.FrameTooLarge });
    expect(reader.bufferedBytes).toBe(0);
  });

  it('refuses an empty frame', () => {
    expect(new FrameReader().push(Uint8Array.of(0x00, 0x00, 0x30))).toMatchObject({ failure: Iso8583Error.FrameEmpty });
  });

  it('keeps at most one partial frame buffered', () => {
    const reader = new FrameReader({ frameBytesMax: 100 });
    const frame = encodeFrame(Buffer.alloc(100, 1));
    frames(reader.push(Buffer.concat([frame, frame, frame.subarray(0, 101)])));
    expect(reader.bufferedBytes).toBe(101);
  });
});
