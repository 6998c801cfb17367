import { performance } from 'node:perf_hooks';
import { Almanac, type Engine } from 'json-rules-engine';
import type { Kysely, Transaction } from 'kysely';
import { type Clock, newId } from '../core/index.js';
import type { Database, Store, Writer } from '../store/index.js';
import type { FiredRule, FraudCheck, FraudDecision, FraudRule, PreparedFraudCheck } from './model.js';
import { engineOf, type RuleBook, velocityParamsOf, type VelocityDimension } from './rules.js';

/**
 * The fraud check on the card payment path (issue 16). In one writer unit keyed by the payment's
 * card, customer, IP, device and email: the attempt is added to the velocity log, the block and
 * allow lists are read, every enabled rule runs over the payment's facts and exact velocity
 * counts read in the same unit (two concurrent attempts of one card are counted one after the
 * other), and the decision is stored with the rules that fired. Actions combine in Radar's order:
 * request 3-D Secure, then allow (ends the evaluation), block, review.
 */
const rulesCacheMs = 2_000;

export type Executor = Kysely<Database> | Transaction<Database>;

export function factsOf(check: FraudCheck): Record<string, string | number | null> {
  return {
    amount: Number(check.amount.minor),
    currency: check.amount.currency,
    merchant_id: check.merchantId,
    customer_id: check.customerId,
    card_brand: check.card.brand,
    card_bin: check.card.bin,
    card_fingerprint: check.card.fingerprint,
    ip: check.ip,
    device_id: check.deviceId,
    email: check.email,
  };
}

export function dimensionsOf(check: FraudCheck): [VelocityDimension, string][] {
  const out: [VelocityDimension, string][] = [['card', check.card.fingerprint]];
  if (check.customerId !== null) out.push(['customer', check.customerId]);
  if (check.ip !== null) out.push(['ip', check.ip]);
  if (check.deviceId !== null) out.push(['device', check.deviceId]);
  if (check.email !== null) out.push(['email', check.email.toLowerCase()]);
  return out;
}

/** Runs the rules over a check's facts; velocity counts are read through `db` as of `check.at`. */
export async function runRules(
  db: Executor,
  rules: readonly { rule: FraudRule; engine: Engine }[],
  check: FraudCheck,
): Promise<{ fired: FiredRule[]; errors: FraudDecision['errors'] }> {
  const facts = factsOf(check);
  const dims = new Map(dimensionsOf(check));
  const memo = new Map<string, Promise<number>>();
  const velocity = (params: unknown): Promise<number> => {
    const p = velocityParamsOf(params);
    if (p === undefined) throw new Error('velocity params are invalid');
    const value = dims.get(p.dimension);
    if (value === undefined) return Promise.resolve(0);
    const key = `${p.dimension}|${p.window_minutes}|${p.measure}`;
    let found = memo.get(key);
    if (found === undefined) {
      const from = new Date(check.at.getTime() - p.window_minutes * 60_000).toISOString();
      found = db
        .selectFrom('risk_velocity')
        .select((eb) => [
          eb.fn.countAll<string | number | bigint>().as('n'),
          eb.fn.sum<string | number | bigint | null>('amount_minor').as('total'),
        ])
        .where('dimension', '=', p.dimension)
        .where('value', '=', value)
        .where('currency', '=', check.amount.currency)
        .where('at', '>', from)
        .where('at', '<=', check.at.toISOString())
        .executeTakeFirst()
        .then((r) => Number(p.measure === 'count' ? (r?.n ?? 0) : (r?.total ?? 0)));
      memo.set(key, found);
    }
    return found;
  };
  const fired: FiredRule[] = [];
  const errors: { id: string; error: string; failMode: 'open' | 'closed' }[] = [];
  await Promise.all(
    rules.map(async ({ rule, engine }) => {
      const almanac = new Almanac({ allowUndefinedFacts: true });
      almanac.addFact('velocity', velocity);
      for (const [id, value] of Object.entries(facts)) almanac.addFact(id, value);
      const firedRule = { id: rule.id, version: rule.version, name: rule.name, action: rule.action };
      try {
        const result = await engine.run({}, { almanac });
        if (result.events.length > 0) fired.push(firedRule);
      } catch (error) {
        errors.push({ id: rule.id, error: (error as Error).message, failMode: rule.failMode });
        if (rule.failMode === 'closed') fired.push(firedRule);
      }
    }),
  );
  fired.sort((a, b) => a.id.localeCompare(b.id));
  return { fired, errors };
}

/** Radar's order: a 3-D Secure request is noted; an allow rule ends it; then block; then review. */
export function actionOf(fired: readonly FiredRule[]): FraudDecision['action'] {
  const has = (action: string) => fired.some((f) => f.action === action);
  if (has('allow')) return 'allow';
  if (has('block')) return 'block';
  if (has('review')) return 'review';
  if (has('request_3ds')) return 'request_3ds';
  return 'allow';
}

export function createFraudCheck(deps: {
  store: Store;
  writer: Writer;
  clock: Clock;
  rules: RuleBook;
  onRuleError?: (e: unknown) => void;
}) {
  const { writer, clock, rules } = deps;
  let cache: { at: number; enabled: { rule: FraudRule; engine: Engine }[] } | undefined;

  async function enabled() {
    if (cache !== undefined && Date.now() - cache.at < rulesCacheMs) return cache.enabled;
    const latest = (await rules.latest()).filter((r) => r.status === 'enabled');
    cache = { at: Date.now(), enabled: latest.map((rule) => ({ rule, engine: engineOf(rule) })) };
    return cache.enabled;
  }

  /**
   * Prepares a check outside any unit (the rules are read, or taken from the cache): the caller runs
   * it inside its own writer unit, with `keys` among the unit's keys, so the check commits with what
   * the caller claims (the payment's claim unit: one unit and one commit fewer per card payment).
   */
  async function prepare(check: Omit<FraudCheck, 'at'>): Promise<PreparedFraudCheck> {
    const started = performance.now();
    const active = await enabled();
    const dims = dimensionsOf({ ...check, at: clock.now() });
    const run = async (trx: Transaction<Database>): Promise<FraudDecision> => {
      // Stamped inside the unit: the units that share a velocity key run one after another, so each
      // counts every earlier one (a time taken before queueing could be older than a row already
      // written, and `at <= check.at` would miss it: two payments counted alike).
      const at = clock.now();
      const full: FraudCheck = { ...check, at };
      await trx
        .insertInto('risk_velocity')
        .values(
          dims.map(([dimension, value]) => ({
            dimension,
            value,
            payment_id: check.paymentId,
            amount_minor: check.amount.minor,
            currency: check.amount.currency,
            at: at.toISOString(),
          })),
        )
        .execute();
      const listed = await trx
        .selectFrom('risk_list_items')
        .select(['kind', 'value', 'list'])
        .where((eb) =>
          eb.or(
            [
              ['card', full.card.fingerprint],
              ['ip', full.ip],
              ['email', full.email?.toLowerCase() ?? null],
            ]
              .filter(([, v]) => v !== null)
              .map(([k, v]) => eb.and([eb('kind', '=', k as string), eb('value', '=', v as string)])),
          ),
        )
        .execute();
      let fired: FiredRule[];
      let errors: FraudDecision['errors'] = [];
      const listRule = (list: string) =>
        listed
          .filter((l) => l.list === list)
          .map((l) => ({
            id: `${list}_list:${l.kind}`,
            version: 0,
            name: `${list} list (${l.kind})`,
            action: list as FiredRule['action'],
          }));
      if (listed.some((l) => l.list === 'allow')) fired = listRule('allow');
      else if (listed.some((l) => l.list === 'block')) fired = listRule('block');
      else ({ fired, errors } = await runRules(trx, active, full));
      if (errors.length > 0) deps.onRuleError?.(errors);
      const decision: FraudDecision = {
        id: newId('dec'),
        paymentId: check.paymentId,
        action: actionOf(fired),
        fired,
        errors,
        micros: Math.round((performance.now() - started) * 1000),
        at: at.toISOString(),
      };
      await trx
        .insertInto('risk_decisions')
        .values({
          id: decision.id,
          payment_id: decision.paymentId,
          merchant_id: check.merchantId,
          action: decision.action,
          fired: JSON.stringify(fired),
          errors: JSON.stringify(errors),
          facts: JSON.stringify({
            ...full,
            amount: { minor: full.amount.minor.toString(), currency: full.amount.currency },
            at: undefined,
          }),
          micros: BigInt(decision.micros),
          at: decision.at,
        })
        .execute();
      return decision;
    };
    return { keys: dims.map(([d, v]) => `risk/velocity/${d}/${v}`), run };
  }

  /** The check in a writer unit of its own. */
  async function evaluate(check: Omit<FraudCheck, 'at'>): Promise<FraudDecision> {
    const prepared = await prepare(check);
    return writer.run(prepared.run, { keys: prepared.keys });
  }

  return { prepare, evaluate, invalidate: () => (cache = undefined) };
}
