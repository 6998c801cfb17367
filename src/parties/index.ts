// The door of parties: what other modules use of it (issue 11: no deep imports).
export * from './identity.js';
export * from './service.js';
