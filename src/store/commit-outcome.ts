import { sql, type Kysely, type Transaction } from 'kysely';
import { isConnectionLoss } from './failover.js';
import type { Database } from './schema.js';

/**
 * Did a COMMIT whose connection was lost commit? (PostgreSQL)
 *
 * Before COMMIT the writer notes the transaction's id (`pg_current_xact_id()`) and the server
 * incarnation it ran on: the WAL timeline and the postmaster's start time. After a lost COMMIT it
 * asks the primary it reaches next, `pg_xact_status(xid)`:
 *
 * - same incarnation (the same server, still running): the answer is authoritative. `in progress`
 *   (the old backend has not noticed the loss yet) is asked again until it settles.
 * - another incarnation (a standby was promoted, or the server crashed and restarted): an id whose
 *   records never reached that server's WAL may be handed out again, so `committed` might be
 *   someone else's: the outcome is unknown. Any other answer proves ours did not commit there (had
 *   its records been replayed, the id would be ours, and committed).
 * - an id past the server's next one ("in the future"): never replayed, so not committed.
 */
export type CommitOutcome = 'committed' | 'aborted' | 'unknown';

export interface CommitMark {
  readonly xid: string;
  /** The timeline and the postmaster start time. */
  readonly incarnation: string;
}

export interface CommitProbe {
  /** Inside the transaction, just before COMMIT. */
  mark(trx: Transaction<Database>): Promise<CommitMark>;
  /** After COMMIT failed: whether it committed, asked until `timeoutMs` passes. */
  outcome(mark: CommitMark): Promise<CommitOutcome>;
  /** Whether a failed COMMIT's outcome is unknown (the connection was lost), so `outcome` must be asked. */
  lost(error: unknown): boolean;
}

interface MarkRow {
  xid: string;
  incarnation: string;
}

interface StatusRow {
  status: string | null;
  incarnation: string;
}

/** The timeline is the first 8 hex digits of the current WAL file's name. */
const incarnationSql = sql<string>`substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8) || ' ' || pg_postmaster_start_time()::text`;

const askIntervalMs = 50;
/** SQLSTATE invalid_parameter_value: pg_xact_status of an id past the server's next one. */
const inTheFuture = '22023';

export function createCommitProbe(db: Kysely<Database>, timeoutMs: number): CommitProbe {
  return {
    lost: isConnectionLoss,
    async mark(trx) {
      const { rows } = await sql<MarkRow>`select pg_current_xact_id()::text as xid, ${incarnationSql} as incarnation`.execute(trx);
      const row = rows[0] as MarkRow;
      return { xid: row.xid, incarnation: row.incarnation };
    },
    async outcome(mark) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const { rows } =
            await sql<StatusRow>`select pg_xact_status(${mark.xid}::xid8) as status, ${incarnationSql} as incarnation`.execute(db);
          const row = rows[0] as StatusRow;
          const same = row.incarnation === mark.incarnation;
          if (row.status === 'committed') return same ? 'committed' : 'unknown';
          if (row.status === 'aborted') return 'aborted';
          if (row.status === null) return 'unknown';
          if (!same) return 'aborted';
          // 'in progress' on the same server: its backend is still finishing; ask again.
        } catch (error) {
          if ((error as { code?: unknown }).code === inTheFuture) return 'aborted';
          // Connection lost again, or no primary yet: the pool keeps looking; ask again.
        }
        if (Date.now() >= deadline) return 'unknown';
        await new Promise((resolve) => setTimeout(resolve, askIntervalMs));
      }
    },
  };
}
