// The channels module's door: the connector contracts, routing and the one card failover.
export * from './connector.js';
export * from './registry.js';
export * from './failover.js';
export * from './catalogue.js';
export * from './contracts.js';
