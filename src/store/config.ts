import { resolve } from 'node:path';

export type StoreConfig = { readonly dialect: 'sqlite'; readonly path: string } | { readonly dialect: 'postgres'; readonly url: string };

export const defaultDatabaseUrl = 'sqlite:./data/hutong.db';

/** `DATABASE_URL` picks the store: `postgres://…` (or `postgresql://…`) or `sqlite:PATH` (`sqlite::memory:` for tests). */
export function parseDatabaseUrl(url: string = defaultDatabaseUrl): StoreConfig {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', url };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new Error('DATABASE_URL sqlite: needs a path, e.g. sqlite:./data/hutong.db');
    return { dialect: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  throw new Error(`DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got ${JSON.stringify(url.slice(0, 20))})`);
}
