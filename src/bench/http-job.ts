import type { HttpFigures } from './model.js';

/** What the parent asks of the load-generating child process, and what it answers. */
export interface ClientJob {
  readonly url: string;
  readonly connections: number;
  readonly warmupSec: number;
  readonly durationSec: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Pre-built JSON bodies; each request takes one at random. */
  readonly bodies: readonly string[];
}

export type ClientReply = { readonly ok: true; readonly figures: HttpFigures } | { readonly ok: false; readonly error: string };
