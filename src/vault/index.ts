// The door of vault: what other modules use of it (issue 11: no deep imports).
export * from './cipher.js';
