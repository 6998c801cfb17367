import { createHmac, timingSafeEqual } from 'node:crypto';
import { fail, type Clock, type Failure } from '../core/index.js';
import { InteropError } from './errors.js';

/**
 * Messages between Hutong and the switch are JSON bodies signed with HMAC-SHA256 under the key
 * they share, over the raw bytes: `Switch-Signature: t=<unix seconds>,v1=<hex of HMAC(key, t + "." + body)>`.
 * The time bounds replays; the signature is compared in constant time (STYLE.md, after Fastify).
 */
export const switchSignatureHeader = 'switch-signature';

export function signSwitchBody(key: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`;
}

export function verifySwitchBody(
  key: string,
  body: string,
  header: string | undefined,
  clock: Clock,
  ageMsMax: number,
): Failure<InteropError> | undefined {
  const invalid = (detail: string) => fail(InteropError.SwitchMessageInvalid, detail);
  const match = /^t=([0-9]{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (match === null) return invalid(`send ${switchSignatureHeader}: t=<unix seconds>,v1=<hex HMAC-SHA256>`);
  const t = Number(match[1]);
  if (Math.abs(clock.now().getTime() - t * 1000) > ageMsMax) return invalid('the message time is too far from ours');
  const expected = createHmac('sha256', key).update(`${t}.${body}`).digest();
  const given = Buffer.from(match[2] as string, 'hex');
  if (!timingSafeEqual(expected, given)) return invalid('the signature does not verify');
  return undefined;
}
