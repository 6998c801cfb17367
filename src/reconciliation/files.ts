import { createReadStream } from 'node:fs';

/**
 * A file read as batches of lines (split on `\n`, a `\r` before it left to the parser), from 1 MiB
 * reads: no per-line stream events, memory bounded by one read.
 */
export async function* fileLineBatches(path: string): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop() as string;
    if (lines.length > 0) yield lines;
  }
  if (rest !== '') yield [rest];
}
