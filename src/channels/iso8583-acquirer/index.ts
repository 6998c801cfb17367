// The ISO 8583:1987 card acquirer connector (flows in flows.ts, wire format in wire.ts,
// status mapping in status.ts, the TCP client in client.ts).
export { clientDefaults, Iso8583Client, type Exchange, type Iso8583ClientOptions } from './client.js';
export {
  acceptedBrands,
  createIso8583Acquirer,
  defaultCurrencies,
  timeoutMsDefault,
  type Iso8583AcquirerConnector,
  type Iso8583AcquirerOptions,
} from './flows.js';
export { createStanCounter, stanMax, stanOf } from './stan.js';
export { outcomeOf, type OutcomeContext } from './status.js';
export {
  acceptorFields,
  amountMinorMaxOnWire,
  asciiText,
  buildAuthorization,
  buildCompletion,
  buildEcho,
  buildRefund,
  buildReversal,
  messageTrace,
  ProcessingCode,
  traceOf,
  type MessageTrace,
  type WireContext,
} from './wire.js';
