/**
 * What one benchmark run does, fixed up front so the JSON report can record it beside the figures.
 * `--quick` shortens every measurement for a smoke check; the shapes of the work stay the same.
 */
export interface BenchSettings {
  readonly quick: boolean;
  /** Length of each measured interval. */
  readonly measureMs: number;
  /** Unmeasured run before each measurement: JIT, statement caches and the page cache warm up. */
  readonly warmupMs: number;
  readonly currency: string;
  readonly customersCount: number;
  /** Each customer's opening balance: far more than the transfers of one run can drain. */
  readonly topUpMinor: bigint;
  /** Transfers move 1..transferMinorMax minor units, so funds last through every phase. */
  readonly transferMinorMax: number;
  /** Service-layer transfers in flight at once (closed loop). */
  readonly ledgerInFlightMax: number;
  /** Seeding concurrency: enough to batch, low enough to keep seeding out of the largest-batch figure. */
  readonly seedInFlightMax: number;
  readonly httpConnections: number;
  /** Distinct pre-built request bodies the HTTP client picks from at random (keeps client work cheap). */
  readonly httpBodiesCount: number;
  /** Virtual shoppers paying by card at once (closed loop), each on its own keep-alive connection. */
  readonly cardShoppers: number;
  /** The expiry sent with the test cards (docs/test-cards.md: any future date). */
  readonly cardExpiry: { readonly month: number; readonly year: number };
  readonly pgbench: { readonly scale: number; readonly clients: number; readonly threads: number };
  /** Connections of the raw `pg` baseline, used when pgbench is not on PATH. */
  readonly rawPostgresConnections: number;
}

export function benchSettings(quick: boolean): BenchSettings {
  return {
    quick,
    measureMs: quick ? 2_000 : 10_000,
    warmupMs: quick ? 500 : 1_000,
    currency: 'CNY',
    customersCount: 1_000,
    topUpMinor: 100_000_000n,
    transferMinorMax: 100,
    ledgerInFlightMax: 256,
    seedInFlightMax: 32,
    httpConnections: 64,
    httpBodiesCount: 10_000,
    cardShoppers: 64,
    cardExpiry: { month: 12, year: 2030 },
    pgbench: { scale: 10, clients: 8, threads: 2 },
    rawPostgresConnections: 8,
  };
}
