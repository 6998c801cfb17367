import { fail, type Failure } from '../core/index.js';
import { InteropError } from './errors.js';
import type { Participant } from './participants.js';
import type { FlowDeps } from './ports.js';

/**
 * Daily clearing with the switch (docs/interop.md): Hutong's own positions per participant for a
 * day (receivable: its merchants' codes paid by others' users; payable: its users' codes taken at
 * others' tills), reconciled line by line against the switch's clearing file for Hutong, and the
 * multilateral proof that the participants' net positions in the switch's files sum to zero.
 */
export interface SwitchFiles {
  /** The switch's clearing file (CSV) of one participant for one day. */
  clearingFile(url: string, participant: string, date: string): Promise<string>;
  /** A signed call of Hutong's to the switch (`/participants/hutong/…`); undefined when the switch did not answer. */
  post(
    url: string,
    path: string,
    body: string,
    signature: string,
  ): Promise<{ status: number; body: string; signature: string | undefined } | undefined>;
  /** Hutong's own user pays a code at the switch (signed); undefined when the switch did not answer. */
  pay(url: string, body: string, signature: string): Promise<{ status: number; body: string; signature: string | undefined } | undefined>;
}

export interface ClearingPosition {
  readonly institution: string;
  readonly currency: string;
  readonly receivableMinor: bigint;
  readonly payableMinor: bigint;
}

export interface ClearingException {
  readonly reference: string;
  readonly kind: 'missing_at_hutong' | 'missing_at_switch' | 'amount_mismatch';
  readonly detail: string;
}

export interface ClearingReport {
  readonly date: string;
  readonly positions: readonly ClearingPosition[];
  readonly matched: number;
  readonly exceptions: readonly ClearingException[];
  /** Each participant's net in its own switch file (positive: it receives). */
  readonly participantNets: readonly { readonly institution: string; readonly currency: string; readonly netMinor: bigint }[];
  readonly zeroSum: boolean;
}

interface Line {
  readonly reference: string;
  readonly signedMinor: bigint;
  readonly counterparty: string;
  readonly currency: string;
}

async function ownLines(deps: FlowDeps, date: string): Promise<Line[]> {
  const [from, to] = [`${date}T00:00:00.000Z`, `${date}T23:59:59.999Z`];
  const orders = await deps.db
    .selectFrom('interop_code_orders')
    .select(['switch_reference', 'payer_institution', 'currency', 'amount'])
    .where('status', 'in', ['paid', 'refunded'])
    .where('paid_at', '>=', from)
    .where('paid_at', '<=', to)
    .execute();
  const charges = await deps.db
    .selectFrom('interop_payment_codes')
    .select(['switch_reference', 'payee_institution', 'currency', 'amount'])
    .where('status', '=', 'used')
    .where('used_at', '>=', from)
    .where('used_at', '<=', to)
    .execute();
  const scans = await deps.db
    .selectFrom('interop_scans')
    .select(['switch_reference', 'payee_institution', 'currency', 'amount'])
    .where('status', '=', 'succeeded')
    .where('updated_at', '>=', from)
    .where('updated_at', '<=', to)
    .execute();
  const tills = await deps.db
    .selectFrom('interop_till_charges')
    .select(['switch_reference', 'payer_institution', 'currency', 'amount'])
    .where('status', '=', 'paid')
    .where('updated_at', '>=', from)
    .where('updated_at', '<=', to)
    .execute();
  const tillRefunds = await deps.db
    .selectFrom('interop_till_refunds')
    .innerJoin('interop_till_charges', 'interop_till_charges.id', 'interop_till_refunds.charge_id')
    .select([
      'interop_till_refunds.switch_reference as switch_reference',
      'interop_till_charges.payer_institution as payer_institution',
      'interop_till_refunds.currency as currency',
      'interop_till_refunds.amount as amount',
    ])
    .where('interop_till_refunds.status', '=', 'succeeded')
    .where('interop_till_refunds.updated_at', '>=', from)
    .where('interop_till_refunds.updated_at', '<=', to)
    .execute();
  const codeRefunds = await deps.db
    .selectFrom('interop_code_refunds')
    .innerJoin('interop_payment_codes', 'interop_payment_codes.id', 'interop_code_refunds.payment_code_id')
    .select([
      'interop_code_refunds.id as reference',
      'interop_payment_codes.payee_institution as payee_institution',
      'interop_code_refunds.currency as currency',
      'interop_code_refunds.amount as amount',
    ])
    .where('interop_code_refunds.kind', '=', 'refund')
    .where('interop_code_refunds.created_at', '>=', from)
    .where('interop_code_refunds.created_at', '<=', to)
    .execute();
  const orderRefunds = await deps.db
    .selectFrom('interop_order_refunds')
    .innerJoin('interop_code_orders', 'interop_code_orders.id', 'interop_order_refunds.order_id')
    .select([
      'interop_order_refunds.switch_reference as switch_reference',
      'interop_code_orders.payer_institution as payer_institution',
      'interop_order_refunds.currency as currency',
      'interop_order_refunds.amount as amount',
    ])
    .where('interop_order_refunds.status', '=', 'succeeded')
    .where('interop_order_refunds.updated_at', '>=', from)
    .where('interop_order_refunds.updated_at', '<=', to)
    .execute();
  return [
    ...orderRefunds.map((r) => ({
      reference: r.switch_reference ?? '',
      signedMinor: -BigInt(r.amount),
      counterparty: r.payer_institution,
      currency: r.currency,
    })),
    ...tills.map((c) => ({
      reference: c.switch_reference ?? '',
      signedMinor: BigInt(c.amount),
      counterparty: c.payer_institution,
      currency: c.currency,
    })),
    ...tillRefunds.map((r) => ({
      reference: r.switch_reference ?? '',
      signedMinor: -BigInt(r.amount),
      counterparty: r.payer_institution,
      currency: r.currency,
    })),
    ...codeRefunds.map((r) => ({
      reference: r.reference,
      signedMinor: BigInt(r.amount),
      counterparty: r.payee_institution ?? '',
      currency: r.currency,
    })),
    ...scans.map((s) => ({
      reference: s.switch_reference ?? '',
      signedMinor: -BigInt(s.amount),
      counterparty: s.payee_institution,
      currency: s.currency,
    })),
    ...orders.map((o) => ({
      reference: o.switch_reference,
      signedMinor: BigInt(o.amount),
      counterparty: o.payer_institution,
      currency: o.currency,
    })),
    ...charges.map((c) => ({
      reference: c.switch_reference ?? '',
      signedMinor: -BigInt(c.amount ?? 0n),
      counterparty: c.payee_institution ?? '',
      currency: c.currency,
    })),
  ];
}

/** Parses the switch file: `reference,date,role,counterparty,currency,amount` lines and `NET,…` lines. */
function parseFile(text: string): { lines: Line[]; nets: { currency: string; netMinor: bigint }[] } | undefined {
  const rows = text.trim().split('\n');
  if (rows[0] !== 'reference,date,role,counterparty,currency,amount') return undefined;
  const lines: Line[] = [];
  const nets: { currency: string; netMinor: bigint }[] = [];
  for (const row of rows.slice(1)) {
    const [reference, , role, counterparty, currency, amount] = row.split(',');
    if (reference === undefined || currency === undefined || amount === undefined || !/^-?[0-9]+$/.test(amount)) return undefined;
    if (reference === 'NET') nets.push({ currency, netMinor: BigInt(amount) });
    else
      lines.push({
        reference,
        counterparty: counterparty ?? '',
        currency,
        signedMinor: role === 'payee' ? BigInt(amount) : -BigInt(amount),
      });
  }
  return { lines, nets };
}

function positionsOf(lines: readonly Line[]): ClearingPosition[] {
  const byKey = new Map<string, { institution: string; currency: string; receivableMinor: bigint; payableMinor: bigint }>();
  for (const line of lines) {
    const key = `${line.counterparty}/${line.currency}`;
    const position = byKey.get(key) ?? { institution: line.counterparty, currency: line.currency, receivableMinor: 0n, payableMinor: 0n };
    if (line.signedMinor >= 0n) position.receivableMinor += line.signedMinor;
    else position.payableMinor -= line.signedMinor;
    byKey.set(key, position);
  }
  return [...byKey.values()].sort((a, b) => a.institution.localeCompare(b.institution));
}

/** Lines match by reference and direction: an on-us payment is one reference with a line each way. */
const lineKey = (line: Line) => `${line.reference}/${line.signedMinor >= 0n ? 'in' : 'out'}`;

function reconcile(own: readonly Line[], theirs: readonly Line[]): { matched: number; exceptions: ClearingException[] } {
  const theirsByRef = new Map(theirs.map((line) => [lineKey(line), line]));
  const exceptions: ClearingException[] = [];
  let matched = 0;
  for (const line of own) {
    const other = theirsByRef.get(lineKey(line));
    theirsByRef.delete(lineKey(line));
    if (other === undefined)
      exceptions.push({ reference: line.reference, kind: 'missing_at_switch', detail: `Hutong booked ${line.signedMinor}` });
    else if (other.signedMinor !== line.signedMinor || other.currency !== line.currency)
      exceptions.push({
        reference: line.reference,
        kind: 'amount_mismatch',
        detail: `Hutong ${line.signedMinor}, switch ${other.signedMinor}`,
      });
    else matched++;
  }
  for (const line of theirsByRef.values())
    exceptions.push({ reference: line.reference, kind: 'missing_at_hutong', detail: `switch booked ${line.signedMinor}` });
  return { matched, exceptions };
}

export async function clearDay(
  deps: FlowDeps & { readonly participants: readonly Participant[] },
  files: SwitchFiles,
  date: string,
): Promise<ClearingReport | Failure<InteropError>> {
  const url = deps.settings.switchUrl;
  if (url === undefined) return fail(InteropError.SwitchMessageInvalid, 'no switch is configured (HUTONG_SWITCH_URL)');
  const own = await ownLines(deps, date);
  const participantNets: { institution: string; currency: string; netMinor: bigint }[] = [];
  let hutongLines: Line[] = [];
  for (const participant of deps.participants) {
    const parsed = parseFile(await files.clearingFile(url, participant.id, date));
    if (parsed === undefined)
      return fail(InteropError.SwitchMessageInvalid, `the switch's clearing file for ${participant.id} is malformed`);
    if (participant.id === 'hutong') hutongLines = parsed.lines;
    participantNets.push(...parsed.nets.map((net) => ({ institution: participant.id, ...net })));
  }
  const totals = new Map<string, bigint>();
  for (const net of participantNets) totals.set(net.currency, (totals.get(net.currency) ?? 0n) + net.netMinor);
  return {
    date,
    positions: positionsOf(own),
    ...reconcile(own, hutongLines),
    participantNets,
    zeroSum: [...totals.values()].every((total) => total === 0n),
  };
}
