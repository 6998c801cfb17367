import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Clock } from '../core/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import { derivedId, digestOf, newId } from '../core/index.js';
import { accountIdFor, type Executor } from '../ledger/index.js';
import { amountMinorMax, findCurrency, formatDecimal, type Amount } from '../money/index.js';
import type { Parties } from '../parties/index.js';
import type { FxPort } from '../payments/index.js';
import { conversionKeys, type Conversion } from '../payments/index.js';
import type { Store } from '../store/index.js';
import type { Database } from '../store/index.js';
import type { Writer } from '../store/index.js';
import { clientScaled, convertMinor, convertWithMargin, midScaled, sellFor, shareOf } from './convert.js';
import { FxError } from './errors.js';
import { lookupBin, type CardIssuer } from './bins.js';
import { createRateStore, formatScaled, parseEcbXml, parseRatesCsv, scaledOf, type FeedSnapshot } from './rates.js';

export interface FxSettings {
  /** A rate older than this gives no quote and no conversion. */
  readonly staleAfterMs: number;
  /** How long a quote's rate is held. */
  readonly quoteTtlMs: number;
  /** Markup over the mid rate for merchants without their own setting, in basis points. */
  readonly markupBpsDefault: number;
  /**
   * Whether a payment settles in the merchant's settlement currency by default (converting when
   * the shopper pays in another). Off: a payment settles in its own currency unless it names
   * `settlement_currency` (how Hutong behaved before FX; `hutong start` turns it on).
   */
  readonly convertToSettlement: boolean;
}

export const defaultFxSettings: FxSettings = {
  // ECB rates come on TARGET business days: a long weekend is four days old by Tuesday morning.
  staleAfterMs: 4 * 24 * 60 * 60 * 1000,
  quoteTtlMs: 15 * 60 * 1000,
  markupBpsDefault: 50,
  convertToSettlement: true,
};

/** The highest markup an operator may set: 10%. */
export const markupBpsMax = 1_000;

/**
 * The cross-border import limits (CNY 5,000 an order, 26,000 a person a year): customs owns them
 * (src/customs/limits.ts) and src/app.ts wires them here. FX gives them the CNY amount of an import
 * order and, for the annual one, what the person's import payments of the year use (its own rows).
 */
export interface ImportLimitsPort {
  readonly settings: { readonly importSingleMaxCnyMinor: bigint; readonly importAnnualMaxCnyMinor: bigint };
  yearOf(at: Date): number;
  checkOrder(cnyMinor: bigint): Failure<string> | undefined;
  /** In the confirm's writer unit: holds the person's year (across merchants and processes), then checks. */
  checkAnnual(
    trx: Executor,
    check: { personKey: string; year: number; cnyMinor: bigint; used: () => Promise<bigint> },
  ): Promise<Failure<string> | undefined>;
  remaining(used: bigint): bigint;
}

export interface FxDeps {
  readonly store: Store;
  readonly writer: Writer;
  readonly parties: Parties;
  readonly clock: Clock;
  /** Keys the per-person import allowance (an HMAC of the ID document, never the number itself). */
  readonly personKeySecret: Buffer;
  readonly importLimits: ImportLimitsPort;
  readonly settings?: Partial<FxSettings>;
  /**
   * Screens a cross-border payer's name against the sanctions lists (risk, bound in src/app.ts):
   * `clear`, or `review` / `confirmed` when it matches a listed name. Throws when it cannot screen,
   * and then no order is taken.
   */
  readonly screenPayer?: (payer: { partyId: string; merchantId: string; name: string }) => Promise<'clear' | 'review' | 'confirmed'>;
}

export interface Quote {
  readonly id: string;
  readonly merchantId: string;
  readonly sell: Amount;
  readonly buy: Amount;
  readonly midRate: string;
  readonly rate: string;
  readonly markupBps: number;
  readonly rateAsOf: string;
  readonly expiresAt: string;
  readonly createdAt: string;
}

export interface QuoteRequest {
  readonly sellCurrency: string;
  readonly buyCurrency: string;
  readonly sellAmountMinor?: bigint;
  readonly buyAmountMinor?: bigint;
}

export interface CrossBorderRecord {
  readonly paymentId: string;
  readonly merchantId: string;
  readonly merchantName: string;
  readonly merchantCountry: string;
  readonly direction: 'export' | 'import';
  readonly payer: {
    readonly customerId: string | null;
    readonly name: string | null;
    readonly idType: string | null;
    readonly idNumberMasked: string | null;
  };
  readonly presentment: Amount;
  readonly settlement: Amount;
  readonly rate: string | null;
  readonly midRate: string | null;
  readonly marginMinor: bigint;
  readonly quoteId: string | null;
  readonly refundedPresentmentMinor: bigint;
  readonly refundedSettlementMinor: bigint;
  readonly amountCnyMinor: bigint | null;
  readonly capturedAt: string;
}

type FxFailure = Failure<string>;

function toQuote(row: Database['fx_quotes']): Quote {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    sell: { minor: row.sell_amount, currency: row.sell_currency },
    buy: { minor: row.buy_amount, currency: row.buy_currency },
    midRate: row.mid_rate,
    rate: row.rate,
    markupBps: Number(row.markup_bps),
    rateAsOf: row.rate_as_of,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

/** The count of payments whose import allowance is in use: everything confirmed and not undone. */
const releasedStatuses = ['canceled', 'failed'];

export function createFx(deps: FxDeps) {
  const { store, writer, parties, clock } = deps;
  const settings: FxSettings = { ...defaultFxSettings, ...deps.settings };
  const rates = createRateStore({ staleAfterMs: settings.staleAfterMs });
  const now = () => clock.now();
  let poller: NodeJS.Timeout | undefined;

  function load(snapshot: FeedSnapshot | Failure<FxError>): { loaded: number } | Failure<FxError> {
    return isFailure(snapshot) ? snapshot : rates.load(snapshot, now());
  }
  const loadEcbXml = (xml: string, source = 'ecb') => load(parseEcbXml(xml, source));
  const loadCsv = (text: string, source = 'csv') => load(parseRatesCsv(text, source));

  /** Fetches a feed (ECB XML, or CSV when the URL ends in .csv or the server says text/csv). */
  async function fetchFeed(url: string): Promise<{ loaded: number } | Failure<FxError>> {
    if (!/^https?:\/\//.test(url)) {
      let text: string;
      try {
        text = await readFile(url, 'utf8');
      } catch (error) {
        return fail(FxError.FeedInvalid, `the rate file ${url} could not be read: ${(error as Error).message}`);
      }
      return url.endsWith('.csv') ? loadCsv(text, url) : loadEcbXml(text, url);
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    } catch (error) {
      return fail(FxError.FeedInvalid, `the rate feed ${url} did not answer: ${(error as Error).message}`);
    }
    if (!response.ok) return fail(FxError.FeedInvalid, `the rate feed ${url} answered ${response.status}`);
    const text = await response.text();
    const csv = url.endsWith('.csv') || (response.headers.get('content-type') ?? '').includes('csv');
    return csv ? loadCsv(text, url) : loadEcbXml(text, url);
  }

  /** Loads the feed now, then every `intervalMs`; a failed load keeps the last good rates. */
  async function startPolling(url: string, intervalMs: number, onError: (message: string) => void): Promise<void> {
    const once = async () => {
      const result = await fetchFeed(url);
      if (isFailure(result)) onError(result.detail);
    };
    await once();
    poller = setInterval(() => void once(), intervalMs);
    poller.unref();
  }

  function stopPolling(): void {
    if (poller !== undefined) clearInterval(poller);
    poller = undefined;
  }

  async function markupOf(db: Executor, merchantId: string): Promise<number> {
    const row = await db.selectFrom('fx_settings').select('markup_bps').where('merchant_id', '=', merchantId).executeTakeFirst();
    return row === undefined ? settings.markupBpsDefault : Number(row.markup_bps);
  }

  /** Sets a merchant's markup over the mid rate (operator). Later quotes and conversions use it. */
  async function setMarkup(merchantId: string, markupBps: number): Promise<{ markupBps: number } | FxFailure> {
    if (!Number.isInteger(markupBps) || markupBps < 0 || markupBps > markupBpsMax)
      return fail(FxError.MarkupInvalid, `markup_bps must be an integer from 0 to ${markupBpsMax}`);
    if ((await parties.getMerchant(merchantId)) === undefined) return fail('merchant_not_found', `no merchant ${merchantId}`);
    const at = now().toISOString();
    await writer.run(
      (trx) =>
        trx
          .insertInto('fx_settings')
          .values({ merchant_id: merchantId, markup_bps: BigInt(markupBps), updated_at: at })
          .onConflict((oc) => oc.column('merchant_id').doUpdateSet({ markup_bps: BigInt(markupBps), updated_at: at }))
          .execute(),
      { keys: [] },
    );
    return { markupBps };
  }

  /** The mid and the merchant's rate for a pair now, as scaled decimals. */
  async function ratesFor(
    db: Executor,
    merchantId: string,
    from: string,
    to: string,
  ): Promise<{ mid: bigint; client: bigint; markupBps: number; asOf: string } | FxFailure> {
    const pair = rates.pair(from, to, now());
    if (isFailure(pair)) return pair;
    const mid = midScaled(pair.rate);
    const markupBps = await markupOf(db, merchantId);
    return { mid, client: clientScaled(mid, markupBps), markupBps, asOf: pair.asOf };
  }

  async function createQuote(merchantId: string, input: QuoteRequest, idempotencyKey?: string): Promise<Quote | FxFailure> {
    if ((input.sellAmountMinor === undefined) === (input.buyAmountMinor === undefined))
      return fail('request_invalid', 'give exactly one of sell_amount and buy_amount');
    if (input.sellCurrency === input.buyCurrency) return fail(FxError.PairUnsupported, 'sell and buy currencies are the same');
    const r = await ratesFor(store.reader, merchantId, input.sellCurrency, input.buyCurrency);
    if (isFailure(r)) return r;
    let sell: bigint;
    let buy: bigint;
    if (input.sellAmountMinor !== undefined) {
      sell = input.sellAmountMinor;
      buy = convertMinor({ minor: sell, currency: input.sellCurrency }, r.client, input.buyCurrency);
    } else {
      sell = sellFor({ minor: input.buyAmountMinor as bigint, currency: input.buyCurrency }, input.sellCurrency, r.client);
      buy = convertMinor({ minor: sell, currency: input.sellCurrency }, r.client, input.buyCurrency);
    }
    if (buy <= 0n || sell <= 0n)
      return fail(
        FxError.AmountTooSmall,
        `${input.sellCurrency} ${sell} minor units convert to less than one minor unit of ${input.buyCurrency}`,
      );
    if (buy > amountMinorMax || sell > amountMinorMax)
      return fail('amount_too_large', `the converted amount exceeds ${amountMinorMax} minor units`);
    const at = now();
    const id = idempotencyKey === undefined ? newId('fxq', at.getTime()) : derivedId('fxq', `${merchantId}/fx_quotes`, idempotencyKey);
    const digest = digestOf({
      ...input,
      sellAmountMinor: input.sellAmountMinor?.toString(),
      buyAmountMinor: input.buyAmountMinor?.toString(),
    });
    const row: Database['fx_quotes'] = {
      id,
      merchant_id: merchantId,
      sell_currency: input.sellCurrency,
      sell_amount: sell,
      buy_currency: input.buyCurrency,
      buy_amount: buy,
      mid_rate: formatScaled(r.mid),
      rate: formatScaled(r.client),
      markup_bps: BigInt(r.markupBps),
      rate_as_of: r.asOf,
      expires_at: new Date(at.getTime() + settings.quoteTtlMs).toISOString(),
      request_digest: digest,
      created_at: at.toISOString(),
    };
    return writer.run(
      async (trx) => {
        const existing = await trx.selectFrom('fx_quotes').selectAll().where('id', '=', id).executeTakeFirst();
        if (existing !== undefined)
          return existing.request_digest === digest && existing.merchant_id === merchantId
            ? toQuote(existing)
            : fail('idempotency_key_reused', 'this Idempotency-Key created a different quote');
        await trx.insertInto('fx_quotes').values(row).execute();
        return toQuote(row);
      },
      { keys: [id] },
    );
  }

  /** A quote is only ever found by its own merchant: another merchant's quote does not exist. */
  async function getQuote(db: Executor, merchantId: string, id: string): Promise<Quote | FxFailure> {
    const row = await db.selectFrom('fx_quotes').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    return row === undefined ? fail(FxError.QuoteNotFound, `no quote ${id}`) : toQuote(row);
  }

  function personKey(idType: string, idNumber: string): string {
    return createHmac('sha256', deps.personKeySecret).update(`fx.person:${idType}:${idNumber}`).digest('hex');
  }

  const limits = deps.importLimits;
  /** An amount in CNY for the import limits: itself, or converted at the mid rate (half-up). */
  function inCny(amount: Amount): bigint | FxFailure {
    if (amount.currency === 'CNY') return amount.minor;
    const pair = rates.pair(amount.currency, 'CNY', now());
    if (isFailure(pair)) return pair;
    return convertMinor(amount, midScaled(pair.rate), 'CNY');
  }

  async function annualUsed(db: Executor, key: string, year: number, exceptPaymentId: string): Promise<bigint> {
    const row = await db
      .selectFrom('payment_fx')
      .innerJoin('payments', 'payments.id', 'payment_fx.payment_id')
      .select((eb) =>
        eb.fn.coalesce(eb.fn.sum<bigint>(eb('payment_fx.amount_cny', '-', eb.ref('payment_fx.refunded_cny'))), eb.val(0n)).as('used'),
      )
      .where('payment_fx.person_key', '=', key)
      .where('payment_fx.limit_year', '=', BigInt(year))
      .where('payment_fx.payment_id', '!=', exceptPaymentId)
      .where('payments.status', 'not in', releasedStatuses)
      .executeTakeFirstOrThrow();
    return BigInt(row.used);
  }

  /** How much of a person's annual allowance is left (for the customer's own view). */
  async function allowanceOf(
    merchantId: string,
    customerId: string,
  ): Promise<
    { year: number; usedCnyMinor: bigint; remainingCnyMinor: bigint; singleMaxCnyMinor: bigint; annualMaxCnyMinor: bigint } | FxFailure
  > {
    const customer = await parties.getCustomer(merchantId, customerId);
    if (isFailure(customer)) return customer;
    const number = await parties.revealIdNumber(merchantId, customerId);
    if (customer.identity === null || number === null)
      return fail(FxError.PayerIdentityRequired, `customer ${customerId} has no verified identity`);
    const year = limits.yearOf(now());
    const used = await annualUsed(store.reader, personKey(customer.identity.type, number), year, '');
    return {
      year,
      usedCnyMinor: used,
      remainingCnyMinor: limits.remaining(used),
      singleMaxCnyMinor: limits.settings.importSingleMaxCnyMinor,
      annualMaxCnyMinor: limits.settings.importAnnualMaxCnyMinor,
    };
  }

  const port: FxPort = {
    async prepareCreate(payment, input) {
      // Nothing asked and nothing converts by default: no reads on the hot path.
      if (input === undefined && !settings.convertToSettlement) return undefined;
      const merchant = await parties.getMerchant(payment.merchantId);
      if (merchant === undefined) return fail('merchant_not_found', `no merchant ${payment.merchantId}`);
      const presentment = payment.amount.currency;
      const settlement = input?.settlementCurrency ?? (settings.convertToSettlement ? merchant.settlementCurrency : presentment);
      if (settlement !== merchant.settlementCurrency && settlement !== presentment) {
        return fail(
          FxError.SettlementCurrencyNotAllowed,
          `a payment settles in the merchant's currency (${merchant.settlementCurrency}) or in its own (${presentment}), not ${settlement}`,
        );
      }
      const converts = settlement !== presentment;
      if (input?.quoteId !== undefined) {
        const quote = await getQuote(store.reader, payment.merchantId, input.quoteId);
        if (isFailure(quote)) return quote;
        if (now().toISOString() >= quote.expiresAt)
          return fail(FxError.QuoteExpired, `quote ${quote.id} expired at ${quote.expiresAt}; ask for a new one`);
        if (
          !converts ||
          quote.sell.currency !== presentment ||
          quote.buy.currency !== settlement ||
          quote.sell.minor !== payment.amount.minor
        ) {
          return fail(
            FxError.QuoteMismatch,
            `quote ${quote.id} sells ${quote.sell.currency} ${quote.sell.minor} for ${quote.buy.currency}; this payment is ${presentment} ${payment.amount.minor} settling in ${settlement}`,
          );
        }
      } else if (converts) {
        // Fail early: the rate is taken (and locked) when the shopper confirms.
        const r = await ratesFor(store.reader, payment.merchantId, presentment, settlement);
        if (isFailure(r)) return r;
        const converted = convertMinor(payment.amount, r.client, settlement);
        if (converted === 0n)
          return fail(
            FxError.AmountTooSmall,
            `${presentment} ${payment.amount.minor} minor units convert to less than one minor unit of ${settlement}`,
          );
        if (converted > amountMinorMax)
          return fail('amount_too_large', `the amount converts to more than ${amountMinorMax} minor units of ${settlement}`);
      }
      let payer: { name: string; idType: string; hint: string; key: string } | undefined;
      if (input?.importOrder !== undefined) {
        const order = input.importOrder;
        if (payment.customerId === null)
          return fail(FxError.PayerIdentityRequired, 'a cross-border import order needs `customer`: the payer, with a verified identity');
        const customer = await parties.getCustomer(payment.merchantId, payment.customerId);
        if (isFailure(customer)) return customer;
        const number = await parties.revealIdNumber(payment.merchantId, payment.customerId);
        if (customer.identity === null || number === null)
          return fail(FxError.PayerIdentityRequired, `customer ${customer.id} has no verified identity (name and ID number)`);
        if (
          customer.identity.type !== order.idType ||
          number !== order.idNumber.toUpperCase() ||
          customer.name.trim() !== order.payerName.trim()
        ) {
          return fail(FxError.PayerIdentityMismatch, "the payer's name and ID number must be those of the customer's verified identity");
        }
        const cny = inCny(payment.amount);
        if (isFailure(cny)) return cny;
        const over = limits.checkOrder(cny);
        if (over !== undefined) return over;
        if (deps.screenPayer !== undefined) {
          const screened = await deps.screenPayer({ partyId: customer.id, merchantId: payment.merchantId, name: customer.name });
          if (screened !== 'clear')
            return fail(
              FxError.PayerScreeningHit,
              `the payer's name matches a sanctions list entry (${screened}); an analyst must clear it first`,
            );
        }
        payer = { name: customer.name, idType: order.idType, hint: customer.identity.numberMasked, key: personKey(order.idType, number) };
      }
      if (!converts && payer === undefined) return undefined;
      return async (trx, paymentId) => {
        const at = now().toISOString();
        await trx
          .insertInto('payment_fx')
          .values({
            payment_id: paymentId,
            merchant_id: payment.merchantId,
            presentment_currency: presentment,
            presentment_amount: payment.amount.minor,
            settlement_currency: settlement,
            quote_id: input?.quoteId ?? null,
            mid_rate: null,
            rate: null,
            markup_bps: null,
            rate_as_of: null,
            locked_at: null,
            captured_presentment: 0n,
            settlement_amount: 0n,
            mid_amount: 0n,
            margin: 0n,
            refunded_presentment: 0n,
            refunded_settlement: 0n,
            refunded_mid: 0n,
            captured_at: null,
            import_order: payer === undefined ? 0n : 1n,
            customer_id: payment.customerId,
            payer_name: payer?.name ?? null,
            payer_id_type: payer?.idType ?? null,
            payer_id_hint: payer?.hint ?? null,
            person_key: payer?.key ?? null,
            amount_cny: null,
            limit_year: null,
            refunded_cny: 0n,
            created_at: at,
            updated_at: at,
          })
          .execute();
        return converts ? { settlementCurrency: settlement, quoteId: input?.quoteId ?? null } : {};
      };
    },

    async onConfirm(payment, _method, record) {
      const row = await store.reader.selectFrom('payment_fx').selectAll().where('payment_id', '=', payment.id).executeTakeFirst();
      if (row === undefined) return undefined;
      const at = now();
      const converts = row.settlement_currency !== row.presentment_currency;
      let lock: { mid: string; rate: string; markupBps: bigint; asOf: string } | undefined;
      if (converts && row.quote_id !== null) {
        const quote = await getQuote(store.reader, payment.merchantId, row.quote_id);
        if (isFailure(quote)) return quote;
        if (at.toISOString() >= quote.expiresAt)
          return fail(FxError.QuoteExpired, `quote ${quote.id} expired at ${quote.expiresAt}; create the payment again with a new quote`);
        lock = { mid: quote.midRate, rate: quote.rate, markupBps: BigInt(quote.markupBps), asOf: quote.rateAsOf };
      } else if (converts) {
        const r = await ratesFor(store.reader, payment.merchantId, row.presentment_currency, row.settlement_currency);
        if (isFailure(r)) return r;
        const converted = convertMinor(payment.amount, r.client, row.settlement_currency);
        if (converted === 0n)
          return fail(FxError.AmountTooSmall, `the amount converts to less than one minor unit of ${row.settlement_currency}`);
        if (converted > amountMinorMax)
          return fail('amount_too_large', `the amount converts to more than ${amountMinorMax} minor units of ${row.settlement_currency}`);
        lock = { mid: formatScaled(r.mid), rate: formatScaled(r.client), markupBps: BigInt(r.markupBps), asOf: r.asOf };
      }
      let cny: bigint | undefined;
      const year = limits.yearOf(at);
      if (row.import_order === 1n) {
        const counted = inCny(payment.amount);
        if (isFailure(counted)) return counted;
        const over = limits.checkOrder(counted);
        if (over !== undefined) return over;
        cny = counted;
      }
      const key = row.person_key;
      return writer.run(
        async (trx) => {
          // A confirm racing another that already claimed the payment must not move its locked rate.
          const current = await trx.selectFrom('payments').select('status').where('id', '=', payment.id).executeTakeFirst();
          if (current?.status !== 'requires_payment_method')
            return fail('payment_state_invalid', 'the payment is no longer waiting for a payment method');
          if (cny !== undefined && key !== null) {
            // The person's import payments of the year at every merchant (the key is per person, not per merchant).
            const over = await limits.checkAnnual(trx, {
              personKey: key,
              year,
              cnyMinor: cny,
              used: () => annualUsed(trx, key, year, payment.id),
            });
            if (over !== undefined) return over;
          }
          await trx
            .updateTable('payment_fx')
            .set({
              ...(lock === undefined
                ? {}
                : { mid_rate: lock.mid, rate: lock.rate, markup_bps: lock.markupBps, rate_as_of: lock.asOf, locked_at: at.toISOString() }),
              ...(cny === undefined ? {} : { amount_cny: cny, limit_year: BigInt(year) }),
              updated_at: at.toISOString(),
            })
            .where('payment_id', '=', payment.id)
            .execute();
          if (lock !== undefined) await record(trx, { rate: lock.rate });
          return undefined;
        },
        { keys: [payment.id, ...(key === null ? [] : [`fx.person:${key}`])] },
      );
    },

    async onCapture(trx, payment, capturedMinor) {
      const row = await trx.selectFrom('payment_fx').selectAll().where('payment_id', '=', payment.id).executeTakeFirst();
      if (row === undefined) return undefined;
      const at = now().toISOString();
      const cny = row.amount_cny === null ? null : shareOf(row.amount_cny, capturedMinor, row.presentment_amount);
      if (row.settlement_currency === row.presentment_currency) {
        await trx
          .updateTable('payment_fx')
          .set({
            captured_presentment: capturedMinor,
            settlement_amount: capturedMinor,
            mid_amount: capturedMinor,
            captured_at: at,
            amount_cny: cny,
            updated_at: at,
          })
          .where('payment_id', '=', payment.id)
          .execute();
        return undefined;
      }
      if (row.mid_rate === null || row.rate === null) throw new Error(`payment ${payment.id} converts but its rate was never locked`);
      const mid = scaledOf(row.mid_rate);
      const client = scaledOf(row.rate);
      if (isFailure(mid) || isFailure(client)) throw new Error(`payment ${payment.id} has an unreadable locked rate`);
      const c = convertWithMargin({ minor: capturedMinor, currency: row.presentment_currency }, row.settlement_currency, mid, client);
      await trx
        .updateTable('payment_fx')
        .set({
          captured_presentment: capturedMinor,
          settlement_amount: c.merchantMinor,
          mid_amount: c.midMinor,
          margin: c.marginMinor,
          captured_at: at,
          amount_cny: cny,
          updated_at: at,
        })
        .where('payment_id', '=', payment.id)
        .execute();
      return { currency: row.settlement_currency, midMinor: c.midMinor, merchantMinor: c.merchantMinor } satisfies Conversion;
    },

    async onRefund(trx, payment, refundMinor) {
      const row = await trx.selectFrom('payment_fx').selectAll().where('payment_id', '=', payment.id).executeTakeFirst();
      if (row === undefined) return undefined;
      const refunded = row.refunded_presentment + refundMinor;
      const whole = row.captured_presentment;
      const settlementTarget = shareOf(row.settlement_amount, refunded, whole);
      const midTarget = shareOf(row.mid_amount, refunded, whole);
      const cnyTarget = row.amount_cny === null ? 0n : shareOf(row.amount_cny, refunded, whole);
      await trx
        .updateTable('payment_fx')
        .set({
          refunded_presentment: refunded,
          refunded_settlement: settlementTarget,
          refunded_mid: midTarget,
          refunded_cny: cnyTarget,
          updated_at: now().toISOString(),
        })
        .where('payment_id', '=', payment.id)
        .execute();
      if (row.settlement_currency === row.presentment_currency) return undefined;
      return {
        currency: row.settlement_currency,
        midMinor: midTarget - row.refunded_mid,
        merchantMinor: settlementTarget - row.refunded_settlement,
      };
    },

    preparePresentment: (merchantId, quoteId) => preparePresentment(merchantId, quoteId),

    async keysOf(payment) {
      const settlement = payment.settlement?.currency;
      if (settlement === undefined || settlement === null || settlement === payment.amount.currency) return [];
      return conversionKeys({ accountIdFor }, payment.merchantId, payment.amount.currency, settlement);
    },
  };

  async function records(scope: { merchantId?: string; from?: string; to?: string; limit?: number }): Promise<CrossBorderRecord[]> {
    let query = store.reader
      .selectFrom('payment_fx')
      .innerJoin('merchants', 'merchants.id', 'payment_fx.merchant_id')
      .selectAll('payment_fx')
      .select(['merchants.name as merchant_name', 'merchants.country as merchant_country'])
      .where('payment_fx.captured_at', 'is not', null);
    if (scope.merchantId !== undefined) query = query.where('payment_fx.merchant_id', '=', scope.merchantId);
    if (scope.from !== undefined) query = query.where('payment_fx.captured_at', '>=', scope.from);
    if (scope.to !== undefined) query = query.where('payment_fx.captured_at', '<', scope.to);
    const rows = await query
      .orderBy('payment_fx.captured_at')
      .orderBy('payment_fx.payment_id')
      .limit(scope.limit ?? 100_000)
      .execute();
    return rows.map((r) => ({
      paymentId: r.payment_id,
      merchantId: r.merchant_id,
      merchantName: r.merchant_name,
      merchantCountry: r.merchant_country,
      direction: r.import_order === 1n ? 'import' : 'export',
      payer: { customerId: r.customer_id, name: r.payer_name, idType: r.payer_id_type, idNumberMasked: r.payer_id_hint },
      presentment: { minor: r.captured_presentment, currency: r.presentment_currency },
      settlement: { minor: r.settlement_amount, currency: r.settlement_currency },
      rate: r.rate,
      midRate: r.mid_rate,
      marginMinor: r.margin,
      quoteId: r.quote_id,
      refundedPresentmentMinor: r.refunded_presentment,
      refundedSettlementMinor: r.refunded_settlement,
      amountCnyMinor: r.amount_cny,
      capturedAt: r.captured_at as string,
    }));
  }

  /**
   * What a cashier shows before the shopper confirms: the card's issuer (by BIN) and, when the
   * card bills in another currency, a quote for the payment's price in that currency.
   */
  async function presentmentOptions(
    merchantId: string,
    paymentId: string,
    bin: string,
  ): Promise<{ card: CardIssuer; payment: Amount; quote: Quote | null } | FxFailure> {
    const row = await store.reader
      .selectFrom('payments')
      .select(['amount', 'currency', 'status'])
      .where('id', '=', paymentId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (row === undefined) return fail('payment_not_found', `no payment ${paymentId}`);
    const card = lookupBin(bin);
    if (card === undefined) return fail('card_bin_unknown', `no issuer is known for BIN ${bin}`);
    const price = { minor: row.amount, currency: row.currency };
    if (card.currency === row.currency) return { card, payment: price, quote: null };
    const quote = await createQuote(merchantId, { sellCurrency: card.currency, buyCurrency: row.currency, buyAmountMinor: row.amount });
    return isFailure(quote) ? quote : { card, payment: price, quote };
  }

  /**
   * The shopper accepted to pay in its own currency: an unpaid payment priced in the merchant's
   * settlement currency is switched to the quote's amount in the shopper's currency, and will
   * settle in the original currency at the quote's rate. Only before any attempt to pay. Reads
   * the quote first, then checks and records the conversion inside the unit payments runs.
   */
  const preparePresentment: FxPort['preparePresentment'] = async (merchantId, quoteId) => {
    const quote = await getQuote(store.reader, merchantId, quoteId);
    if (isFailure(quote)) return quote;
    if (now().toISOString() >= quote.expiresAt) return fail(FxError.QuoteExpired, `quote ${quote.id} expired at ${quote.expiresAt}`);
    const merchant = await parties.getMerchant(merchantId);
    if (merchant === undefined) return fail('merchant_not_found', `no merchant ${merchantId}`);
    const at = now().toISOString();
    return async (trx, payment) => {
      const paymentId = payment.id;
      if (payment.status !== 'requires_payment_method' || payment.method_type !== null)
        return fail('payment_state_invalid', 'only an unpaid payment with no attempt yet can change its currency');
      if ((await trx.selectFrom('payment_fx').select('payment_id').where('payment_id', '=', paymentId).executeTakeFirst()) !== undefined)
        return fail('payment_state_invalid', 'this payment already has a conversion or is an import order');
      if (payment.currency !== merchant.settlementCurrency)
        return fail(
          FxError.SettlementCurrencyNotAllowed,
          `only a payment priced in the merchant's settlement currency (${merchant.settlementCurrency}) can be offered in another`,
        );
      const client = scaledOf(quote.rate);
      if (isFailure(client)) return client;
      if (
        quote.buy.currency !== payment.currency ||
        quote.sell.minor !== sellFor({ minor: payment.amount, currency: payment.currency }, quote.sell.currency, client)
      ) {
        return fail(FxError.QuoteMismatch, `quote ${quote.id} is not for ${payment.currency} ${payment.amount}`);
      }
      await trx
        .insertInto('payment_fx')
        .values({
          payment_id: paymentId,
          merchant_id: merchantId,
          presentment_currency: quote.sell.currency,
          presentment_amount: quote.sell.minor,
          settlement_currency: payment.currency,
          quote_id: quote.id,
          mid_rate: null,
          rate: null,
          markup_bps: null,
          rate_as_of: null,
          locked_at: null,
          captured_presentment: 0n,
          settlement_amount: 0n,
          mid_amount: 0n,
          margin: 0n,
          refunded_presentment: 0n,
          refunded_settlement: 0n,
          refunded_mid: 0n,
          captured_at: null,
          import_order: 0n,
          customer_id: payment.customer_id,
          payer_name: null,
          payer_id_type: null,
          payer_id_hint: null,
          person_key: null,
          amount_cny: null,
          limit_year: null,
          refunded_cny: 0n,
          created_at: at,
          updated_at: at,
        })
        .execute();
      const price = `${payment.currency} ${formatDecimal({ minor: payment.amount, currency: payment.currency })}`;
      // Values only: payments writes its own columns, timeline and event.
      return {
        amount: quote.sell,
        settlementCurrency: payment.currency,
        quoteId: quote.id,
        reason: `the shopper pays ${quote.sell.currency} ${formatDecimal(quote.sell)} for ${price} (quote ${quote.id})`,
      };
    };
  };

  /**
   * An amount held in one currency, converted now into another at the merchant's rate (mid less its
   * markup): what an escrow release credits (docs/escrow.md "Conversion at release"). Values only:
   * the caller posts them (position, margin) in its own unit.
   */
  async function convertNow(
    merchantId: string,
    amount: Amount,
    to: string,
  ): Promise<{ currency: string; midMinor: bigint; merchantMinor: bigint; rate: string } | FxFailure> {
    const r = await ratesFor(store.reader, merchantId, amount.currency, to);
    if (isFailure(r)) return r;
    const converted = convertWithMargin(amount, to, r.mid, r.client);
    if (converted.merchantMinor <= 0n)
      return fail(FxError.AmountTooSmall, `${amount.currency} ${amount.minor} minor units convert to less than one minor unit of ${to}`);
    if (converted.midMinor > amountMinorMax) return fail('amount_too_large', `the amount converts to more than ${amountMinorMax} of ${to}`);
    return { currency: to, midMinor: converted.midMinor, merchantMinor: converted.merchantMinor, rate: formatScaled(r.client) };
  }

  return {
    settings,
    rates,
    loadEcbXml,
    convertNow,
    presentmentOptions,
    loadCsv,
    fetchFeed,
    startPolling,
    stopPolling,
    setMarkup,
    markupOf,
    createQuote,
    getQuote: (merchantId: string, id: string) => getQuote(store.reader, merchantId, id),
    allowanceOf,
    records,
    port,
  };
}

export type Fx = ReturnType<typeof createFx>;

const csvColumns = [
  'captured_at',
  'payment_id',
  'merchant_id',
  'merchant_name',
  'merchant_country',
  'direction',
  'payer_customer',
  'payer_name',
  'payer_id_type',
  'payer_id_masked',
  'presentment_currency',
  'presentment_amount',
  'settlement_currency',
  'settlement_amount',
  'rate',
  'mid_rate',
  'fx_margin',
  'refunded_presentment',
  'refunded_settlement',
  'amount_cny',
  'quote_id',
];

function csvCell(value: string | null): string {
  if (value === null) return '';
  // Quote what needs it; a leading formula character is neutralised for spreadsheets.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The cross-border records as CSV (RFC 4180), amounts as decimals in their currency. */
export function recordsCsv(records: readonly CrossBorderRecord[]): string {
  const decimal = (minor: bigint, currency: string) =>
    findCurrency(currency) === undefined ? minor.toString() : formatDecimal({ minor, currency });
  const lines = [csvColumns.join(',')];
  for (const r of records) {
    lines.push(
      [
        r.capturedAt,
        r.paymentId,
        r.merchantId,
        r.merchantName,
        r.merchantCountry,
        r.direction,
        r.payer.customerId,
        r.payer.name,
        r.payer.idType,
        r.payer.idNumberMasked,
        r.presentment.currency,
        decimal(r.presentment.minor, r.presentment.currency),
        r.settlement.currency,
        decimal(r.settlement.minor, r.settlement.currency),
        r.rate,
        r.midRate,
        decimal(r.marginMinor, r.settlement.currency),
        decimal(r.refundedPresentmentMinor, r.presentment.currency),
        decimal(r.refundedSettlementMinor, r.settlement.currency),
        r.amountCnyMinor === null ? null : decimal(r.amountCnyMinor, 'CNY'),
        r.quoteId,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
