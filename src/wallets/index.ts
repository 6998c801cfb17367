// The door of wallets: what other modules use of it (issue 11: no deep imports).
export * from './service.js';
