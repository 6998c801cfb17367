// The core module's door: failure values, the clock, ids and digests, loops, state machines.
export * from './clock.js';
export * from './failure.js';
export * from './ids.js';
export * from './loop.js';
export * from './state-machine.js';
