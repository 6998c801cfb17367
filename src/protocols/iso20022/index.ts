/** ISO 20022 bank messages Hutong and the sandbox bank speak: pain.001, pain.002, camt.053 (docs/settlement.md). */
export * from './messages.js';
