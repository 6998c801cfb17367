import { createHash } from 'node:crypto';
import { type Clock, fail, type Failure, newId } from '../core/index.js';
import type { Store, Database, Writer } from '../store/index.js';
import { limitKeyOf } from './debits.js';
import { RiskError } from './errors.js';
import type { ParsedList } from './list-files.js';
import { listedName, screenName, type ListedName } from './matching.js';
import type { ScreeningHit, Screening, Subject } from './model.js';

/** Rows per INSERT when a list is imported (PostgreSQL allows 65,535 parameters a statement). */
const importChunkRows = 500;
const hitsPerScreeningMax = 20;
export const hitsPageMax = 100;

export interface ScreeningDeps {
  readonly store: Store;
  readonly writer: Writer;
  readonly clock: Clock;
  readonly thresholdPermille: number;
}

/**
 * Sanctions screening over the imported lists (docs/risk.md). Every node keeps the listed names
 * in memory, in their comparable forms, and rebuilds them when the lists' digests change.
 */
export function createScreening(deps: ScreeningDeps) {
  const { store, writer, clock, thresholdPermille } = deps;
  let index: { version: string; names: ListedName[] } | undefined;

  async function listedNames(): Promise<ListedName[]> {
    const lists = await store.reader.selectFrom('risk_lists').select(['list', 'digest']).orderBy('list').execute();
    const version = lists.map((l) => `${l.list}:${l.digest}`).join(',');
    if (index !== undefined && index.version === version) return index.names;
    const rows = await store.reader.selectFrom('risk_list_entries').select(['list', 'entry_id', 'names']).execute();
    const names = rows.flatMap((row) => (JSON.parse(row.names) as string[]).map((name) => listedName(row.list, row.entry_id, name)));
    index = { version, names };
    return names;
  }

  /** Screens one party and records what it finds; answers the party's screening state. */
  async function screen(subject: Subject): Promise<Screening> {
    const matches = screenName(subject.name, await listedNames(), thresholdPermille).slice(0, hitsPerScreeningMax);
    const at = clock.now().toISOString();
    return writer.run(
      async (trx) => {
        for (const match of matches) {
          await trx
            .insertInto('risk_hits')
            .values({
              id: newId('hit', clock.now().getTime()),
              party_id: subject.partyId,
              party_type: subject.partyType,
              merchant_id: subject.merchantId,
              context: subject.context,
              subject_name: subject.name,
              list: match.list,
              entry_id: match.entryId,
              matched_name: match.matchedName,
              score_permille: BigInt(match.scorePermille),
              status: 'open',
              reason: null,
              created_at: at,
              decided_at: null,
            })
            .onConflict((oc) => oc.columns(['party_id', 'list', 'entry_id']).doNothing())
            .execute();
        }
        return settle(trx, subject, at);
      },
      { keys: [limitKeyOf(subject.partyId)] },
    );
  }

  /** The party's screening state follows from its hits: any confirmed → confirmed, any open → review. */
  async function settle(trx: import('kysely').Transaction<Database>, subject: Omit<Subject, 'context'>, at: string): Promise<Screening> {
    const statuses = await trx.selectFrom('risk_hits').select('status').where('party_id', '=', subject.partyId).execute();
    const screening: Screening = statuses.some((s) => s.status === 'confirmed')
      ? 'confirmed'
      : statuses.some((s) => s.status === 'open')
        ? 'review'
        : 'clear';
    await trx
      .insertInto('risk_parties')
      .values({
        party_id: subject.partyId,
        party_type: subject.partyType,
        merchant_id: subject.merchantId,
        level: 'none',
        screening,
        screened_name: subject.name,
        verified_at: null,
        updated_at: at,
      })
      .onConflict((oc) => oc.column('party_id').doUpdateSet({ screening, screened_name: subject.name, updated_at: at }))
      .execute();
    return screening;
  }

  async function decide(
    hitId: string,
    decision: 'confirmed' | 'false_positive',
    reason: string,
  ): Promise<{ before: ScreeningHit; after: ScreeningHit } | Failure<RiskError>> {
    const hit = await store.reader.selectFrom('risk_hits').selectAll().where('id', '=', hitId).executeTakeFirst();
    if (hit === undefined) return fail(RiskError.HitNotFound, `no screening hit ${hitId}`);
    const at = clock.now().toISOString();
    return writer.run(
      async (trx) => {
        const moved = await trx
          .updateTable('risk_hits')
          .set({ status: decision, reason, decided_at: at })
          .where('id', '=', hitId)
          .where('status', '=', 'open')
          .executeTakeFirst();
        if (moved.numUpdatedRows !== 1n) return fail(RiskError.HitDecided, `screening hit ${hitId} was already decided`);
        await settle(
          trx,
          { partyId: hit.party_id, partyType: hit.party_type as Subject['partyType'], merchantId: hit.merchant_id, name: hit.subject_name },
          at,
        );
        const after = await trx.selectFrom('risk_hits').selectAll().where('id', '=', hitId).executeTakeFirstOrThrow();
        return { before: toHit(hit), after: toHit(after) };
      },
      { keys: [limitKeyOf(hit.party_id)] },
    );
  }

  async function hits(request: { status?: ScreeningHit['status']; partyId?: string }): Promise<ScreeningHit[]> {
    let query = store.reader.selectFrom('risk_hits').selectAll();
    if (request.status !== undefined) query = query.where('status', '=', request.status);
    if (request.partyId !== undefined) query = query.where('party_id', '=', request.partyId);
    const rows = await query.orderBy('created_at').orderBy('id').limit(hitsPageMax).execute();
    return rows.map(toHit);
  }

  /**
   * Replaces one list in one transaction (a failure keeps the old list whole), then rescreens
   * every party screened before, since a new entry may name any of them.
   */
  async function importList(
    parsed: ParsedList,
    source: string,
  ): Promise<{ list: string; entries: number; rescreened: number; hits: number }> {
    const digest = createHash('sha256').update(JSON.stringify(parsed.entries)).digest('hex');
    await store.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('risk_list_entries').where('list', '=', parsed.list).execute();
      for (let i = 0; i < parsed.entries.length; i += importChunkRows) {
        const rows = parsed.entries.slice(i, i + importChunkRows).map((e) => ({
          list: parsed.list,
          entry_id: e.entryId,
          kind: e.kind,
          name: e.name,
          names: JSON.stringify(e.names),
          programs: JSON.stringify(e.programs),
        }));
        await trx
          .insertInto('risk_list_entries')
          .values(rows)
          .onConflict((oc) => oc.columns(['list', 'entry_id']).doNothing())
          .execute();
      }
      const row = { list: parsed.list, source, digest, entries: BigInt(parsed.entries.length), imported_at: clock.now().toISOString() };
      await trx
        .insertInto('risk_lists')
        .values(row)
        .onConflict((oc) => oc.column('list').doUpdateSet({ source, digest, entries: row.entries, imported_at: row.imported_at }))
        .execute();
    });
    const { rescreened, hits: found } = await rescreenAll();
    return { list: parsed.list, entries: parsed.entries.length, rescreened, hits: found };
  }

  async function rescreenAll(): Promise<{ rescreened: number; hits: number }> {
    const parties = await store.reader
      .selectFrom('risk_parties')
      .select(['party_id', 'party_type', 'merchant_id', 'screened_name'])
      .where('screened_name', 'is not', null)
      .execute();
    let review = 0;
    for (const party of parties) {
      const state = await screen({
        partyId: party.party_id,
        partyType: party.party_type as Subject['partyType'],
        merchantId: party.merchant_id,
        name: party.screened_name as string,
        context: 'rescreen',
      });
      if (state !== 'clear') review += 1;
    }
    return { rescreened: parties.length, hits: review };
  }

  async function lists(): Promise<{ list: string; source: string; entries: number; importedAt: string }[]> {
    const rows = await store.reader.selectFrom('risk_lists').selectAll().orderBy('list').execute();
    return rows.map((r) => ({ list: r.list, source: r.source, entries: Number(r.entries), importedAt: r.imported_at }));
  }

  return { screen, decide, hits, importList, lists, listedNames };
}

export type Screener = ReturnType<typeof createScreening>;

export function toHit(row: Database['risk_hits']): ScreeningHit {
  return {
    id: row.id,
    partyId: row.party_id,
    partyType: row.party_type as ScreeningHit['partyType'],
    merchantId: row.merchant_id,
    context: row.context,
    subjectName: row.subject_name,
    list: row.list,
    entryId: row.entry_id,
    matchedName: row.matched_name,
    scorePermille: Number(row.score_permille),
    status: row.status as ScreeningHit['status'],
    reason: row.reason,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
  };
}
