// The door of core (docs/architecture.md): failure values, the clock, ids.
export * from './clock.js';
export * from './failure.js';
export * from './ids.js';
