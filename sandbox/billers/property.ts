import type { Clock } from '../../src/core/clock.js';
import { Book } from './book.js';
import type { BillerAnswer, BillerRequest, BillerShape } from './server.js';

/**
 * A property management company: one community of buildings and units. A unit's monthly fee is
 * its area times the rate (2.50 CNY per m² a month) plus 300.00 for a parking space; fees are paid
 * in whole months, oldest first. Area is kept in 0.01 m² so every fee is exact fen.
 */
export const propertyCommunity = 'SH01';
const rateFenPerSquareMetreMonth = 250n;
const parkingFenMonth = 30_000n;

interface Unit {
  readonly areaCentiM2: bigint;
  readonly parking: boolean;
  /** Months still owed, oldest first (YYYY-MM). */
  unpaid: string[];
}

export const propertyUnits = {
  threeMonths: 'SH01-01-0101',
  oneMonth: 'SH01-02-1503',
  paidUp: 'SH01-03-0802',
  notFound: 'SH01-09-0909',
} as const;

function monthsBack(now: Date, count: number): string[] {
  const out: string[] = [];
  for (let back = count - 1; back >= 0; back--) {
    const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
    out.push(at.toISOString().slice(0, 7));
  }
  return out;
}

export function createProperty(clock: Clock): BillerShape {
  const book = new Book('PM', clock);
  const now = clock.now();
  const units = new Map<string, Unit>([
    ['01-0101', { areaCentiM2: 8_950n, parking: true, unpaid: monthsBack(now, 3) }],
    ['02-1503', { areaCentiM2: 12_000n, parking: false, unpaid: monthsBack(now, 1) }],
    ['03-0802', { areaCentiM2: 7_500n, parking: false, unpaid: [] }],
  ]);
  const feeOf = (unit: Unit) => (unit.areaCentiM2 * rateFenPerSquareMetreMonth) / 100n;
  const monthFen = (unit: Unit) => feeOf(unit) + (unit.parking ? parkingFenMonth : 0n);

  function dues(key: string): BillerAnswer {
    const unit = units.get(key);
    if (unit === undefined) return { status: 404, body: { error: 'unit_not_found' } };
    const months = unit.unpaid.map((month) => ({
      month,
      fee_fen: Number(feeOf(unit)),
      parking_fen: unit.parking ? Number(parkingFenMonth) : 0,
      total_fen: Number(monthFen(unit)),
    }));
    return {
      status: 200,
      body: {
        unit: `${propertyCommunity}-${key}`,
        area_m2: (Number(unit.areaCentiM2) / 100).toFixed(2),
        months,
        total_fen: Number(monthFen(unit) * BigInt(months.length)),
      },
    };
  }

  function pay(key: string, json: Record<string, unknown>): BillerAnswer {
    const reference = String(json.ref ?? '');
    const known = book.find(reference);
    if (known !== undefined) return { status: 200, body: { receipt_no: known.receipt, total_fen: Number(known.amountMinor) } };
    const unit = units.get(key);
    if (unit === undefined) return { status: 404, body: { error: 'unit_not_found' } };
    const months = Number.isInteger(json.months) ? (json.months as number) : 0;
    if (months < 1 || months > unit.unpaid.length)
      return { status: 422, body: { error: 'months_invalid', owed_months: unit.unpaid.length } };
    const totalFen = Number.isInteger(json.total_fen) ? BigInt(json.total_fen as number) : -1n;
    if (totalFen !== monthFen(unit) * BigInt(months)) return { status: 422, body: { error: 'not_whole_months' } };
    const paid = unit.unpaid.slice(0, months);
    const { booking } = book.book(reference, `${propertyCommunity}-${key}`, totalFen, () => {
      unit.unpaid = unit.unpaid.slice(months);
    });
    return { status: 200, body: { receipt_no: booking.receipt, total_fen: Number(totalFen), months_paid: paid } };
  }

  function roll(): BillerAnswer {
    const rows = [...units.entries()].map(([key, unit]) => ({
      unit: `${propertyCommunity}-${key}`,
      area_m2: (Number(unit.areaCentiM2) / 100).toFixed(2),
      parking: unit.parking,
      owed_months: unit.unpaid,
      owed_fen: Number(monthFen(unit) * BigInt(unit.unpaid.length)),
    }));
    return { status: 200, body: { community: propertyCommunity, units: rows } };
  }

  return {
    book,
    handle(request: BillerRequest): BillerAnswer {
      const path = /^\/communities\/([^/]+)\/(units\/([^/]+)\/(dues|payments)|roll)$/.exec(request.path);
      if (path !== null && path[1] !== propertyCommunity) return { status: 404, body: { error: 'community_not_found' } };
      if (path !== null && path[2] === 'roll' && request.method === 'GET') return roll();
      if (path !== null && path[4] === 'dues' && request.method === 'GET') return dues(decodeURIComponent(path[3] as string));
      if (path !== null && path[4] === 'payments' && request.method === 'POST')
        return pay(decodeURIComponent(path[3] as string), request.json);
      const lookup = /^\/payments\/([^/]+)$/.exec(request.path);
      if (request.method === 'GET' && lookup !== null) {
        const found = book.find(decodeURIComponent(lookup[1] as string));
        return found === undefined
          ? { status: 404, body: { error: 'payment_not_found' } }
          : { status: 200, body: { receipt_no: found.receipt, total_fen: Number(found.amountMinor) } };
      }
      return { status: 404, body: { error: 'not_found' } };
    },
    isPosting: (method, path) => method === 'POST' && /\/payments$/.test(path) && path.startsWith('/communities/'),
    plantBooking(reference, account, amountMinor) {
      book.book(reference, account, amountMinor, () => undefined);
    },
  };
}
