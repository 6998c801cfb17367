import type { Kysely } from 'kysely';
import type { StoreConfig } from './config.js';
import type { Database } from './schema.js';
import type { Exec } from './statements.js';
import type { CommitProbe } from './commit-outcome.js';

export type Dialect = StoreConfig['dialect'];

export interface Store {
  readonly dialect: Dialect;
  /** Writes, and reads that must see the writer's own transaction. */
  readonly db: Kysely<Database>;
  /**
   * Reads outside any transaction. On SQLite this is a second connection, so reads (auth, GETs)
   * never queue behind the group-commit writer's open transaction: WAL lets them read the last
   * committed state while a batch is being written.
   */
  readonly reader: Kysely<Database>;
  /** Runs a prepared hot-path statement inside a writer transaction (see statements.ts). */
  readonly exec: Exec;
  /** PostgreSQL: tells the writer whether a COMMIT that lost its connection committed (commit-outcome.ts). */
  readonly commitProbe?: CommitProbe;
  /** PostgreSQL: the host in use (`host:port`, undefined while looking for one) and how many times one was chosen. */
  readonly primary?: () => { readonly host: string | undefined; readonly switches: number };
  close(): Promise<void>;
}
