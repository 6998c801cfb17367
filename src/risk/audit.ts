import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../core/index.js';
import type { Database, Store, Writer } from '../store/index.js';
import type { AuditEntry, AuditRecord, AuditReport } from './model.js';

/**
 * The audit log: who did what, when, to which object, with the object before and after, and the
 * request id. Append-only (triggers refuse UPDATE and DELETE) and tamper-evident: each row's hash
 * is SHA-256 over the previous row's hash and the row's own fields, so editing, deleting or
 * reordering a row breaks every hash after it (`hutong audit verify`).
 */
export const auditGenesisHash = '0'.repeat(64);
/** The writer key every append declares: appends are serialized, so the chain never forks. */
const chainKey = 'audit/chain';
/** Keys never written to the log, whatever object carries them. */
const secretFields = /^(secret_key|secret|totp_uri|password|password_hash|totp_secret|id_number|card_number|number|cvc|cvv|pan|token)$/;
const auditPageMax = 500;
// Any constant: serializes appends of several Hutong processes on one PostgreSQL.
const auditLockKey = 4_801_916;

export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretFields.test(k) ? '[redacted]' : redactSecrets(v)]));
}

export function hashOf(prevHash: string, row: Omit<AuditRecord, 'hash' | 'prevHash'>): string {
  const fields = [row.seq, row.at, row.actor, row.action, row.target, row.before, row.after, row.requestId];
  return createHash('sha256').update(prevHash).update(JSON.stringify(fields)).digest('hex');
}

export function createAuditLog(deps: { store: Store; writer: Writer; clock: Clock }) {
  const { store, writer, clock } = deps;

  async function append(entry: AuditEntry): Promise<AuditRecord> {
    return writer.run(
      async (trx) => {
        if (store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${auditLockKey})`.execute(trx);
        const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        const json = (v: unknown) => (v === undefined ? null : JSON.stringify(redactSecrets(v)));
        const row = {
          seq: Number(last === undefined ? 1n : last.seq + 1n),
          at: clock.now().toISOString(),
          actor: entry.actor,
          action: entry.action,
          target: entry.target ?? null,
          before: json(entry.before),
          after: json(entry.after),
          requestId: entry.requestId ?? null,
        };
        const prevHash = last?.hash ?? auditGenesisHash;
        const record: AuditRecord = { ...row, prevHash, hash: hashOf(prevHash, row) };
        await trx.insertInto('audit_log').values(toRow(record)).execute();
        return record;
      },
      { keys: [chainKey] },
    );
  }

  async function list(request: { beforeSeq?: number; limit?: number }): Promise<AuditRecord[]> {
    let query = store.reader.selectFrom('audit_log').selectAll();
    if (request.beforeSeq !== undefined) query = query.where('seq', '<', BigInt(request.beforeSeq));
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(Math.min(request.limit ?? 100, auditPageMax))
      .execute();
    return rows.map(toRecord);
  }

  return { append, list, verify: () => verifyAuditLog(store.reader) };
}

/** Walks the whole chain in order; reports the first row whose link or hash does not hold. */
export async function verifyAuditLog(reader: Store['reader']): Promise<AuditReport> {
  let prevHash = auditGenesisHash;
  let expectedSeq = 1;
  let rows = 0;
  for (let after = 0n; ;) {
    const page = await reader.selectFrom('audit_log').selectAll().where('seq', '>', after).orderBy('seq').limit(auditPageMax).execute();
    if (page.length === 0) return { ok: true, rows, brokenAt: null, problem: null };
    for (const raw of page) {
      const record = toRecord(raw);
      const problem =
        record.seq !== expectedSeq
          ? `row ${expectedSeq} is missing (next is ${record.seq})`
          : record.prevHash !== prevHash
            ? 'its prev_hash is not the hash of the row before'
            : record.hash !== hashOf(prevHash, record)
              ? 'its content does not match its hash'
              : null;
      if (problem !== null) return { ok: false, rows, brokenAt: record.seq, problem };
      prevHash = record.hash;
      expectedSeq += 1;
      rows += 1;
      after = raw.seq;
    }
  }
}

function toRow(r: AuditRecord): Database['audit_log'] {
  return {
    seq: BigInt(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    target: r.target,
    before: r.before,
    after: r.after,
    request_id: r.requestId,
    prev_hash: r.prevHash,
    hash: r.hash,
  };
}

function toRecord(r: Database['audit_log']): AuditRecord {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    target: r.target,
    before: r.before,
    after: r.after,
    requestId: r.request_id,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
