import { fail, type Failure } from '../core/index.js';
import { RiskError } from './errors.js';
import type { MerchantOnboarding, OnboardingRequest, Screening } from './model.js';
import type { Screener } from './screening.js';

/**
 * The Unified Social Credit Code (统一社会信用代码, GB 32100-2015) on a Chinese business licence:
 * 18 characters from a 31-character alphabet (no I, O, Z, S, V), the last a check character:
 * 31 − (Σ value × weight mod 31), with 31 written as 0.
 */
const usccAlphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const usccWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ownersMax = 20;

export function isValidUscc(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += usccAlphabet.indexOf(code[i] as string) * (usccWeights[i] as number);
  const check = (31 - (sum % 31)) % 31;
  return usccAlphabet[check] === code[17];
}

const worst = (states: Screening[]): Screening =>
  states.includes('confirmed') ? 'confirmed' : states.includes('review') ? 'review' : 'clear';

/**
 * The operator's onboarding check of a merchant: the business licence number is checked, and the
 * merchant's name, its legal person and its beneficial owners are each screened (one party each,
 * `<merchant>:legal_person`, `<merchant>:owner:<n>`), so that a hit names who it is about.
 */
export async function onboardMerchant(
  deps: { screening: Screener; merchantName: (id: string) => Promise<string | undefined> },
  merchantId: string,
  request: OnboardingRequest,
): Promise<MerchantOnboarding | Failure<RiskError>> {
  const name = await deps.merchantName(merchantId);
  if (name === undefined) return fail(RiskError.MerchantNotFound, `no merchant ${merchantId}`);
  if (!isValidUscc(request.businessLicence))
    return fail(RiskError.OnboardingInvalid, 'business_licence is not a valid Unified Social Credit Code (GB 32100-2015 check character)');
  if (request.beneficialOwners.length > ownersMax) return fail(RiskError.OnboardingInvalid, `at most ${ownersMax} beneficial owners`);
  const subjects = [
    { partyId: merchantId, name },
    { partyId: `${merchantId}:legal_person`, name: request.legalPerson },
    ...request.beneficialOwners.map((owner, i) => ({ partyId: `${merchantId}:owner:${i + 1}`, name: owner })),
  ];
  const results: { partyId: string; name: string; screening: Screening }[] = [];
  for (const subject of subjects) {
    const screening = await deps.screening.screen({ ...subject, partyType: 'merchant', merchantId, context: 'onboarding' });
    results.push({ ...subject, screening });
  }
  return { merchantId, screening: worst(results.map((r) => r.screening)), parties: results };
}
