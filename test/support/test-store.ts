import { PGlite } from '@electric-sql/pglite';
import { openDb } from '../../src/store/db.js';
import type { Sql } from '../../src/store/sql/sql.js';
import { createPostgresStore, createStore, type PostgresStore, type Store } from '../../src/store/store.js';
import { createDatabase } from './postgres-server.js';
import { STORE_TABLES } from './stores.js';

/** A store for a use-case test, with its executor for tests that look at the tables themselves. */
export type TestStore = Store & { readonly sql: Sql };

/**
 * Which engine the use-case tests run on: `LJ_TEST_STORE` = sqlite (the default), pglite (embedded
 * PostgreSQL; `npm test` runs the store-touching tests on it too, see vitest.config.ts) or postgres (a
 * real server: the cluster vitest's global setup started, or LJ_TEST_POSTGRES_URL; `npm run
 * test:postgres`, which .ci/run runs).
 */
export const TEST_STORE = (process.env.LJ_TEST_STORE ?? 'sqlite') as 'sqlite' | 'pglite' | 'postgres';

let shared: Promise<PostgresStore> | undefined;

async function openShared(): Promise<PostgresStore> {
  if (TEST_STORE === 'pglite') return createPostgresStore(await PGlite.create());
  const url = process.env.LJ_TEST_POSTGRES_URL;
  if (!url) throw new Error('LJ_TEST_STORE=postgres needs LJ_TEST_POSTGRES_URL (npm run test:postgres starts a server and sets it)');
  return createPostgresStore(await createDatabase(url), { max: 4 });
}

/**
 * A store with empty tables. On SQLite a new in-memory database each time (or the file `dbPath`, for
 * tests that restart the server on the same file); on PostgreSQL one database per test file, emptied
 * at each call (so a file's tests must not hold two of these at once). Its `close()` is kept for the
 * end of the file: the worker process ends with it.
 */
export async function testStore(o: { dbPath?: string } = {}): Promise<TestStore> {
  if (o.dbPath || TEST_STORE === 'sqlite') return createStore(openDb(o.dbPath ?? ':memory:'));
  shared ??= openShared();
  const s = await shared;
  await s.sql.exec(`TRUNCATE ${STORE_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
  return { ...s, close: async () => undefined };
}
