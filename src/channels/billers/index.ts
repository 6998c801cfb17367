// Biller connectors (issue 15): the contract and one adapter per biller API shape.
import { charityConnector } from './charity.js';
import type { BillerConnector, BillerEndpoint, BillerKind } from './contract.js';
import { electricityConnector } from './electricity.js';
import { mobileConnector } from './mobile.js';
import { propertyConnector } from './property.js';
import { waterGasConnector } from './water-gas.js';

export * from './contract.js';

const adapters: Record<BillerKind, (endpoint: BillerEndpoint) => BillerConnector> = {
  electricity: electricityConnector,
  water_gas: waterGasConnector,
  mobile: mobileConnector,
  property: propertyConnector,
  charity: charityConnector,
};

/** Adding a biller API shape is one adapter file plus one line above. */
export function createBillerConnector(kind: BillerKind, endpoint: BillerEndpoint): BillerConnector {
  return adapters[kind](endpoint);
}
