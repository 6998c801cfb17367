/** The stable codes the API answers risk refusals with (mapped to HTTP in src/api/problems.ts). */
export enum RiskError {
  /** A balance payment would pass one of the party's real-name limits (PBOC 2015 No.43). */
  LimitExceeded = 'risk_limit_exceeded',
  /** The party's verification level does not allow balance payments at all. */
  VerificationRequired = 'risk_verification_required',
  /** The limits are kept in one currency; a classed party's debit in another is refused. */
  LimitCurrencyUnsupported = 'risk_limit_currency_unsupported',
  /** A sanctions hit on the party is confirmed, or still waiting for review. */
  PartyBlocked = 'risk_party_blocked',
  CustomerNotFound = 'customer_not_found',
  IdentityMismatch = 'identity_mismatch',
  IdentityUnavailable = 'identity_service_unavailable',
  VerificationInvalid = 'verification_invalid',
  TierInvalid = 'risk_tier_invalid',
  ListFileInvalid = 'risk_list_invalid',
  HitNotFound = 'risk_hit_not_found',
  HitDecided = 'risk_hit_decided',
  MerchantNotFound = 'merchant_not_found',
  OnboardingInvalid = 'onboarding_invalid',
  /** Wrong login, password or second factor (one answer for all three), or the account is locked. */
  OperatorSignInFailed = 'operator_sign_in_failed',
  OperatorLocked = 'operator_locked',
  OperatorExists = 'operator_exists',
  OperatorNotFound = 'operator_not_found',
  OperatorInvalid = 'operator_invalid',
  /** The operator's role does not cover this action. */
  OperatorForbidden = 'operator_forbidden',
  OperatorKeyNotForBrowser = 'operator_key_not_for_browser',
  /** Four-eyes: the operator who asked for a change may not approve it. */
  FourEyesRequired = 'four_eyes_required',
  RuleInvalid = 'risk_rule_invalid',
  RuleNotFound = 'risk_rule_not_found',
  /** A payment refused by a fraud rule or the block list. */
  PaymentBlocked = 'risk_payment_blocked',
  ReviewNotFound = 'risk_review_not_found',
  ReviewDecided = 'risk_review_decided',
  /** The payment is held for an analyst's review; it cannot be captured until released. */
  ReviewPending = 'risk_review_pending',
  CaseNotFound = 'risk_case_not_found',
  CaseDecided = 'risk_case_decided',
  /** A case scan's day is not a calendar day (YYYY-MM-DD). */
  CaseInvalid = 'risk_case_invalid',
}
