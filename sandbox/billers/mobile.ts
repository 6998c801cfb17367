import type { Clock } from '../../src/core/clock.js';
import { Book } from './book.js';
import type { BillerAnswer, BillerRequest, BillerShape } from './server.js';

/**
 * A mobile operator (validate → pay): a top-up of any amount within the operator's limits.
 * ISO 8583-flavoured response codes in JSON: 00 approved, 13 invalid amount, 14 no such number,
 * 62 restricted (a barred line: nothing may be paid), 25 record not found.
 */
export const mobileLimitsFen = { min: 1_000n, max: 50_000n } as const;

export const mobileNumbers = { active: '13800138000', second: '13900139000', barred: '13700137000', unknown: '13600136000' } as const;

export function createMobile(clock: Clock): BillerShape {
  const book = new Book('MB', clock);
  const lines = new Map<string, { holder: string; barred: boolean }>([
    [mobileNumbers.active, { holder: '*磊', barred: false }],
    [mobileNumbers.second, { holder: '*梅', barred: false }],
    [mobileNumbers.barred, { holder: '*明', barred: true }],
  ]);

  function validate(msisdn: string): BillerAnswer {
    const line = lines.get(msisdn);
    if (line === undefined) return { status: 200, body: { code: '14', message: 'no such number' } };
    if (line.barred) return { status: 200, body: { code: '62', message: 'line barred' } };
    return {
      status: 200,
      body: { code: '00', holder: line.holder, min_fen: Number(mobileLimitsFen.min), max_fen: Number(mobileLimitsFen.max) },
    };
  }

  function credit(json: Record<string, unknown>): BillerAnswer {
    const reference = String(json.txn_id ?? '');
    const known = book.find(reference);
    if (known !== undefined) return { status: 200, body: { code: '00', voucher: known.receipt, fen: Number(known.amountMinor) } };
    const msisdn = String(json.msisdn ?? '');
    const checked = validate(msisdn);
    if ((checked.body as { code: string }).code !== '00') return checked;
    const fen = Number.isInteger(json.fen) ? BigInt(json.fen as number) : 0n;
    if (fen < mobileLimitsFen.min || fen > mobileLimitsFen.max)
      return { status: 200, body: { code: '13', message: 'amount outside limits' } };
    const { booking } = book.book(reference, msisdn, fen, () => undefined);
    return { status: 200, body: { code: '00', voucher: booking.receipt, fen: Number(fen) } };
  }

  return {
    book,
    handle(request: BillerRequest): BillerAnswer {
      if (request.method !== 'POST') return { status: 405, body: { code: '12', message: 'POST only' } };
      if (request.path === '/topup/validate') return validate(String(request.json.msisdn ?? ''));
      if (request.path === '/topup/credit') return credit(request.json);
      if (request.path === '/topup/status') {
        const found = book.find(String(request.json.txn_id ?? ''));
        return found === undefined
          ? { status: 200, body: { code: '25', message: 'no such top-up' } }
          : { status: 200, body: { code: '00', voucher: found.receipt, fen: Number(found.amountMinor) } };
      }
      return { status: 404, body: { code: '12', message: 'no such service' } };
    },
    isPosting: (method, path) => method === 'POST' && path === '/topup/credit',
    plantBooking(reference, account, amountMinor) {
      book.book(reference, account, amountMinor, () => undefined);
    },
  };
}
