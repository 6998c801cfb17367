// The door of src/core: failure values, the injectable clock, ids and digests.
export * from './clock.js';
export * from './failure.js';
export * from './ids.js';
export * from './loop.js';
