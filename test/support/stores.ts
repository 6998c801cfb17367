import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import type { HutongConfig } from '../../src/config.js';
import type { StoreConfig } from '../../src/store/config.js';

/**
 * Every store suite runs on SQLite and PostgreSQL (DESIGN.md §4). PostgreSQL comes from
 * HUTONG_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres); each suite gets its own database.
 * In CI (CI set) a missing server fails the run; elsewhere that suite is skipped with a message.
 */
export type Dialect = StoreConfig['dialect'];

const adminUrl = process.env.HUTONG_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const wanted = (process.env.HUTONG_TEST_STORES ?? 'sqlite,postgres').split(',').map((s) => s.trim());

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgAvailable = wanted.includes('postgres') ? await postgresReachable() : false;
if (wanted.includes('postgres') && !pgAvailable) {
  const message = `PostgreSQL is not reachable at ${adminUrl}`;
  if (process.env.CI) throw new Error(`${message}: CI must run the PostgreSQL suite`);
  console.warn(`\n*** SKIPPING the PostgreSQL suites: ${message}. Start PostgreSQL or set HUTONG_TEST_STORES=sqlite. ***\n`);
}

export const dialects: Dialect[] = (['sqlite', 'postgres'] as const).filter((d) => wanted.includes(d) && (d === 'sqlite' || pgAvailable));

/** A fresh, empty store for one suite; `drop` removes it. */
export async function freshStore(dialect: Dialect): Promise<{ store: StoreConfig; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'hutong-test-'));
    return { store: { dialect: 'sqlite', path: join(dir, 'hutong.db') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `hutong_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    store: { dialect: 'postgres', url: url.toString() },
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      // Closed pools finish disconnecting asynchronously: wait for them rather than forcing them
      // off (which makes the server send FATAL 57P01 into clients that are still shutting down).
      const attemptsMax = 50;
      for (let attempt = 1; ; attempt++) {
        try {
          await client.query(`drop database if exists ${name}${attempt === attemptsMax ? ' with (force)' : ''}`);
          break;
        } catch (error) {
          if (attempt === attemptsMax) throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      await client.end();
    },
  };
}

export function testConfig(store: StoreConfig): HutongConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    store,
    dataDir: undefined,
    adminKey: undefined,
    logLevel: 'silent',
    publicBaseUrl: 'http://127.0.0.1:4000',
    threeDSecure: { url: undefined, secret: undefined },
    acquirer: { host: undefined, port: 5800, timeoutMs: 400, sandboxAcquirerPort: 0 },
    writer: { batchSizeMax: 128, windowMs: 0, flushesMax: store.dialect === 'postgres' ? 4 : 1 },
    // Test receivers listen on loopback; the operator allow-list lets webhooks reach them.
    webhooks: { allowedHosts: ['127.0.0.1', 'localhost', '::1'] },
  };
}

/** `describe` once per available store. */
export function describeEachStore(name: string, body: (dialect: Dialect) => void): void {
  for (const dialect of dialects) describe(`${name} [${dialect}]`, () => body(dialect));
}
