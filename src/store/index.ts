// The door of src/store: the store, the group-commit writer, the composed schema and paging.
export * from './database.js';
export * from './paging.js';
export type * from './schema.js';
export * from './statements.js';
export * from './writer.js';
