import { expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { useTestApp } from '../support/app.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { describeEachStore } from '../support/stores.js';
import { installRecorder, record, type Recorded } from './profile.js';

/**
 * The card path, profiled and held to the shape docs/scaling.md promises (issue 18 §1, §4).
 *
 * 1. Profile: statements, round trips, writer transactions and writer units per card payment
 *    (create + confirm over ISO 8583), printed for docs/benchmarks.md.
 * 2. No writer unit on the payment path touches two merchants: each unit could run on the one shard
 *    that holds its merchant in a deployment distributed by merchant (Citus).
 * 3. Every statement is keyed by merchant, or its table is in `notYetKeyed` below with what it needs.
 *    A new statement that is not keyed fails this test: fix it, or list it here and in docs/scaling.md.
 */

/**
 * Tables whose card-path statements do not yet name the merchant (a distributed engine would send
 * them to every shard, or needs the table co-located by another key). Keep in step with docs/scaling.md.
 */
const notYetKeyed: Record<string, string> = {
  payments: 'read and claimed by id alone; the caller knows the merchant, the statement should say merchant_id too',
  payment_transitions: 'keyed by payment_id; co-locate by carrying merchant_id',
  payment_attempts: 'keyed by attempt id / payment_id; co-locate by carrying merchant_id',
  payment_fx: 'keyed by payment_id',
  ledger_accounts: 'by account id; merchant accounts would shard with their merchant, platform-wide accounts must be split per shard',
  ledger_entries: 'by entry id (derived from the business object); shard with the entry’s merchant',
  ledger_postings: 'by entry id',
  ledger_holds: 'by entry id (PostgreSQL writes it in the posting statement)',
  risk_velocity:
    'fraud velocity counts per card, customer, IP or email across merchants on purpose: distributed by the counted value, a key of its own',
};

const transactionControl = /^(begin|commit|rollback|savepoint|release)\b/i;

/** Reference tables: small, written by operators, copied to every node in a distributed layout. */
const reference: Record<string, string> = {
  risk_list_items: 'block and allow lists (card fingerprints, emails, IPs)',
  risk_rules: 'the fraud rules',
};

/** Background sweeps that scan across merchants on purpose (a multi-shard query off the payment path). */
const background: Record<string, string> = {
  webhook_deliveries: 'the delivery worker polls due deliveries of every merchant',
};

function tablesOf(text: string): string[] {
  const names = new Set([...text.matchAll(/\b([a-z_]+)\s*(?:\([^)]*\))?\s+as\s*\(/gi)].map((m) => m[1]!.toLowerCase()));
  const tables = new Set<string>();
  for (const match of text.matchAll(/\b(?:from|into|update|join)\s+"?([a-z_]+)"?/gi)) {
    const table = match[1]!.toLowerCase();
    // `on conflict … do update set`: not a table.
    if (!names.has(table) && table !== 'set') tables.add(table);
  }
  return [...tables];
}

function isKeyedByMerchant(text: string): boolean {
  const flat = text.replace(/\s+/g, ' ');
  if (/"?merchant_id"?\s*=\s*(\$\d+|\?)/i.test(flat)) return true;
  // The merchants table is keyed by the merchant's own id.
  if (/^select .* from "?merchants"? where "?id"?\s*=/i.test(flat)) return true;
  // An insert that names the merchant lands on its shard.
  const insert = /^insert into "?[a-z_]+"?\s*\(([^)]*)\)/i.exec(flat);
  return insert !== null && /\bmerchant_id\b/.test(insert[1]!);
}

interface Unit {
  statements: Recorded[];
}

/** Splits the recording into writer units (SAVEPOINT unit … up to the next unit or the end of the transaction), per connection. */
function unitsOf(statements: readonly Recorded[]): Unit[] {
  const open = new Map<number, Unit>();
  const units: Unit[] = [];
  for (const statement of statements) {
    const text = statement.text.trim().toLowerCase();
    if (text.startsWith('savepoint unit')) {
      const unit = { statements: [] };
      units.push(unit);
      open.set(statement.connection, unit);
    } else if (/^(commit|rollback)\b/.test(text) || text.startsWith('begin')) {
      open.delete(statement.connection);
    } else if (!transactionControl.test(text)) {
      open.get(statement.connection)?.statements.push(statement);
    }
  }
  return units;
}

const merchantIdPattern = /^mer_[0-9A-Z]{26}$/;

describeEachStore('the card path: profile and shard-readiness', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });
  installRecorder();

  it('keeps every writer unit to one merchant and every statement keyed by merchant or listed', async () => {
    const merchants = [await t.makeMerchant(), await t.makeMerchant(), await t.makeMerchant()];
    const pan = testCardFor('visa', 'approved').pan;
    let order = 0;
    const pay = async (key: string) => {
      const created = await t.request('POST', '/v1/payments', {
        key,
        body: { amount: 4_200, currency: 'USD', merchant_order_id: `p-${++order}` },
      });
      expect(created.status).toBe(201);
      const confirmed = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
        key,
        body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
      });
      expect(confirmed.body.status).toBe('succeeded');
    };
    // Warm up: each merchant's ledger accounts exist, statements are prepared.
    for (const m of merchants) await pay(m.key);

    const perMerchant = 12;
    const payments = merchants.length * perMerchant;
    const recorded = await record(async () => {
      // Three merchants paying at once, so group commit mixes their units in shared transactions.
      await Promise.all(
        merchants.map(async (m) => {
          for (let i = 0; i < perMerchant; i++) await pay(m.key);
        }),
      );
    });

    const units = unitsOf(recorded);
    // A background sweep's statement reads a background table; the outbox's PostgreSQL statement also
    // writes webhook_deliveries (inside the unit, keyed by merchant) and counts as the path's.
    const isBackground = (text: string) => /^\s*select\b/i.test(text) && tablesOf(text).some((table) => background[table] !== undefined);
    const data = recorded.filter((s) => !transactionControl.test(s.text.trim()) && !isBackground(s.text));
    const transactions = recorded.filter((s) => /^begin\b/i.test(s.text.trim())).length;
    const perPayment = (n: number) => (n / payments).toFixed(1);
    console.log(
      `[card path ${dialect}] ${payments} payments: ${perPayment(recorded.length)} round trips, ` +
        `${perPayment(data.length)} data statements, ${perPayment(units.length)} writer units, ` +
        `${perPayment(transactions)} writer transactions (group commit shares them) per payment`,
    );

    // 2. One merchant per writer unit.
    for (const unit of units) {
      const seen = new Set(
        unit.statements.flatMap((s) => s.values.filter((v): v is string => typeof v === 'string' && merchantIdPattern.test(v))),
      );
      expect([...seen].length, unit.statements.map((s) => s.text.slice(0, 80)).join('\n')).toBeLessThanOrEqual(1);
    }

    // 3. Keyed by merchant, or a listed table.
    const unlisted = new Map<string, string>();
    const tableCounts = new Map<string, { keyed: number; notKeyed: number }>();
    for (const statement of data) {
      const keyed = isKeyedByMerchant(statement.text);
      for (const table of tablesOf(statement.text)) {
        const counts = tableCounts.get(table) ?? { keyed: 0, notKeyed: 0 };
        if (keyed) counts.keyed++;
        else counts.notKeyed++;
        tableCounts.set(table, counts);
        if (!keyed && notYetKeyed[table] === undefined && reference[table] === undefined)
          unlisted.set(table, statement.text.replace(/\s+/g, ' ').slice(0, 160));
      }
    }
    console.log(
      `[card path ${dialect}] statements per table (keyed by merchant / not): ` +
        [...tableCounts].map(([table, c]) => `${table} ${perPayment(c.keyed)}/${perPayment(c.notKeyed)}`).join(', '),
    );
    expect(Object.fromEntries(unlisted)).toEqual({});
    // A listed table that the path now reads only keyed by merchant has been fixed: take it off the list.
    const stale = Object.keys(notYetKeyed).filter((table) => {
      const counts = tableCounts.get(table);
      return counts !== undefined && counts.notKeyed === 0;
    });
    expect(stale).toEqual([]);
  }, 120_000);
});
