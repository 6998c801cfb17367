/**
 * HTTP plumbing shared by the connectors that speak HTTP to their counterparts (3-D Secure,
 * outside wallets): bounded response bodies and readable network causes.
 */

/** The low-level cause (ECONNREFUSED…) that undici wraps in "fetch failed". */
export function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/** The body as text, or undefined when it exceeds `bytesMax` (the rest is not read). */
export async function readBounded(response: Response, bytesMax: number): Promise<string | undefined> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let sizeBytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    sizeBytes += value.byteLength;
    if (sizeBytes > bytesMax) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
