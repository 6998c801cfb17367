import assert from 'node:assert/strict';
import type { Transaction } from 'kysely';
import type { Clock } from '../core/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import { derivedId, digestOf, newId } from '../core/index.js';
import {
  accountIdFor as accountId,
  balanceOf,
  chart,
  LedgerError,
  type AccountSpec,
  type Balance,
  type Ledger,
  type Posting,
} from '../ledger/index.js';
import { formatDecimal, type Amount } from '../money/index.js';
import type { Parties } from '../parties/index.js';
import type { Store } from '../store/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/index.js';
import type { Database } from '../store/index.js';
import { statement } from '../store/index.js';
import type { Writer } from '../store/index.js';
import { WalletError } from './errors.js';
import type { DebitGuard, DebitKind, RiskError } from '../risk/index.js';

/** A movement of wallet money: a top-up from the bank, a transfer, or a withdrawal to the bank. */
export type MovementType = 'top_up' | 'transfer' | 'withdrawal';
export type MovementStatus = 'pending' | 'succeeded' | 'failed';

export interface Movement {
  readonly id: string;
  readonly merchantId: string;
  readonly type: MovementType;
  /** A customer id, or null when the money came from outside (a top-up). */
  readonly sourceId: string | null;
  /** A customer id or the merchant's own id, or null when the money left (a withdrawal). */
  readonly destinationId: string | null;
  readonly amount: Amount;
  readonly status: MovementStatus;
  readonly description: string | null;
  readonly entryId: string;
  readonly createdAt: string;
}

export interface MovementRequest {
  readonly amount: Amount;
  readonly description?: string;
  readonly idempotencyKey?: string;
}

type WalletFailure = Failure<WalletError | LedgerError | RiskError>;

/** One side of a movement: the account, and whether the movement may open it. */
interface Leg {
  readonly spec: AccountSpec;
  readonly create: boolean;
}

const idPrefix: Record<MovementType, string> = { top_up: 'tu', transfer: 'tr', withdrawal: 'wd' };

const movementColumns = [
  'id',
  'merchant_id',
  'type',
  'source_id',
  'destination_id',
  'currency',
  'amount',
  'status',
  'description',
  'entry_id',
  'request_digest',
  'created_at',
] as const satisfies readonly (keyof Database['wallet_movements'])[];
// A retry finds the row by its id (derived from the Idempotency-Key) instead of inserting twice.
const insertMovementSql = statement(`insert into wallet_movements (${movementColumns.join(', ')})
  values (${movementColumns.map(() => '?').join(', ')}) on conflict (id) do nothing`);

export function createWallets(deps: { store: Store; writer: Writer; ledger: Ledger; parties: Parties; clock: Clock; risk?: DebitGuard }) {
  const { store, writer, ledger, parties, clock } = deps;

  function movementId(type: MovementType, merchantId: string, idempotencyKey: string | undefined): string {
    if (idempotencyKey === undefined) return newId(idPrefix[type], clock.now().getTime());
    return derivedId(idPrefix[type], `${merchantId}/${type}`, idempotencyKey);
  }

  /** The customers must all be this merchant's: one indexed read, whatever their number. */
  async function customersOf(merchantId: string, customerIds: readonly string[]): Promise<WalletFailure | undefined> {
    const missing = await parties.firstMissingCustomer(merchantId, customerIds);
    return missing === undefined ? undefined : fail(WalletError.CustomerNotFound, `no customer ${missing}`);
  }

  const customerOf = (merchantId: string, customerId: string) => customersOf(merchantId, [customerId]);

  /**
   * Records the movement row and its ledger entry in one unit of the group-commit writer. A retry
   * with the same id finds the row and answers with it (or a conflict if the request differs).
   */
  async function move(
    row: Omit<Database['wallet_movements'], 'request_digest' | 'created_at' | 'entry_id' | 'status'>,
    status: MovementStatus,
    kind: 'post' | 'hold',
    from: Leg,
    to: Leg,
  ): Promise<Movement | WalletFailure> {
    const amountMinor = row.amount;
    const legs = [
      { leg: from, amountMinor },
      { leg: to, amountMinor: -amountMinor },
    ];
    const postings = async (trx: Transaction<Database>): Promise<Posting[]> => {
      const out: Posting[] = [];
      for (const { leg, amountMinor: signed } of legs) {
        // A wallet that never received money cannot pay: only receiving legs create accounts.
        const id = leg.create ? await ledger.ensureAccount(trx, leg.spec) : accountId(leg.spec);
        out.push({ accountId: id, currency: leg.spec.currency, amountMinor: signed });
      }
      return out;
    };
    const keys = legs.map(({ leg }) => accountId(leg.spec));
    // A customer paying from its balance is held to its real-name limits (src/risk), in this unit.
    const payer = row.type === 'top_up' || row.source_id === null ? undefined : row.source_id;
    if (payer !== undefined && deps.risk !== undefined) keys.push(...deps.risk.keysOf(payer));
    const requestDigest = digestOf({ ...row, amount: row.amount.toString() });
    return writer.run(
      async (trx) => {
        const full: Database['wallet_movements'] = {
          ...row,
          status,
          entry_id: row.id,
          request_digest: requestDigest,
          created_at: clock.now().toISOString(),
        };
        const inserted = await store.exec(
          trx,
          insertMovementSql,
          movementColumns.map((column) => full[column]),
        );
        if (inserted.changes !== 1n) {
          const existing = await trx.selectFrom('wallet_movements').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
          return existing.request_digest === requestDigest
            ? toMovement(existing)
            : fail(WalletError.IdempotencyConflict, 'this Idempotency-Key was used for a different request');
        }
        if (payer !== undefined && deps.risk !== undefined) {
          const refused = await deps.risk.charge(trx, {
            customerId: payer,
            amount: { minor: row.amount, currency: row.currency },
            kind: row.type as DebitKind,
          });
          if (refused !== undefined) return refused;
        }
        const request = { id: row.id, reason: `wallet.${row.type}`, link: { type: row.type, id: row.id }, postings: await postings(trx) };
        const entry = kind === 'post' ? await ledger.post(trx, request) : await ledger.hold(trx, request);
        if (isFailure(entry)) return explain(entry, row);
        assert.ok(!entry.replayed, `movement ${row.id} was new but its ledger entry existed`);
        return toMovement(full);
      },
      { keys },
    );
  }

  async function topUp(merchantId: string, customerId: string, request: MovementRequest): Promise<Movement | WalletFailure> {
    const missing = await customerOf(merchantId, customerId);
    if (missing !== undefined) return missing;
    const { amount } = request;
    const id = movementId('top_up', merchantId, request.idempotencyKey);
    const row = {
      id,
      merchant_id: merchantId,
      type: 'top_up',
      source_id: null,
      destination_id: customerId,
      currency: amount.currency,
      amount: amount.minor,
      description: request.description ?? null,
    };
    return move(
      row,
      'succeeded',
      'post',
      { spec: chart.reserveBank(amount.currency), create: true },
      { spec: chart.customerWallet(customerId, amount.currency), create: true },
    );
  }

  /** Customer to customer, or customer to the merchant's own balance; never across merchants. */
  async function transfer(
    merchantId: string,
    request: MovementRequest & { sourceId: string; destinationId: string },
  ): Promise<Movement | WalletFailure> {
    if (request.sourceId === request.destinationId) return fail(WalletError.TransferInvalid, 'source and destination are the same');
    const toMerchant = request.destinationId === merchantId;
    const missing = await customersOf(merchantId, toMerchant ? [request.sourceId] : [request.sourceId, request.destinationId]);
    if (missing !== undefined) return missing;
    const { amount } = request;
    const id = movementId('transfer', merchantId, request.idempotencyKey);
    const row = {
      id,
      merchant_id: merchantId,
      type: 'transfer',
      source_id: request.sourceId,
      destination_id: request.destinationId,
      currency: amount.currency,
      amount: amount.minor,
      description: request.description ?? null,
    };
    const destination = toMerchant
      ? chart.merchantAvailable(merchantId, amount.currency)
      : chart.customerWallet(request.destinationId, amount.currency);
    return move(
      row,
      'succeeded',
      'post',
      { spec: chart.customerWallet(request.sourceId, amount.currency), create: false },
      { spec: destination, create: true },
    );
  }

  /**
   * A withdrawal reserves the money first (a pending hold), then the bank executes the payout and the
   * hold is posted — or voided if the bank refuses. The sandbox bank accepts at once; the settlement
   * bank connector will make the second step asynchronous.
   */
  async function withdraw(merchantId: string, customerId: string, request: MovementRequest): Promise<Movement | WalletFailure> {
    const missing = await customerOf(merchantId, customerId);
    if (missing !== undefined) return missing;
    const { amount } = request;
    const id = movementId('withdrawal', merchantId, request.idempotencyKey);
    const row = {
      id,
      merchant_id: merchantId,
      type: 'withdrawal',
      source_id: customerId,
      destination_id: null,
      currency: amount.currency,
      amount: amount.minor,
      description: request.description ?? null,
    };
    const held = await move(
      row,
      'pending',
      'hold',
      { spec: chart.customerWallet(customerId, amount.currency), create: false },
      { spec: chart.reserveBank(amount.currency), create: true },
    );
    if (isFailure(held) || held.status !== 'pending') return held;
    return completeWithdrawal(held, true);
  }

  async function completeWithdrawal(movement: Movement, accepted: boolean): Promise<Movement | WalletFailure> {
    const { currency } = movement.amount;
    const keys = [accountId(chart.customerWallet(movement.sourceId as string, currency)), accountId(chart.reserveBank(currency))];
    return writer.run(
      async (trx) => {
        const resolution = { id: `${movement.id}:${accepted ? 'post' : 'void'}`, pendingId: movement.entryId };
        const entry = accepted ? await ledger.postPending(trx, resolution) : await ledger.voidPending(trx, resolution);
        if (isFailure(entry)) return entry;
        await trx
          .updateTable('wallet_movements')
          .set({ status: accepted ? 'succeeded' : 'failed' })
          .where('id', '=', movement.id)
          .where('status', '=', 'pending')
          .execute();
        return toMovement(await trx.selectFrom('wallet_movements').selectAll().where('id', '=', movement.id).executeTakeFirstOrThrow());
      },
      { keys },
    );
  }

  async function customerBalances(merchantId: string, customerId: string): Promise<Balance[] | WalletFailure> {
    const missing = await customerOf(merchantId, customerId);
    if (missing !== undefined) return missing;
    return (await ledger.listAccounts(store.reader, { ownerType: 'customer', ownerId: customerId }))
      .filter((a) => a.code === 'wallet')
      .map(balanceOf);
  }

  async function merchantBalances(merchantId: string): Promise<Balance[]> {
    return (await ledger.listAccounts(store.reader, { ownerType: 'merchant', ownerId: merchantId }))
      .filter((a) => a.code === 'available')
      .map(balanceOf);
  }

  /** Every account the merchant owns (available, pending settlement, escrow, reserve, payout), with its code. */
  async function merchantAccountBalances(merchantId: string): Promise<(Balance & { code: string })[]> {
    return (await ledger.listAccounts(store.reader, { ownerType: 'merchant', ownerId: merchantId })).map((a) => ({
      ...balanceOf(a),
      code: a.code,
    }));
  }

  async function getMovement(merchantId: string, id: string): Promise<Movement | WalletFailure> {
    const row = await store.reader
      .selectFrom('wallet_movements')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row === undefined ? fail(WalletError.MovementNotFound, `no transfer ${id}`) : toMovement(row);
  }

  async function listMovements(
    merchantId: string,
    request: PageRequest & { customerId?: string },
  ): Promise<Page<Movement> | Failure<'cursor_invalid'>> {
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && after === undefined) return fail('cursor_invalid', 'the cursor was not issued by this API');
    const limit = pageLimit(request);
    let query = store.reader.selectFrom('wallet_movements').selectAll().where('merchant_id', '=', merchantId);
    const { customerId } = request;
    if (customerId !== undefined)
      query = query.where((eb) => eb.or([eb('source_id', '=', customerId), eb('destination_id', '=', customerId)]));
    return toPage(await pageQuery(query, after, limit).execute(), limit, toMovement);
  }

  return { topUp, transfer, withdraw, customerBalances, merchantBalances, merchantAccountBalances, getMovement, listMovements };
}

export type Wallets = ReturnType<typeof createWallets>;

/** Says which wallet is short, in the caller's terms rather than ledger account ids. */
function explain(failure: Failure<LedgerError>, row: { source_id: string | null; currency: string; amount: bigint }): WalletFailure {
  if (failure.failure !== LedgerError.AccountNotFound && failure.failure !== LedgerError.InsufficientFunds) return failure;
  const wanted = formatDecimal({ minor: row.amount, currency: row.currency });
  return fail(WalletError.InsufficientFunds, `${row.source_id ?? 'the source'} has less than ${wanted} ${row.currency} available`);
}

function toMovement(row: Database['wallet_movements']): Movement {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    type: row.type as MovementType,
    sourceId: row.source_id,
    destinationId: row.destination_id,
    amount: { minor: row.amount, currency: row.currency },
    status: row.status as MovementStatus,
    description: row.description,
    entryId: row.entry_id,
    createdAt: row.created_at,
  };
}
