import { causeOf, readBounded } from '../http.js';

/**
 * The customs single window over HTTP (the sandbox's or, by configuration, a real gateway that
 * speaks the same: CEB XML in, the receipt XML out, receipts pollable per declarant). Satisfies
 * the customs module's `CustomsGateway` port; holds no state.
 */
export const customsTimeoutMs = 10_000;
export const receiptBytesMax = 256 * 1024;
const pollBytesMax = 8 * 1024 * 1024;

export interface SingleWindowClient {
  send(xml: string): Promise<{ readonly receiptXml: string } | { readonly unavailable: string }>;
  poll(copCode: string, after: number): Promise<readonly { readonly seq: number; readonly xml: string }[]>;
  /** The inventory list of an order: released (800) or not; unknown when customs does not answer. */
  releaseOf(ebpCode: string, orderNo: string): Promise<'released' | 'not_released' | 'unknown'>;
}

export function createSingleWindowClient(baseUrl: string, timeoutMs: number = customsTimeoutMs): SingleWindowClient {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async send(xml) {
      try {
        const response = await fetch(`${base}/ceb/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/xml; charset=utf-8' },
          body: xml,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await readBounded(response, receiptBytesMax);
        // Unknown means pending: only an answered receipt says what customs did with the message.
        if (response.status !== 200 || text === undefined) return { unavailable: `customs answered HTTP ${response.status}` };
        return { receiptXml: text };
      } catch (error) {
        return { unavailable: causeOf(error) };
      }
    },
    async poll(copCode, after) {
      const response = await fetch(`${base}/ceb/receipts?copCode=${encodeURIComponent(copCode)}&after=${after}`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await readBounded(response, pollBytesMax);
      if (response.status !== 200 || text === undefined) throw new Error(`customs receipts answered HTTP ${response.status}`);
      const body = JSON.parse(text) as { receipts?: { seq: number; xml: string }[] };
      return (body.receipts ?? []).filter((r) => Number.isInteger(r.seq) && typeof r.xml === 'string');
    },
    async releaseOf(ebpCode, orderNo) {
      try {
        const response = await fetch(`${base}/ceb/inventories/${encodeURIComponent(ebpCode)}/${encodeURIComponent(orderNo)}`, {
          signal: AbortSignal.timeout(timeoutMs),
        });
        // No inventory list for the order: nothing was released.
        if (response.status === 404) return 'not_released';
        const text = await readBounded(response, receiptBytesMax);
        if (response.status !== 200 || text === undefined) return 'unknown';
        const view = JSON.parse(text) as { status?: string; returnStatus?: string };
        return view.returnStatus === '800' || view.status === 'released' ? 'released' : 'not_released';
      } catch {
        return 'unknown';
      }
    },
  };
}
