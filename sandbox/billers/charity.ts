import type { Clock } from '../../src/core/clock.js';
import { Book } from './book.js';
import type { BillerAnswer, BillerRequest, BillerShape } from './server.js';

/** A charity (direct pay): a donation to a project, answered with a donation certificate number. */
export const charityProjects = { open: 'P01', closed: 'P09', unknown: 'P77' } as const;

export function createCharity(clock: Clock): BillerShape {
  const book = new Book('CH', clock);
  const projects = new Map<string, { title: string; open: boolean }>([
    ['P01', { title: '乡村图书室 Village libraries', open: true }],
    ['P02', { title: '助学 School grants', open: true }],
    ['P09', { title: '2025 冬衣 Winter clothes 2025', open: false }],
  ]);

  function donate(json: Record<string, unknown>): BillerAnswer {
    const reference = String(json.ref ?? '');
    const known = book.find(reference);
    if (known !== undefined) return { status: 200, body: { certificate_no: known.receipt, amount_fen: Number(known.amountMinor) } };
    const project = projects.get(String(json.project ?? ''));
    if (project === undefined) return { status: 404, body: { error: 'project_unknown' } };
    if (!project.open) return { status: 410, body: { error: 'project_closed' } };
    const fen = Number.isInteger(json.amount_fen) ? BigInt(json.amount_fen as number) : 0n;
    if (fen <= 0n) return { status: 422, body: { error: 'amount_invalid' } };
    const { booking } = book.book(reference, String(json.project), fen, () => undefined);
    return { status: 201, body: { certificate_no: booking.receipt, amount_fen: Number(fen) } };
  }

  return {
    book,
    handle(request: BillerRequest): BillerAnswer {
      if (request.method === 'POST' && request.path === '/donations') return donate(request.json);
      const lookup = /^\/donations\/([^/]+)$/.exec(request.path);
      if (request.method === 'GET' && lookup !== null) {
        const found = book.find(decodeURIComponent(lookup[1] as string));
        return found === undefined
          ? { status: 404, body: { error: 'donation_not_found' } }
          : { status: 200, body: { certificate_no: found.receipt, amount_fen: Number(found.amountMinor) } };
      }
      return { status: 404, body: { error: 'not_found' } };
    },
    isPosting: (method, path) => method === 'POST' && path === '/donations',
    plantBooking(reference, account, amountMinor) {
      book.book(reference, account, amountMinor, () => undefined);
    },
  };
}
