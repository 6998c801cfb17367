import type { RiskCase } from './cases.js';
import type { Kysely, Transaction } from 'kysely';
import type { Failure } from '../core/index.js';
import type { Database } from '../store/index.js';
import type { Amount } from '../money/index.js';
import type { RiskError } from './errors.js';
import type { OperatorRole } from './roles.js';

/**
 * Customer verification levels, lowest first (issue 16): never verified; name and ID number
 * checked by the identity service; ID plus the bank card's four elements (name, ID number, card
 * number, phone); verified in person.
 */
export const verificationLevels = ['none', 'id', 'id_bank_card', 'in_person'] as const;
export type VerificationLevel = (typeof verificationLevels)[number];

export function levelRank(level: VerificationLevel): number {
  return verificationLevels.indexOf(level);
}

export type PbocClass = 'none' | 'I' | 'II' | 'III';

/** One row of the real-name table: what a level may pay from its balance. Null = no such limit. */
export interface LimitTier {
  readonly level: VerificationLevel;
  readonly pbocClass: PbocClass;
  /** How many verification factors the level stands for (the daily limit follows from it). */
  readonly factors: number;
  readonly debitsAllowed: boolean;
  readonly currency: string;
  readonly cumulativeMinor: bigint | null;
  readonly yearlyMinor: bigint | null;
  readonly dailyMinor: bigint | null;
  readonly updatedAt: string;
}

export type Screening = 'clear' | 'review' | 'confirmed';

export interface LimitUsage {
  readonly period: 'cumulative' | 'year' | 'day';
  readonly key: string;
  readonly limitMinor: bigint;
  readonly usedMinor: bigint;
}

/** A customer as risk sees it: level, class, the limits that apply and what is left of them. */
export interface PartyLimits {
  readonly partyId: string;
  readonly level: VerificationLevel;
  readonly tier: LimitTier;
  readonly screening: Screening;
  readonly usage: readonly LimitUsage[];
}

export type DebitKind = 'transfer' | 'payment' | 'withdrawal' | 'bill';

export interface Debit {
  readonly customerId: string;
  readonly amount: Amount;
  readonly kind: DebitKind;
  /** The debit's business object (a payment id): a refund of it gives the limits back (`release`). */
  readonly ref?: string;
}

/**
 * How money-moving modules ask risk (bound in src/app.ts). Called inside the debit's own writer
 * unit, before its ledger entry: a failure is returned as the unit's result, so the writer rolls
 * the counters back together with everything else.
 */
export interface DebitGuard {
  /** Writer keys the debit's unit must declare: the party's limit counters. */
  keysOf(customerId: string): string[];
  charge(trx: Transaction<Database>, debit: Debit): Promise<Failure<RiskError> | undefined>;
  /**
   * A refund of a charged debit (`ref`) gives its amount back to the counters that debit moved (the
   * periods it was counted in, not today's), never more than was charged; inside the refund's unit,
   * which declares `keysOf(customerId)`.
   */
  release(trx: Transaction<Database>, refund: { customerId: string; ref: string; amountMinor: bigint }): Promise<void>;
}

export type IdentityAnswer = 'match' | 'mismatch' | 'not_found';

/** The identity service (a sandbox one in `sandbox/identity/`); throws on I/O errors. */
export interface IdentityPort {
  verifyId(input: { name: string; idNumber: string }): Promise<IdentityAnswer>;
  verifyBankCard(input: { name: string; idNumber: string; cardNumber: string; phone: string }): Promise<IdentityAnswer>;
}

export interface VerificationRequest {
  readonly level: 'id' | 'id_bank_card';
  readonly name: string;
  readonly idNumber: string;
  readonly bankCard?: { readonly number: string; readonly phone: string };
}

export interface Verification {
  readonly customerId: string;
  readonly level: VerificationLevel;
  readonly requestedLevel: VerificationLevel;
  readonly screening: Screening;
  readonly limits: PartyLimits;
}

export interface ScreeningHit {
  readonly id: string;
  readonly partyId: string;
  readonly partyType: 'customer' | 'merchant' | 'beneficiary';
  readonly merchantId: string;
  readonly context: string;
  readonly subjectName: string;
  readonly list: string;
  readonly entryId: string;
  readonly matchedName: string;
  /** Jaro-Winkler similarity × 1000. */
  readonly scorePermille: number;
  readonly status: 'open' | 'confirmed' | 'false_positive';
  readonly reason: string | null;
  readonly createdAt: string;
  readonly decidedAt: string | null;
}

export interface Subject {
  readonly partyId: string;
  readonly partyType: ScreeningHit['partyType'];
  readonly merchantId: string;
  readonly name: string;
  /** Where the screening happened: verification, onboarding, payout, cross_border, rescreen. */
  readonly context: string;
}

export interface TierChange {
  readonly debitsAllowed?: boolean;
  readonly cumulativeMinor?: bigint | null;
  readonly yearlyMinor?: bigint | null;
  readonly dailyMinor?: bigint | null;
  readonly currency?: string;
}

/** How settlement asks risk about a payout's payee (bound in src/app.ts); throws when it cannot screen. */
export interface BeneficiaryScreen {
  screen(beneficiary: { merchantId: string; accountId: string; name: string }): Promise<Screening>;
}

export interface OnboardingRequest {
  /** The Unified Social Credit Code on the business licence. */
  readonly businessLicence: string;
  readonly legalPerson: string;
  readonly beneficialOwners: readonly string[];
}

export interface MerchantOnboarding {
  readonly merchantId: string;
  /** The worst screening of the merchant, its legal person and its owners. */
  readonly screening: Screening;
  readonly parties: readonly { readonly partyId: string; readonly name: string; readonly screening: Screening }[];
}

/** An operator action or setting change, as the caller describes it. */
export interface AuditEntry {
  /** Who: `operator` (the ok_ key), a session's login, or `merchant:<id>` for merchant-made changes. */
  readonly actor: string;
  /** What: the route (`PATCH /v1/risk/limits/:level`) or a named action. */
  readonly action: string;
  readonly target?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly requestId?: string;
}

export interface AuditRecord {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly before: string | null;
  readonly after: string | null;
  readonly requestId: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditReport {
  readonly ok: boolean;
  readonly rows: number;
  readonly brokenAt: number | null;
  readonly problem: string | null;
}

export interface Operator {
  readonly id: string;
  readonly login: string;
  readonly name: string;
  readonly role: OperatorRole;
  readonly status: 'active' | 'disabled';
  readonly createdAt: string;
}

export interface NewOperator {
  readonly login: string;
  readonly name: string;
  readonly role: string;
  readonly password: string;
}

export interface OperatorSession {
  /** The bearer token (`os_…`), shown once; only its hash is stored. */
  readonly token: string;
  readonly expiresAt: string;
  readonly operator: Operator;
  /** The CSRF token of the session when the console's page uses it as a browser cookie (double submit). */
  readonly csrfToken: string;
}

/** Fraud rule actions, in the order Radar applies them: request 3-D Secure, then allow, block, review. */
export const ruleActions = ['request_3ds', 'allow', 'block', 'review'] as const;
export type RuleAction = (typeof ruleActions)[number];

/** A fraud rule: one version of it. `conditions` are json-rules-engine conditions over the facts of FraudFacts and `velocity`. */
export interface FraudRule {
  readonly id: string;
  readonly version: number;
  readonly name: string;
  readonly action: RuleAction;
  readonly conditions: unknown;
  readonly status: 'draft' | 'enabled' | 'disabled';
  /** What the rule does when it cannot be evaluated: open = as if it did not fire, closed = as if it fired. */
  readonly failMode: 'open' | 'closed';
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface NewRule {
  readonly name: string;
  readonly action: string;
  readonly conditions: unknown;
  readonly status?: 'draft' | 'enabled' | 'disabled';
  readonly failMode?: 'open' | 'closed';
}

/** What a card payment looks like to the rules (no card number: a keyed fingerprint and the BIN). */
export interface FraudCheck {
  readonly paymentId: string;
  readonly merchantId: string;
  readonly amount: Amount;
  readonly customerId: string | null;
  readonly card: { readonly fingerprint: string; readonly bin: string; readonly brand: string; readonly last4: string };
  /** From the payment's metadata: `ip`, `device_id`, `email` (the merchant passes what it knows of the shopper). */
  readonly ip: string | null;
  readonly deviceId: string | null;
  readonly email: string | null;
  /** When the payment was attempted (a backtest replays the past). */
  readonly at: Date;
}

export interface FiredRule {
  readonly id: string;
  readonly version: number;
  readonly name: string;
  readonly action: RuleAction;
}

export interface FraudDecision {
  readonly id: string;
  readonly paymentId: string;
  readonly action: 'allow' | 'block' | 'review' | 'request_3ds';
  readonly fired: readonly FiredRule[];
  /** Rules that failed to evaluate, and what their fail mode made of it. */
  readonly errors: readonly { readonly id: string; readonly error: string; readonly failMode: 'open' | 'closed' }[];
  readonly micros: number;
  readonly at: string;
}

/**
 * How payments ask risk about a card payment (bound in src/app.ts, which turns the card number into
 * its fingerprint and BIN before risk sees it).
 */
/** A fraud check ready to run inside the caller's writer unit (`keys` among the unit's keys). */
export interface PreparedFraudCheck {
  readonly keys: readonly string[];
  run(trx: Transaction<Database>): Promise<FraudDecision>;
}

export interface PaymentFraudPort {
  evaluate(
    check: Omit<FraudCheck, 'card' | 'at'> & { readonly card: { readonly pan: string; readonly brand: string } },
  ): Promise<FraudDecision>;
  /** The same check, to run inside the unit that claims the payment (it commits with the claim). */
  prepare(
    check: Omit<FraudCheck, 'card' | 'at'> & { readonly card: { readonly pan: string; readonly brand: string } },
  ): Promise<PreparedFraudCheck>;
  /** Inside the unit that claims the payment: the payment is held for an analyst (authorized, not captured). */
  hold(trx: Transaction<Database>, hold: { paymentId: string; merchantId: string; decisionId: string }): Promise<void>;
  /** Whether the payment may be captured: not while an analyst's review is open. */
  captureAllowed(db: Kysely<Database>, paymentId: string): Promise<boolean>;
}

export interface Review {
  readonly paymentId: string;
  readonly merchantId: string;
  readonly decisionId: string;
  readonly status: 'open' | 'releasing' | 'canceling' | 'released' | 'canceled';
  readonly analyst: string | null;
  readonly reason: string | null;
  readonly createdAt: string;
  readonly decidedAt: string | null;
}

/** How risk releases or cancels a held payment (payments' capture and cancel; bound in src/app.ts). */
export interface HeldPaymentPort {
  capture(merchantId: string, paymentId: string): Promise<{ status: string } | Failure>;
  cancel(merchantId: string, paymentId: string): Promise<{ status: string } | Failure>;
}

export interface BacktestResult {
  readonly evaluated: number;
  readonly matched: number;
  readonly matchedByStatus: Record<string, number>;
  readonly matchedAmounts: { readonly currency: string; readonly minor: bigint }[];
  readonly sample: readonly string[];
}

export interface RiskService {
  /** Operator accounts: password + TOTP, sessions, roles (src/risk/roles.ts). */
  readonly operators: {
    create(input: NewOperator): Promise<{ operator: Operator; totpSecret: string; totpUri: string } | Failure<RiskError>>;
    signIn(login: string, password: string, code: string): Promise<OperatorSession | Failure<RiskError>>;
    /** The operator of a live session token, or undefined. */
    authenticate(token: string): Promise<Operator | undefined>;
    /** The operator and the CSRF token of a live session token (the console's cookie), or undefined. */
    session(token: string): Promise<{ operator: Operator; csrfToken: string; expiresAt: string } | undefined>;
    signOut(token: string): Promise<void>;
    list(): Promise<Operator[]>;
    change(
      id: string,
      set: { role?: string; status?: 'active' | 'disabled' },
    ): Promise<{ before: Operator; after: Operator } | Failure<RiskError>>;
    /** Seals every TOTP secret still stored in the clear (migration 029's data step, run at start); how many. */
    sealPlainSecrets(): Promise<number>;
  };
  /** The append-only, hash-chained audit log of operator actions and setting changes. */
  readonly audit: {
    append(entry: AuditEntry): Promise<AuditRecord>;
    list(request: { beforeSeq?: number; limit?: number }): Promise<AuditRecord[]>;
    verify(): Promise<AuditReport>;
  };
  /** The port wallets and payments call inside every balance debit (bound in src/app.ts). */
  readonly debits: DebitGuard;
  verify(merchantId: string, customerId: string, request: VerificationRequest): Promise<Verification | Failure<RiskError>>;
  limitsOf(merchantId: string, customerId: string): Promise<PartyLimits | Failure<RiskError>>;
  /** An operator records that a customer was verified in person (PBOC class III); the name is screened. */
  verifyInPerson(merchantId: string, customerId: string, name: string): Promise<Verification | Failure<RiskError>>;
  tiers(): Promise<LimitTier[]>;
  changeTier(level: string, change: TierChange): Promise<{ before: LimitTier; after: LimitTier } | Failure<RiskError>>;
  /** Screens a party against the sanctions lists and records hits for review. */
  screen(subject: Subject): Promise<Screening>;
  hits(filter: { status?: ScreeningHit['status']; partyId?: string }): Promise<ScreeningHit[]>;
  /** The operator's onboarding check of a merchant: licence number, and screening of the merchant, legal person and owners. */
  onboardMerchant(merchantId: string, request: OnboardingRequest): Promise<MerchantOnboarding | Failure<RiskError>>;
  /** Whether any party of the merchant (itself, legal person, owners) has an open or confirmed hit. */
  merchantScreening(merchantId: string): Promise<Screening>;
  decideHit(
    id: string,
    decision: 'confirmed' | 'false_positive',
    reason: string,
  ): Promise<{ before: ScreeningHit; after: ScreeningHit } | Failure<RiskError>>;
  /** Imports OFAC's sdn.csv (+ alt.csv beside it) or the UN consolidated XML; rescreens everyone. */
  importListFile(path: string): Promise<{ list: string; entries: number; rescreened: number; hits: number } | Failure<RiskError>>;
  lists(): Promise<{ list: string; source: string; entries: number; importedAt: string }[]>;

  /** Fraud rules on the card payment path (payments call it through PaymentFraudPort, bound in src/app.ts). */
  readonly fraud: {
    evaluate(check: Omit<FraudCheck, 'at'>): Promise<FraudDecision>;
    prepare(check: Omit<FraudCheck, 'at'>): Promise<PreparedFraudCheck>;
    hold: PaymentFraudPort['hold'];
    captureAllowed: PaymentFraudPort['captureAllowed'];
  };
  rules(): Promise<FraudRule[]>;
  createRule(rule: NewRule, actor: string): Promise<FraudRule | Failure<RiskError>>;
  changeRule(id: string, set: Partial<NewRule>, actor: string): Promise<{ before: FraudRule; after: FraudRule } | Failure<RiskError>>;
  backtest(rule: NewRule, range: { fromIso?: string; toIso?: string }): Promise<BacktestResult | Failure<RiskError>>;
  decisions(paymentId: string): Promise<FraudDecision[]>;
  reviews(filter: { status?: string }): Promise<Review[]>;
  decideReview(
    paymentId: string,
    decision: 'release' | 'cancel',
    reason: string,
    analyst: string,
  ): Promise<{ before: Review; after: Review } | Failure<string>>;
  /** Block and allow lists: card fingerprint, email, IP. */
  listItem(item: { kind: 'card' | 'email' | 'ip'; value: string; list: 'block' | 'allow'; reason: string }): Promise<void>;
  listItems(): Promise<{ kind: string; value: string; list: string; reason: string; createdAt: string }[]>;
  /** Opens the suspicious-activity cases of one Beijing day (YYYY-MM-DD); answers the cases newly opened. */
  scanCases(day: string): Promise<RiskCase[] | Failure<RiskError>>;
  cases(filter: { status?: string; party?: string; typology?: string }): Promise<RiskCase[]>;
  assignCase(id: string, analyst: string): Promise<{ before: RiskCase; after: RiskCase } | Failure<RiskError>>;
  decideCase(
    id: string,
    decision: 'reported' | 'closed',
    reason: string,
    analyst: string,
  ): Promise<{ before: RiskCase; after: RiskCase } | Failure<RiskError>>;
}
