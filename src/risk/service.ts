import { type Clock, fail, isFailure, type Failure } from '../core/index.js';
import type { Store, Writer } from '../store/index.js';
import { createAuditLog } from './audit.js';
import { createDebitGuard, usageOf } from './debits.js';
import { RiskError } from './errors.js';
import { readListFile } from './import-file.js';
import type { FraudDecision, HeldPaymentPort, IdentityPort, PartyLimits, RiskService, Screening, VerificationLevel } from './model.js';
import { backtest } from './backtest.js';
import { createFraudCheck } from './fraud.js';
import { createReviews } from './reviews.js';
import { createCases, type DayMovement } from './cases.js';
import { beijingDayRange } from './large-value.js';
import { createRuleBook } from './rules.js';
import { onboardMerchant } from './onboarding.js';
import { createOperators, type SecretSealer } from './operators.js';
import { createScreening } from './screening.js';
import { createTierTable } from './tiers.js';
import { verifyCustomer } from './verify.js';

export interface RiskDeps {
  readonly store: Store;
  readonly writer: Writer;
  readonly clock: Clock;
  /** The identity verification service; none configured means verifications answer 503. */
  readonly identity?: IdentityPort;
  /** A merchant's name, or undefined if there is no such merchant (parties, bound in src/app.ts). */
  readonly merchantName: (merchantId: string) => Promise<string | undefined>;
  /** Whether a customer id belongs to the merchant (parties, bound in src/app.ts). */
  readonly customerExists: (merchantId: string, customerId: string) => Promise<boolean>;
  /** Jaro-Winkler threshold × 1000 at which a name is a hit (domain.md §10: 850–900 in practice). */
  readonly screeningThresholdPermille?: number;
  /** Payments' capture and cancel, for review decisions (late-bound in src/app.ts: payments are built after risk). */
  readonly heldPayments?: () => HeldPaymentPort | undefined;
  /** Payment outcomes for backtests (a read model, bound in src/app.ts). */
  readonly paymentOutcomes?: (ids: readonly string[]) => Promise<Map<string, { status: string; refundedMinor: bigint }>>;
  /** A Beijing day's succeeded wallet movements, for the suspicious-activity scan (a read model, bound in src/app.ts). */
  readonly dayMovements?: (range: { fromIso: string; toIso: string }) => Promise<readonly DayMovement[]>;
  /** Told when a fraud rule fails to evaluate (it then follows its fail mode): the alert. */
  readonly onRuleError?: (errors: unknown) => void;
  /** The vault's cipher: operators' TOTP secrets are stored sealed (src/vault, bound in src/app.ts). */
  readonly sealer: SecretSealer;
}

export const screeningThresholdPermilleDefault = 900;

export function createRiskService(deps: RiskDeps): RiskService {
  const { store, writer, clock } = deps;
  const tiers = createTierTable({ store, clock });
  const debits = createDebitGuard({ clock, tiers });
  const screening = createScreening({
    store,
    writer,
    clock,
    thresholdPermille: deps.screeningThresholdPermille ?? screeningThresholdPermilleDefault,
  });

  const ruleBook = createRuleBook({ store, writer, clock });
  const fraudCheck = createFraudCheck({ store, writer, clock, rules: ruleBook, onRuleError: deps.onRuleError });
  const reviews = createReviews({ store, writer, clock, payments: () => deps.heldPayments?.() });
  const cases = createCases({ store, writer, clock });

  async function partyRow(partyId: string) {
    return store.reader.selectFrom('risk_parties').select(['level', 'screening']).where('party_id', '=', partyId).executeTakeFirst();
  }

  async function limitsOf(merchantId: string, customerId: string): Promise<PartyLimits | Failure<RiskError>> {
    if (!(await deps.customerExists(merchantId, customerId))) return fail(RiskError.CustomerNotFound, `no customer ${customerId}`);
    const party = await partyRow(customerId);
    const level = (party?.level ?? 'none') as VerificationLevel;
    const tier = await tiers.tierOf(level);
    const usage = await usageOf(store.reader, customerId, tier, clock.now());
    return {
      partyId: customerId,
      level,
      tier,
      screening: (party?.screening ?? 'clear') as Screening,
      usage: usage.map((u) => ({ period: u.name, key: u.period, limitMinor: u.limitMinor, usedMinor: u.usedMinor })),
    };
  }

  return {
    debits,
    operators: createOperators({ store, writer, clock, sealer: deps.sealer }),
    audit: createAuditLog({ store, writer, clock }),
    async verify(merchantId, customerId, request) {
      if (!(await deps.customerExists(merchantId, customerId))) return fail(RiskError.CustomerNotFound, `no customer ${customerId}`);
      const done = await verifyCustomer(
        {
          writer,
          clock,
          identity: deps.identity,
          screening,
          levelOf: async (id) => ((await partyRow(id))?.level ?? 'none') as VerificationLevel,
        },
        { merchantId, customerId },
        request,
      );
      if (isFailure(done)) return done;
      const limits = await limitsOf(merchantId, customerId);
      if (isFailure(limits)) return limits;
      return { customerId, level: done.level, requestedLevel: request.level, screening: done.screening, limits };
    },
    limitsOf,
    async verifyInPerson(merchantId, customerId, name) {
      if (!(await deps.customerExists(merchantId, customerId))) return fail(RiskError.CustomerNotFound, `no customer ${customerId}`);
      const screened = await screening.screen({ partyId: customerId, partyType: 'customer', merchantId, name, context: 'verification' });
      const at = clock.now().toISOString();
      await writer.run(
        (trx) =>
          trx
            .updateTable('risk_parties')
            .set({ level: 'in_person', verified_at: at, updated_at: at })
            .where('party_id', '=', customerId)
            .execute(),
        { keys: debits.keysOf(customerId) },
      );
      const limits = await limitsOf(merchantId, customerId);
      if (isFailure(limits)) return limits;
      return { customerId, level: 'in_person', requestedLevel: 'in_person', screening: screened, limits };
    },
    tiers: () => tiers.list(),
    changeTier: (level, change) => tiers.change(level, change),
    screen: (subject) => screening.screen(subject),
    hits: (filter) => screening.hits(filter),
    onboardMerchant: (merchantId, request) => onboardMerchant({ screening, merchantName: deps.merchantName }, merchantId, request),
    async merchantScreening(merchantId) {
      const rows = await store.reader
        .selectFrom('risk_parties')
        .select('screening')
        .where('merchant_id', '=', merchantId)
        .where('party_type', '=', 'merchant')
        .where('screening', '!=', 'clear')
        .execute();
      return rows.some((r) => r.screening === 'confirmed') ? 'confirmed' : rows.length > 0 ? 'review' : 'clear';
    },
    decideHit: (id, decision, reason) => screening.decide(id, decision, reason),
    async importListFile(path) {
      const parsed = readListFile(path);
      if (isFailure(parsed)) return parsed;
      return screening.importList(parsed, path);
    },
    lists: () => screening.lists(),
    fraud: { evaluate: fraudCheck.evaluate, prepare: fraudCheck.prepare, hold: reviews.hold, captureAllowed: reviews.captureAllowed },
    rules: () => ruleBook.latest(),
    async createRule(rule, actor) {
      const made = await ruleBook.create(rule, actor);
      fraudCheck.invalidate();
      return made;
    },
    async changeRule(id, set, actor) {
      const changed = await ruleBook.change(id, set, actor);
      fraudCheck.invalidate();
      return changed;
    },
    async backtest(rule, range) {
      const invalid = await ruleBook.validate(rule);
      if (invalid !== undefined) return invalid;
      return backtest({ store, outcomes: deps.paymentOutcomes ?? (async () => new Map()) }, rule, range);
    },
    async decisions(paymentId) {
      const rows = await store.reader.selectFrom('risk_decisions').selectAll().where('payment_id', '=', paymentId).orderBy('at').execute();
      return rows.map((r): FraudDecision => ({
        id: r.id,
        paymentId: r.payment_id,
        action: r.action as FraudDecision['action'],
        fired: JSON.parse(r.fired) as FraudDecision['fired'],
        errors: JSON.parse(r.errors) as FraudDecision['errors'],
        micros: Number(r.micros),
        at: r.at,
      }));
    },
    reviews: (filter) => reviews.list(filter),
    decideReview: (paymentId, decision, reason, analyst) => reviews.decide(paymentId, decision, reason, analyst),
    async listItem(item) {
      const value = item.kind === 'email' ? item.value.toLowerCase() : item.value;
      const row = { kind: item.kind, value, list: item.list, reason: item.reason, created_at: clock.now().toISOString() };
      await writer.run((trx) =>
        trx
          .insertInto('risk_list_items')
          .values(row)
          .onConflict((oc) =>
            oc.columns(['kind', 'value']).doUpdateSet({ list: item.list, reason: item.reason, created_at: row.created_at }),
          )
          .execute(),
      );
    },
    async listItems() {
      const rows = await store.reader.selectFrom('risk_list_items').selectAll().orderBy('created_at', 'desc').limit(1000).execute();
      return rows.map((r) => ({ kind: r.kind, value: r.value, list: r.list, reason: r.reason, createdAt: r.created_at }));
    },
    async scanCases(day) {
      let range: { fromIso: string; toIso: string };
      try {
        range = beijingDayRange(day);
      } catch (error) {
        return fail(RiskError.CaseInvalid, (error as Error).message);
      }
      if (deps.dayMovements === undefined) return [];
      return cases.open(day, await deps.dayMovements(range));
    },
    cases: (filter) => cases.list(filter),
    assignCase: (id, analyst) => cases.assign(id, analyst),
    decideCase: (id, decision, reason, analyst) => cases.decide(id, decision, reason, analyst),
  };
}
