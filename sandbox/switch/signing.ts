import { createHmac, timingSafeEqual } from 'node:crypto';

/** `Switch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, t + "." + body)>` on every message, both ways. */
export function sign(key: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`;
}

export const signatureAgeMsMax = 5 * 60_000;

export function verify(key: string, body: string, header: string | null, nowMs: number): boolean {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (m === null || Math.abs(nowMs - Number(m[1]) * 1000) > signatureAgeMsMax) return false;
  const mac = createHmac('sha256', key).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(mac, Buffer.from(m[2] as string, 'hex'));
}
