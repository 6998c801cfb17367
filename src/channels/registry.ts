import assert from 'node:assert/strict';
import type { CardBrand, CardConnector } from './connector.js';
import { checkCardConnector } from './contracts.js';

/**
 * Named card connectors, routing rules that order them for a payment, and failover between them.
 *
 * Routing: rules are tried in order; the first whose criteria (brand, currency, merchant — each
 * optional, all given ones must match) fit the payment gives the ordered connector list; when
 * none fits, the default route does. Connectors that do not accept the brand or the currency
 * are then dropped, so a route can be shared by payments they cannot carry.
 */
export interface RouteQuery {
  readonly brand: CardBrand;
  readonly currency: string;
  readonly merchantId: string;
}

export interface RoutingRule {
  readonly brand?: CardBrand;
  readonly currency?: string;
  readonly merchantId?: string;
  /** Connector names, most preferred first. */
  readonly connectors: readonly string[];
}

export interface ConnectorRegistryOptions {
  readonly connectors: readonly CardConnector[];
  readonly rules?: readonly RoutingRule[];
  /** When no rule matches; default: every connector, in registration order. */
  readonly defaultRoute?: readonly string[];
}

export interface ConnectorRegistry {
  readonly names: readonly string[];
  connector(name: string): CardConnector | undefined;
  /** Connectors for this payment, in the order to try them; empty when none can carry it. */
  route(query: RouteQuery): readonly CardConnector[];
  /** Whether any connector carries this card network, whatever the currency. */
  acceptsBrand(brand: CardBrand): boolean;
  close(): Promise<void>;
}

/** Rules are configuration, read by people: a table longer than this is a mistake. */
export const routingRulesMax = 1_000;

function ruleMatches(rule: RoutingRule, query: RouteQuery): boolean {
  return (
    (rule.brand === undefined || rule.brand === query.brand) &&
    (rule.currency === undefined || rule.currency === query.currency) &&
    (rule.merchantId === undefined || rule.merchantId === query.merchantId)
  );
}

function checkRules(byName: ReadonlyMap<string, CardConnector>, rules: readonly RoutingRule[], defaultRoute: readonly string[]): void {
  assert.ok(rules.length <= routingRulesMax, `at most ${routingRulesMax} routing rules`);
  for (const [i, rule] of rules.entries()) {
    const criteria = [rule.brand, rule.currency, rule.merchantId].filter((c) => c !== undefined);
    // A rule without criteria would match everything and hide every rule after it.
    assert.ok(criteria.length > 0, `routing rule ${i} has no criteria; use defaultRoute`);
    assert.ok(rule.connectors.length > 0, `routing rule ${i} names no connector`);
  }
  for (const name of [...rules.flatMap((r) => r.connectors), ...defaultRoute]) {
    assert.ok(byName.has(name), `routing names unknown connector ${JSON.stringify(name)}`);
  }
}

export function createConnectorRegistry(options: ConnectorRegistryOptions): ConnectorRegistry {
  const byName = new Map<string, CardConnector>();
  for (const connector of options.connectors) {
    assert.ok(!byName.has(connector.name), `two connectors are named ${JSON.stringify(connector.name)}`);
    checkCardConnector(connector);
    byName.set(connector.name, connector);
  }
  const rules = options.rules ?? [];
  const defaultRoute = options.defaultRoute ?? [...byName.keys()];
  checkRules(byName, rules, defaultRoute);
  return {
    names: [...byName.keys()],
    connector: (name) => byName.get(name),
    route(query) {
      const names = rules.find((rule) => ruleMatches(rule, query))?.connectors ?? defaultRoute;
      return names
        .map((name) => byName.get(name))
        .filter((c): c is CardConnector => c !== undefined && c.brands.includes(query.brand) && c.currencies.includes(query.currency));
    },
    acceptsBrand: (brand) => [...byName.values()].some((c) => c.brands.includes(brand)),
    async close() {
      await Promise.all([...byName.values()].map((connector) => connector.close()));
    },
  };
}
