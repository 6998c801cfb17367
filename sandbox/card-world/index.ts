// The sandbox card world: acquiring bank host (ISO 8583 over TCP), card networks and issuers.
export {
  createAcquirerProcessor,
  startAcquirerServer,
  type AcquirerOptions,
  type AcquirerServer,
  type AcquirerServerOptions,
  type Processor,
} from './acquirer.js';
export { convertMinor, currencyByCode, currencyByNumeric, type SandboxCurrency } from './fx.js';
export { Issuer, type CardholderSnapshot, type IssuerAnswer, type IssuerOptions } from './issuer.js';
export { luhnValid } from './luhn.js';
export { createNetworks, networkFor, networkRanges, type CardNetwork, type IinRange } from './networks.js';
export {
  expiredCardExpiryYymm,
  findTestCard,
  issuerProfiles,
  sandboxBrands,
  testCardExpiryYymm,
  testCardFor,
  testCards,
  tinyCreditLimitMinor,
  type IssuerProfile,
  type SandboxBrand,
  type TestCard,
  type TestCardOutcome,
} from './test-cards.js';
export { startScriptedAcquirer, type Reply, type Script, type ScriptedAcquirer } from './scripted-acquirer.js';
export { startCardWorld, type CardWorld, type CardWorldOptions } from './world.js';
