import assert from 'node:assert/strict';
import {
  UnknownReason,
  type AuthorizeRequest,
  type CardBrand,
  type CardConnector,
  type ChannelOutcome,
  type FollowUpRequest,
} from './connector.js';

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

/**
 * Failover rule. After each connector's answer:
 * - approved, or declined with any code but 91: final, return it.
 * - declined 91 (issuer or switch inoperative): nothing was taken; try the next connector.
 * - unknown and never sent (`not_sent`, `invalid_request`): the acquirer saw nothing; try the next.
 * - unknown otherwise (timeout, connection lost, integrity, malformed answer): the request may
 *   have been approved, so first send that connector a reversal (0400) for it. Only when the
 *   reversal is approved is the next connector tried; otherwise stop and return the unknown
 *   outcome with `needsReversal`, because charging elsewhere could charge the cardholder twice.
 */
export interface FailoverAttempt {
  readonly connector: string;
  /** The attempt id sent to this connector: the request's for the first, then `<id>.2`, `<id>.3`. */
  readonly attemptId: string;
  readonly outcome: ChannelOutcome;
  /** The reversal sent after an unknown outcome, if any. */
  readonly reversal?: ChannelOutcome;
}

export interface FailoverResult {
  /** The connector whose outcome is returned (the last one tried). */
  readonly connector: string;
  readonly outcome: ChannelOutcome;
  /** True when `outcome` is unknown and no reversal of it was confirmed: reverse it later. */
  readonly needsReversal: boolean;
  readonly attempts: readonly FailoverAttempt[];
}

/** Connectors tried for one payment, at most. */
export const failoverAttemptsMax = 3;

const inoperative = '91';
const neverSent: ReadonlySet<string> = new Set([UnknownReason.NotSent, UnknownReason.InvalidRequest]);

type Step = 'final' | 'next' | 'reverse';

function stepAfter(outcome: ChannelOutcome): Step {
  if (outcome.status === 'approved') return 'final';
  if (outcome.status === 'declined') return outcome.responseCode === inoperative ? 'next' : 'final';
  return neverSent.has(outcome.reason) ? 'next' : 'reverse';
}

/** The reversal of an authorization whose outcome is unknown, named by that outcome's trace and time. */
export function reversalFor(request: AuthorizeRequest, outcome: ChannelOutcome): FollowUpRequest {
  // Named field by field so that the security code can never travel on.
  const card = { pan: request.card.pan, expiryYymm: request.card.expiryYymm, brand: request.card.brand };
  return {
    operationId: `${request.attemptId}:reversal`,
    amount: request.amount,
    original: {
      attemptId: request.attemptId,
      reference: outcome.status === 'approved' ? outcome.reference : '',
      amount: request.amount,
      card,
      merchant: request.merchant,
      sentAt: outcome.sentAt,
      ...(outcome.trace === undefined ? {} : { trace: outcome.trace }),
    },
  };
}

/**
 * Each connector gets its own attempt id: connectors derive trace numbers from it, and two
 * connectors to the same host must not send the issuer what looks like one message twice.
 */
function attemptAt(request: AuthorizeRequest, index: number): AuthorizeRequest {
  return index === 0 ? request : { ...request, attemptId: `${request.attemptId}.${index + 1}` };
}

export async function authorizeWithFailover(connectors: readonly CardConnector[], request: AuthorizeRequest): Promise<FailoverResult> {
  assert.ok(connectors.length > 0, 'authorizeWithFailover needs at least one connector; route() found none');
  const attempts: FailoverAttempt[] = [];
  for (const [index, connector] of connectors.slice(0, failoverAttemptsMax).entries()) {
    const attempt = attemptAt(request, index);
    const outcome = await connector.authorize(attempt);
    const step = stepAfter(outcome);
    const tried = { connector: connector.name, attemptId: attempt.attemptId, outcome };
    if (step === 'reverse') {
      const reversal = await connector.reverse(reversalFor(attempt, outcome));
      attempts.push({ ...tried, reversal });
      if (reversal.status !== 'approved') return { connector: connector.name, outcome, needsReversal: true, attempts };
      continue;
    }
    attempts.push(tried);
    if (step === 'final') return { connector: connector.name, outcome, needsReversal: false, attempts };
  }
  const last = attempts[attempts.length - 1];
  assert.ok(last !== undefined);
  return { connector: last.connector, outcome: last.outcome, needsReversal: false, attempts };
}
