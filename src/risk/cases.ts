/**
 * Suspicious-activity cases (AML, issue 16, docs/risk.md "Suspicious-activity cases"). A day's
 * wallet movements are scanned for three typologies; each hit opens one case per party, typology
 * and day (the unique key of `risk_cases`, so a scan run twice opens nothing new), with the ids of
 * the movements as evidence. An analyst takes a case (assign) and ends it: `reported` (a suspicious
 * transaction report is filed) or `closed` (no suspicion), with a reason. Both are conditional
 * updates of an open case: of two analysts deciding at once, one wins and the other gets 409.
 */
import { type Clock, fail, type Failure, newId } from '../core/index.js';
import type { Store, Writer } from '../store/index.js';
import { RiskError } from './errors.js';
import { largeValueThresholdsMinor } from './large-value.js';

export const caseTypologies = ['structuring', 'rapid_in_out', 'many_payers'] as const;
export type CaseTypology = (typeof caseTypologies)[number];
export type CaseStatus = 'open' | 'reported' | 'closed';

/** One succeeded wallet movement of the day (read model src/read-models/wallet-day-totals.ts). */
export interface DayMovement {
  readonly id: string;
  readonly merchantId: string;
  readonly type: 'top_up' | 'transfer' | 'withdrawal';
  readonly sourceId: string | null;
  readonly destinationId: string | null;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly createdAt: string;
}

export interface CaseSettings {
  /** Structuring: a day's outgoing total at or above this share of the party's large-value threshold (‰) but below it. */
  readonly structuringFloorPermille: number;
  /** Structuring: at least this many movements made the total (one movement just under is not splitting). */
  readonly structuringMinMovements: number;
  /** Rapid in-and-out: money received in a day at least this much (minor units, per currency)… */
  readonly rapidInMinMinor: Readonly<Record<string, bigint>>;
  /** …and at least this share of it (‰) paid out again after it came in, the same day. */
  readonly rapidOutPermille: number;
  /** Many payers: this many distinct payers into one wallet in a day. */
  readonly manyPayersMin: number;
}

export const caseSettingsDefault: CaseSettings = {
  structuringFloorPermille: 900,
  structuringMinMovements: 2,
  rapidInMinMinor: { CNY: 5_000_000n, USD: 1_000_000n },
  rapidOutPermille: 900,
  manyPayersMin: 10,
};

export interface CaseCandidate {
  readonly partyId: string;
  readonly merchantId: string;
  readonly typology: CaseTypology;
  readonly period: string;
  readonly currency: string;
  readonly totalMinor: bigint;
  readonly evidence: readonly string[];
  readonly summary: string;
}

export interface RiskCase extends CaseCandidate {
  readonly id: string;
  readonly status: CaseStatus;
  readonly analyst: string | null;
  readonly reason: string | null;
  readonly createdAt: string;
  readonly decidedAt: string | null;
}

const byParty = <T>(items: readonly T[], keyOf: (item: T) => string | null): Map<string, T[]> => {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    const list = map.get(key);
    if (list === undefined) map.set(key, [item]);
    else list.push(item);
  }
  return map;
};
const sum = (ms: readonly DayMovement[]) => ms.reduce((s, m) => s + m.amountMinor, 0n);
const ids = (ms: readonly DayMovement[]) => ms.map((m) => m.id).sort();

/** The cases a day's movements call for (pure: the same movements always give the same cases). */
export function detectCases(day: string, movements: readonly DayMovement[], settings: CaseSettings = caseSettingsDefault): CaseCandidate[] {
  const found: CaseCandidate[] = [];
  const groups = (keyOf: (m: DayMovement) => string | null) =>
    byParty(movements, (m) => {
      const party = keyOf(m);
      return party === null ? null : `${party}\u0000${m.merchantId}\u0000${m.currency}`;
    });
  const split = (key: string) => key.split('\u0000') as [string, string, string];

  // Structuring: a natural person's outgoing day total just under the large-value threshold, made of several movements.
  for (const [key, out] of groups((m) => (m.type === 'top_up' ? null : m.sourceId))) {
    const [partyId, merchantId, currency] = split(key);
    const kind = partyId === merchantId ? 'other' : 'natural_person';
    const threshold = largeValueThresholdsMinor[currency]?.[kind];
    if (threshold === undefined || out.length < settings.structuringMinMovements) continue;
    const total = sum(out);
    if (total < threshold && total * 1000n >= threshold * BigInt(settings.structuringFloorPermille)) {
      found.push({
        partyId,
        merchantId,
        typology: 'structuring',
        period: day,
        currency,
        totalMinor: total,
        evidence: ids(out),
        summary: `${out.length} movements totalling ${total} minor units of ${currency}, just under the ${threshold} large-value threshold`,
      });
    }
  }

  // Rapid in-and-out: money received, then most of it paid out again the same day.
  const outgoing = groups((m) => (m.type === 'top_up' ? null : m.sourceId));
  for (const [key, incoming] of groups((m) => (m.type === 'withdrawal' ? null : m.destinationId))) {
    const [partyId, merchantId, currency] = split(key);
    const inTotal = sum(incoming);
    const min = settings.rapidInMinMinor[currency];
    if (min === undefined || inTotal < min) continue;
    const firstIn = incoming.reduce((a, m) => (m.createdAt < a ? m.createdAt : a), incoming[0]!.createdAt);
    const after = (outgoing.get(key) ?? []).filter((m) => m.createdAt >= firstIn);
    const outTotal = sum(after);
    if (after.length > 0 && outTotal * 1000n >= inTotal * BigInt(settings.rapidOutPermille)) {
      found.push({
        partyId,
        merchantId,
        typology: 'rapid_in_out',
        period: day,
        currency,
        totalMinor: outTotal,
        evidence: [...ids(incoming), ...ids(after)],
        summary: `received ${inTotal} and paid out ${outTotal} minor units of ${currency} the same day`,
      });
    }
  }

  // Many payers: transfers from many distinct wallets into one.
  for (const [key, incoming] of groups((m) => (m.type === 'transfer' ? m.destinationId : null))) {
    const [partyId, merchantId, currency] = split(key);
    const payers = new Set(incoming.map((m) => m.sourceId));
    if (payers.size < settings.manyPayersMin) continue;
    const total = sum(incoming);
    found.push({
      partyId,
      merchantId,
      typology: 'many_payers',
      period: day,
      currency,
      totalMinor: total,
      evidence: ids(incoming),
      summary: `${payers.size} distinct payers sent ${total} minor units of ${currency}`,
    });
  }
  return found;
}

interface CaseDetail {
  readonly currency: string;
  readonly total_minor: string;
  readonly evidence: string[];
  readonly summary: string;
}

type CaseRow = {
  id: string;
  party_id: string;
  merchant_id: string;
  typology: string;
  period: string;
  detail: string;
  status: string;
  analyst: string | null;
  reason: string | null;
  created_at: string;
  decided_at: string | null;
};

function caseOf(r: CaseRow): RiskCase {
  const d = JSON.parse(r.detail) as CaseDetail;
  return {
    id: r.id,
    partyId: r.party_id,
    merchantId: r.merchant_id,
    typology: r.typology as CaseTypology,
    period: r.period,
    currency: d.currency,
    totalMinor: BigInt(d.total_minor),
    evidence: d.evidence,
    summary: d.summary,
    status: r.status as CaseStatus,
    analyst: r.analyst,
    reason: r.reason,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
  };
}

export interface CaseDeps {
  readonly store: Store;
  readonly writer: Writer;
  readonly clock: Clock;
  readonly settings?: CaseSettings;
}

export function createCases(deps: CaseDeps) {
  const { store, writer, clock } = deps;
  const get = async (id: string) => {
    const row = await store.reader.selectFrom('risk_cases').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : caseOf(row);
  };

  /** Opens the day's cases; a case already open for the same party, typology and day is kept. Answers the new ones. */
  async function open(day: string, movements: readonly DayMovement[]): Promise<RiskCase[]> {
    const candidates = detectCases(day, movements, deps.settings);
    const at = clock.now().toISOString();
    const opened = await writer.run(async (trx) => {
      const made: string[] = [];
      for (const c of candidates) {
        const id = newId('case', clock.now().getTime());
        const detail: CaseDetail = {
          currency: c.currency,
          total_minor: c.totalMinor.toString(),
          evidence: [...c.evidence],
          summary: c.summary,
        };
        const key = c.currency === 'CNY' ? c.period : `${c.period}:${c.currency}`;
        const inserted = await trx
          .insertInto('risk_cases')
          .values({
            id,
            party_id: c.partyId,
            merchant_id: c.merchantId,
            typology: c.typology,
            period: key,
            detail: JSON.stringify(detail),
            status: 'open',
            analyst: null,
            reason: null,
            created_at: at,
            decided_at: null,
          })
          .onConflict((oc) => oc.columns(['party_id', 'typology', 'period']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) made.push(id);
      }
      return made;
    });
    const rows = opened.length === 0 ? [] : await store.reader.selectFrom('risk_cases').selectAll().where('id', 'in', opened).execute();
    return rows.map(caseOf);
  }

  async function list(filter: { status?: string; party?: string; typology?: string; limit?: number }): Promise<RiskCase[]> {
    let q = store.reader.selectFrom('risk_cases').selectAll();
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    if (filter.party !== undefined) q = q.where('party_id', '=', filter.party);
    if (filter.typology !== undefined) q = q.where('typology', '=', filter.typology);
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 1000)
      .execute();
    return rows.map(caseOf);
  }

  /** Takes an open case (or hands it to another analyst); a decided case cannot be reassigned. */
  async function assign(id: string, analyst: string): Promise<{ before: RiskCase; after: RiskCase } | Failure<RiskError>> {
    const before = await get(id);
    if (before === undefined) return fail(RiskError.CaseNotFound, `no case ${id}`);
    const changed = await writer.run((trx) =>
      trx.updateTable('risk_cases').set({ analyst }).where('id', '=', id).where('status', '=', 'open').executeTakeFirst(),
    );
    if (Number(changed.numUpdatedRows) === 0) return fail(RiskError.CaseDecided, `case ${id} is already ${(await get(id))?.status}`);
    return { before, after: (await get(id)) as RiskCase };
  }

  /** Ends an open case: `reported` (a suspicious transaction report is filed) or `closed` (no suspicion). */
  async function decide(
    id: string,
    decision: 'reported' | 'closed',
    reason: string,
    analyst: string,
  ): Promise<{ before: RiskCase; after: RiskCase } | Failure<RiskError>> {
    const before = await get(id);
    if (before === undefined) return fail(RiskError.CaseNotFound, `no case ${id}`);
    const at = clock.now().toISOString();
    const changed = await writer.run((trx) =>
      trx
        .updateTable('risk_cases')
        .set({ status: decision, reason, analyst, decided_at: at })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .executeTakeFirst(),
    );
    if (Number(changed.numUpdatedRows) === 0) return fail(RiskError.CaseDecided, `case ${id} is already ${(await get(id))?.status}`);
    return { before, after: (await get(id)) as RiskCase };
  }

  return { open, list, get, assign, decide };
}

const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Cases as CSV (RFC 4180): the export an analyst files from; evidence ids separated by spaces. */
export function casesCsv(cases: readonly RiskCase[]): string {
  const header = 'case,party,merchant,typology,period,currency,total_minor,status,analyst,reason,opened_at,decided_at,evidence,summary';
  const lines = cases.map((c) =>
    [
      c.id,
      c.partyId,
      c.merchantId,
      c.typology,
      c.period,
      c.currency,
      c.totalMinor.toString(),
      c.status,
      c.analyst ?? '',
      c.reason ?? '',
      c.createdAt,
      c.decidedAt ?? '',
      c.evidence.join(' '),
      c.summary,
    ]
      .map(csvField)
      .join(','),
  );
  return [header, ...lines].join('\r\n') + '\r\n';
}
