/** What the parent and the sandbox card-world child process (card-world-child.ts) say to each other. */
export type CardWorldRequest = { readonly kind: 'snapshot'; readonly pans: readonly string[] } | { readonly kind: 'close' };

/** The issuer's view of one card; minor units as decimal strings (bigint does not cross IPC). */
export interface IssuerAccount {
  readonly pan: string;
  readonly postedMinor: string;
  readonly pendingMinor: string;
}

export type CardWorldReply =
  | { readonly kind: 'ready'; readonly port: number }
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'snapshot'; readonly accounts: readonly IssuerAccount[] };
