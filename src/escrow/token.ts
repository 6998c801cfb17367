import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The buyer's link: an HMAC over the trade id and an expiry, so the buyer acts on exactly one
 * trade without an account or the merchant's key. Format `<expires unix s>.<base64url mac>`.
 * The key is derived from the vault key, so every Hutong process verifies every link.
 */
export function createBuyerTokens(vaultKey: Buffer) {
  const key = createHmac('sha256', vaultKey).update('hutong escrow buyer link v1').digest();

  function macOf(tradeId: string, expiresSec: number): Buffer {
    return createHmac('sha256', key).update(`${tradeId}.${expiresSec}`).digest();
  }

  return {
    sign(tradeId: string, expiresAt: Date): string {
      const expiresSec = Math.floor(expiresAt.getTime() / 1000);
      return `${expiresSec}.${macOf(tradeId, expiresSec).toString('base64url')}`;
    },
    /** True only for a token made for this trade that has not expired at `now`. */
    verify(tradeId: string, token: string, now: Date): boolean {
      const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (match === null) return false;
      const expiresSec = Number(match[1]);
      const given = Buffer.from(match[2] as string, 'base64url');
      const expected = macOf(tradeId, expiresSec);
      return given.length === expected.length && timingSafeEqual(given, expected) && now.getTime() < expiresSec * 1000;
    },
  };
}

export type BuyerTokens = ReturnType<typeof createBuyerTokens>;
