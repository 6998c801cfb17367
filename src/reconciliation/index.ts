// The door of reconciliation: what other modules use of it (issue 11: no deep imports).
export * from './errors.js';
export * from './files.js';
export * from './parsers.js';
export * from './service.js';
export * from './billers.js';
