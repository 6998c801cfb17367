import assert from 'node:assert/strict';
import type { CardConnector } from './connector.js';
import { createHttpAcquirer } from './http-acquirer/index.js';
import { createIso8583Acquirer } from './iso8583-acquirer/index.js';
import { checkCardConnector } from './contracts.js';

/**
 * The kinds of card acquirer connector Hutong can be configured with (HUTONG_ACQUIRERS
 * `name=kind://host:port`). Adding a connector is its folder (copy `_template/`) plus one line here.
 */
export interface AcquirerSettings {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** How long one request may take before its outcome is unknown. */
  readonly timeoutMs: number;
}

export const acquirerKinds: Readonly<Record<string, (settings: AcquirerSettings) => CardConnector>> = {
  iso8583: (s) => createIso8583Acquirer({ name: s.name, host: s.host, port: s.port, timeoutMs: s.timeoutMs }),
  http: (s) => createHttpAcquirer({ name: s.name, baseUrl: `http://${s.host}:${s.port}`, timeoutMs: s.timeoutMs }),
};

/** Builds a configured acquirer, checking that its declared capabilities are those a card acquirer needs. */
export function createAcquirer(kind: string, settings: AcquirerSettings): CardConnector {
  const factory = acquirerKinds[kind];
  assert.ok(
    factory !== undefined,
    `no acquirer connector of kind ${JSON.stringify(kind)}; known: ${Object.keys(acquirerKinds).join(', ')}`,
  );
  return checkCardConnector(factory(settings));
}
