import { Engine, type TopLevelCondition } from 'json-rules-engine';
import { type Clock, fail, type Failure, newId } from '../core/index.js';
import type { Store, Writer } from '../store/index.js';
import { RiskError } from './errors.js';
import { ruleActions, type FraudRule, type NewRule, type RuleAction } from './model.js';

/**
 * Fraud rules as versioned data (issue 16): each change is a new version row; decisions name the
 * version that fired. Conditions are json-rules-engine's (`all` / `any` / `not` over facts); the
 * facts are those of `factsOf` in fraud.ts and the dynamic `velocity` fact.
 */
export const velocityDimensions = ['card', 'customer', 'ip', 'device', 'email'] as const;
export type VelocityDimension = (typeof velocityDimensions)[number];
export const velocityWindowMinutesMax = 30 * 24 * 60;

export interface VelocityParams {
  readonly dimension: VelocityDimension;
  readonly window_minutes: number;
  readonly measure: 'count' | 'amount';
}

export function velocityParamsOf(params: unknown): VelocityParams | undefined {
  const p = params as Partial<VelocityParams> | undefined;
  if (p === undefined || p === null || typeof p !== 'object') return undefined;
  if (!(velocityDimensions as readonly unknown[]).includes(p.dimension)) return undefined;
  if (!Number.isInteger(p.window_minutes) || (p.window_minutes as number) < 1 || (p.window_minutes as number) > velocityWindowMinutesMax)
    return undefined;
  if (p.measure !== 'count' && p.measure !== 'amount') return undefined;
  return p as VelocityParams;
}

/** An engine holding the one rule; velocity and the other facts are given per run. */
export function engineOf(rule: { id: string; conditions: unknown }): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addRule({ name: rule.id, conditions: rule.conditions as TopLevelCondition, event: { type: 'fired' } });
  return engine;
}

/** Checks a rule's conditions by building it and running it once over empty facts. */
async function conditionsProblem(conditions: unknown): Promise<string | undefined> {
  if (conditions === null || typeof conditions !== 'object') return 'conditions must be an object with all, any or not';
  if (JSON.stringify(conditions).length > 20_000) return 'conditions are too large';
  try {
    const engine = engineOf({ id: 'check', conditions });
    let badVelocity: unknown;
    engine.addFact('velocity', (params: unknown) => {
      if (velocityParamsOf(params) === undefined) badVelocity = params;
      return 0;
    });
    await engine.run({});
    if (badVelocity !== undefined)
      return `velocity needs params { dimension: ${velocityDimensions.join('|')}, window_minutes: 1..${velocityWindowMinutesMax}, measure: count|amount }`;
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

type Row = {
  id: string;
  version: bigint;
  name: string;
  action: string;
  conditions: string;
  status: string;
  fail_mode: string;
  created_by: string;
  created_at: string;
};

const ruleOf = (r: Row): FraudRule => ({
  id: r.id,
  version: Number(r.version),
  name: r.name,
  action: r.action as RuleAction,
  conditions: JSON.parse(r.conditions) as unknown,
  status: r.status as FraudRule['status'],
  failMode: r.fail_mode as FraudRule['failMode'],
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export function createRuleBook(deps: { store: Store; writer: Writer; clock: Clock }) {
  const { store, writer, clock } = deps;

  async function validate(rule: NewRule): Promise<Failure<RiskError> | undefined> {
    if (!(ruleActions as readonly string[]).includes(rule.action))
      return fail(RiskError.RuleInvalid, `action must be one of ${ruleActions.join(', ')}`);
    const problem = await conditionsProblem(rule.conditions);
    return problem === undefined ? undefined : fail(RiskError.RuleInvalid, `the conditions do not evaluate: ${problem}`);
  }

  /** Every rule at its latest version. */
  async function latest(): Promise<FraudRule[]> {
    const rows = await store.reader.selectFrom('risk_rules').selectAll().orderBy('id').orderBy('version', 'desc').execute();
    const seen = new Set<string>();
    return rows.filter((r) => !seen.has(r.id) && seen.add(r.id) !== undefined).map(ruleOf);
  }

  async function create(rule: NewRule, actor: string): Promise<FraudRule | Failure<RiskError>> {
    const invalid = await validate(rule);
    if (invalid !== undefined) return invalid;
    const row: Row = {
      id: newId('rule'),
      version: 1n,
      name: rule.name,
      action: rule.action,
      conditions: JSON.stringify(rule.conditions),
      status: rule.status ?? 'draft',
      fail_mode: rule.failMode ?? 'open',
      created_by: actor,
      created_at: clock.now().toISOString(),
    };
    await writer.run((trx) => trx.insertInto('risk_rules').values(row).execute(), { keys: [`risk/rules/${row.id}`] });
    return ruleOf(row);
  }

  async function change(
    id: string,
    set: Partial<NewRule>,
    actor: string,
  ): Promise<{ before: FraudRule; after: FraudRule } | Failure<RiskError>> {
    const found = (await latest()).find((r) => r.id === id);
    if (found === undefined) return fail(RiskError.RuleNotFound, `no rule ${id}`);
    const next: NewRule = {
      name: set.name ?? found.name,
      action: set.action ?? found.action,
      conditions: set.conditions ?? found.conditions,
      status: set.status ?? found.status,
      failMode: set.failMode ?? found.failMode,
    };
    const invalid = await validate(next);
    if (invalid !== undefined) return invalid;
    const row: Row = {
      id,
      version: BigInt(found.version + 1),
      name: next.name,
      action: next.action,
      conditions: JSON.stringify(next.conditions),
      status: next.status ?? 'draft',
      fail_mode: next.failMode ?? 'open',
      created_by: actor,
      created_at: clock.now().toISOString(),
    };
    // The primary key (id, version) makes two concurrent changes of one version: one wins.
    const done = await writer.run(
      async (trx) => {
        const taken = await trx
          .selectFrom('risk_rules')
          .select('id')
          .where('id', '=', id)
          .where('version', '=', row.version)
          .executeTakeFirst();
        if (taken !== undefined) return false;
        await trx.insertInto('risk_rules').values(row).execute();
        return true;
      },
      { keys: [`risk/rules/${id}`] },
    );
    if (!done) return fail(RiskError.RuleInvalid, `rule ${id} was changed meanwhile; read it again`);
    return { before: found, after: ruleOf(row) };
  }

  return { latest, create, change, validate };
}

export type RuleBook = ReturnType<typeof createRuleBook>;
