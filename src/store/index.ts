// The door of store: opening a database (SQLite or PostgreSQL), migrations, the group-commit
// writer, prepared hot-path statements, paging, and the composed table types.
export { defaultDatabaseUrl, parseDatabaseUrl, type StoreConfig } from './config.js';
export { openStore, ping, type OpenOptions } from './database.js';
export { isConnectionLoss } from './failover.js';
export type { CommitOutcome, CommitProbe } from './commit-outcome.js';
export { migrate } from './migrate.js';
export type { Dialect, Store } from './model.js';
export {
  decodeCursor,
  encodeCursor,
  pageLimit,
  pageLimitDefault,
  pageLimitMax,
  pageQuery,
  toPage,
  type Page,
  type PageRequest,
} from './paging.js';
export type * from './schema.js';
export { postgresExec, preparedNameOf, sqliteExec, statement, steps, type Exec, type ExecResult, type Statement } from './statements.js';
export {
  afterCommit,
  createWriter,
  WriterOutcomeUnknownError,
  WriterOverloadedError,
  type RunOptions,
  type Work,
  type Writer,
  type WriterOptions,
  type WriterStats,
} from './writer.js';
