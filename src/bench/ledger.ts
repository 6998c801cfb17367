import type { Hutong } from '../app.js';
import { isFailure } from '../core/index.js';
import { amount, type Amount } from '../money/index.js';
import { LedgerError } from '../ledger/index.js';
import { closedLoop, randomMinor, randomPair, ratePerSec } from './load.js';
import type { LedgerFigures } from './model.js';
import type { Population } from './population.js';
import type { BenchSettings } from './settings.js';
import { snapshot, writerFigures } from './writer-figures.js';

interface Tally {
  succeededCount: number;
  insufficientFundsCount: number;
  otherOutcomes: Record<string, number>;
}

/**
 * Durable wallet transfers through the service layer (`wallets.transfer`), exactly as a route calls
 * it: customer checks, then one group-commit unit that writes the movement and its ledger entry.
 */
export async function benchLedgerService(hutong: Hutong, population: Population, settings: BenchSettings): Promise<LedgerFigures> {
  const amounts = amountsUpTo(settings);
  await closedLoop(settings.ledgerInFlightMax, settings.warmupMs, transferOnce(hutong, population, amounts, newTally()));

  const tally = newTally();
  const before = snapshot(hutong.services.writer.stats);
  const { durationMs } = await closedLoop(settings.ledgerInFlightMax, settings.measureMs, transferOnce(hutong, population, amounts, tally));
  return {
    inFlightMax: settings.ledgerInFlightMax,
    durationMs,
    ...tally,
    ratePerSec: ratePerSec(tally.succeededCount, durationMs),
    writer: writerFigures(before, hutong.services.writer.stats),
  };
}

function transferOnce(hutong: Hutong, population: Population, amounts: readonly Amount[], tally: Tally): () => Promise<void> {
  const { wallets } = hutong.services;
  const { merchantId, customerIds } = population;
  return async () => {
    const [source, destination] = randomPair(customerIds.length);
    const request = {
      sourceId: customerIds[source] as string,
      destinationId: customerIds[destination] as string,
      amount: amounts[randomMinor(amounts.length) - 1] as Amount,
    };
    try {
      const movement = await wallets.transfer(merchantId, request);
      if (!isFailure(movement)) tally.succeededCount++;
      // The wallet and ledger modules share the code 'insufficient_funds'.
      else if (movement.failure === LedgerError.InsufficientFunds) tally.insufficientFundsCount++;
      else count(tally, movement.failure);
    } catch (error) {
      count(tally, error instanceof Error ? error.name : 'unknown error');
    }
  };
}

/** Amounts of 1..max minor units, built once so the loop measures the service, not `amount()`. */
function amountsUpTo(settings: BenchSettings): Amount[] {
  return Array.from({ length: settings.transferMinorMax }, (_, i) => amount(BigInt(i + 1), settings.currency));
}

function newTally(): Tally {
  return { succeededCount: 0, insufficientFundsCount: 0, otherOutcomes: {} };
}

function count(tally: Tally, outcome: string): void {
  tally.otherOutcomes[outcome] = (tally.otherOutcomes[outcome] ?? 0) + 1;
}
