import assert from 'node:assert/strict';
import { Iso8583Error, iso8583Failure, type Iso8583Failure } from './errors.js';

/**
 * TCP framing: every message is preceded by its length as 2 bytes, big-endian (the common
 * convention, domain.md §3). TCP delivers a byte stream, so one `data` event may carry part of
 * a frame or several frames; the reader reassembles them.
 */
export const frameLengthPrefixBytes = 2;
/** What 2 length bytes can express. */
export const frameBytesLimit = 0xffff;
/** A 1987 message with the elements of fields.ts is well under 2 KB; 4 KB leaves room for DE 48. */
export const frameBytesMaxDefault = 4096;

export function encodeFrame(payload: Uint8Array): Buffer {
  assert.ok(payload.length > 0 && payload.length <= frameBytesLimit, `frame payload of ${payload.length} bytes`);
  const frame = Buffer.allocUnsafe(frameLengthPrefixBytes + payload.length);
  frame.writeUInt16BE(payload.length, 0);
  frame.set(payload, frameLengthPrefixBytes);
  return frame;
}

/**
 * Splits a byte stream into frame payloads. After a bad length prefix the stream cannot be
 * resynchronised, so the reader keeps answering the same failure and its owner should close
 * the connection.
 */
export class FrameReader {
  readonly #frameBytesMax: number;
  #buffered: Buffer = Buffer.alloc(0);
  #broken: Iso8583Failure | undefined;

  constructor(options: { frameBytesMax?: number } = {}) {
    const frameBytesMax = options.frameBytesMax ?? frameBytesMaxDefault;
    assert.ok(Number.isInteger(frameBytesMax) && frameBytesMax > 0 && frameBytesMax <= frameBytesLimit, 'frameBytesMax');
    this.#frameBytesMax = frameBytesMax;
  }

  /** Bytes received but not yet part of a complete frame; at most frameBytesMax + 1. */
  get bufferedBytes(): number {
    return this.#buffered.length;
  }

  /** Adds received bytes; returns every frame they complete (possibly none). */
  push(chunk: Uint8Array): Buffer[] | Iso8583Failure {
    if (this.#broken !== undefined) return this.#broken;
    this.#buffered = this.#buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffered, chunk]);
    const frames: Buffer[] = [];
    // Each pass consumes at least one whole frame, so the loop ends within the bytes received.
    while (this.#buffered.length >= frameLengthPrefixBytes) {
      const length = this.#buffered.readUInt16BE(0);
      const invalid = this.#checkLength(length);
      if (invalid !== undefined) return invalid;
      if (this.#buffered.length < frameLengthPrefixBytes + length) break;
      // A copy, so a frame kept by the caller does not pin a large coalesced chunk.
      frames.push(Buffer.from(this.#buffered.subarray(frameLengthPrefixBytes, frameLengthPrefixBytes + length)));
      this.#buffered = this.#buffered.subarray(frameLengthPrefixBytes + length);
    }
    return frames;
  }

  #checkLength(length: number): Iso8583Failure | undefined {
    if (length === 0) this.#broken = iso8583Failure(Iso8583Error.FrameEmpty, 'frame length prefix is 0');
    else if (length > this.#frameBytesMax) {
      this.#broken = iso8583Failure(Iso8583Error.FrameTooLarge, `frame of ${length} bytes exceeds ${this.#frameBytesMax}`);
    }
    if (this.#broken !== undefined) this.#buffered = Buffer.alloc(0);
    return this.#broken;
  }
}
