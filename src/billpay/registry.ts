import { fail, newId, type Failure } from '../core/index.js';
import { isCurrencyCode } from '../money/index.js';
import { accountRuleProblem } from './account-rules.js';
import type { BillpayDeps } from './deps.js';
import { BillpayError } from './errors.js';
import { amountRules, billerModels, type Biller, type BillerInput } from './model.js';
import { toBiller } from './rows.js';

/** The biller registry (operator): category → biller → account rule → model → amount rule → fee → settlement account. */
export const billerCodePattern = /^[a-z0-9][a-z0-9_-]{1,39}$/;
export const billerFeeBpsMax = 1_000;

function billerProblem(deps: BillpayDeps, input: BillerInput): string | undefined {
  if (!billerCodePattern.test(input.code)) return 'code is 2–40 lower-case letters, digits, _ or -';
  if (!billerModels.includes(input.model)) return `model is one of ${billerModels.join(', ')}`;
  if (!amountRules.includes(input.amountRule)) return `amount_rule is one of ${amountRules.join(', ')}`;
  if (input.model !== 'fetch' && input.amountRule !== 'any') return 'validate and direct billers take any amount within their limits';
  if (input.minAmountMinor < 1n || input.maxAmountMinor < input.minAmountMinor) return 'limits: 1 ≤ min_amount ≤ max_amount';
  if (!isCurrencyCode(input.currency)) return `currency ${input.currency} is not ISO 4217`;
  if (input.payerFeeFixedMinor < 0n) return 'the payer fee may not be negative';
  if (!Number.isInteger(input.billerFeeBps) || input.billerFeeBps < 0 || input.billerFeeBps > billerFeeBpsMax)
    return `biller_fee_bps is 0–${billerFeeBpsMax}`;
  if (deps.connectors(input.connector) === undefined) return `no connector ${input.connector} is configured`;
  return accountRuleProblem(input.accountRule);
}

export async function registerBiller(deps: BillpayDeps, input: BillerInput): Promise<Biller | Failure<BillpayError>> {
  const problem = billerProblem(deps, input);
  if (problem !== undefined)
    return fail(problem.startsWith('no connector') ? BillpayError.BillerConnectorUnknown : BillpayError.BillerInvalid, problem);
  if (!(await deps.parties.merchantExists(input.merchantId)))
    return fail(BillpayError.BillerInvalid, `the settlement merchant ${input.merchantId} does not exist`);
  const row = {
    id: newId('blr', deps.clock.now().getTime()),
    code: input.code,
    name: input.name,
    name_zh: input.nameZh,
    category: input.category,
    region: input.region,
    connector: input.connector,
    model: input.model,
    account_rule: JSON.stringify(input.accountRule),
    amount_rule: input.amountRule,
    min_amount: input.minAmountMinor,
    max_amount: input.maxAmountMinor,
    currency: input.currency,
    payer_fee_fixed: input.payerFeeFixedMinor,
    biller_fee_bps: BigInt(input.billerFeeBps),
    merchant_id: input.merchantId,
    status: 'active',
    created_at: deps.clock.now().toISOString(),
  };
  return deps.writer.run(async (trx) => {
    const taken = await trx.selectFrom('billpay_billers').select('id').where('code', '=', input.code).executeTakeFirst();
    if (taken !== undefined) return fail(BillpayError.BillerCodeTaken, `a biller with code ${input.code} exists (${taken.id})`);
    await trx.insertInto('billpay_billers').values(row).execute();
    return toBiller(row);
  });
}

export async function getBiller(deps: BillpayDeps, id: string): Promise<Biller | undefined> {
  const row = await deps.store.reader.selectFrom('billpay_billers').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toBiller(row);
}

/** Find billers by category and region (both optional); active ones only unless the operator asks. */
export const billerListMax = 200;

export async function listBillers(
  deps: BillpayDeps,
  filter: { category?: string; region?: string; includeSuspended?: boolean },
): Promise<Biller[]> {
  let query = deps.store.reader.selectFrom('billpay_billers').selectAll();
  if (filter.category !== undefined) query = query.where('category', '=', filter.category);
  if (filter.region !== undefined) query = query.where('region', '=', filter.region);
  if (filter.includeSuspended !== true) query = query.where('status', '=', 'active');
  const rows = await query.orderBy('category').orderBy('code').limit(billerListMax).execute();
  return rows.map(toBiller);
}
