// The door of core: failure values, the injectable clock, ids and digests, the repeat loop.
export { ManualClock, systemClock, type Clock } from './clock.js';
export { fail, isFailure, type Failure } from './failure.js';
export { derivedId, digestOf, newId, stableJson } from './ids.js';
export { repeatEvery, type Loop } from './loop.js';
