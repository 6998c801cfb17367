import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/**
 * The switch's durable memory: an append-only journal of JSON lines, `{ "table": …, "key": …,
 * "value": … }`, one per change, the latest line of a key winning on replay. A restart (or a
 * kill -9) of the switch reads it back whole, so no booking, balance, issued code or till charge is
 * lost. Without a path the switch keeps everything in memory only (unit tests).
 */
export interface Journal {
  write(table: string, key: string, value: unknown): void;
  /** Every table's latest values, in first-written order. */
  replay(): Map<string, Map<string, unknown>>;
}

const replacer = (_key: string, value: unknown) => (typeof value === 'bigint' ? { $bigint: value.toString() } : value);
const reviver = (_key: string, value: unknown) =>
  typeof value === 'object' && value !== null && '$bigint' in value ? BigInt((value as { $bigint: string }).$bigint) : value;

export function openJournal(path: string | undefined): Journal {
  return {
    write(table, key, value) {
      if (path !== undefined) appendFileSync(path, `${JSON.stringify({ table, key, value }, replacer)}\n`);
    },
    replay() {
      const tables = new Map<string, Map<string, unknown>>();
      if (path === undefined || !existsSync(path)) return tables;
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        let record: { table: string; key: string; value: unknown };
        try {
          record = JSON.parse(line, reviver) as typeof record;
        } catch {
          continue; // a line torn by a crash mid-write: everything before it stands
        }
        const table = tables.get(record.table) ?? new Map<string, unknown>();
        table.set(record.key, record.value);
        tables.set(record.table, table);
      }
      return tables;
    },
  };
}
