// TEMPLATE: a card acquirer connector. Copy this folder (README.md), then add one line to
// src/channels/catalogue.ts.
export { createTemplateAcquirer, responseBytesMax, type TemplateAcquirerOptions } from './flows.js';
export { outcomeOf } from './wire.js';
