// A small acquirer speaking JSON over HTTP (sandbox/http-acquirer/README.md), made by copying
// src/channels/_template/ and adding one line to src/channels/catalogue.ts.
export { createHttpAcquirer, responseBytesMax, type HttpAcquirerOptions } from './flows.js';
export { outcomeOf } from './wire.js';
