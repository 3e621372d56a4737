import { openDb } from '../../src/store/db.js';
import { createPostgresStore, createStore } from '../../src/store/store.js';
import { pgliteEngine, serverEngine, type TestStore } from './stores.js';

export type { TestStore } from './stores.js';

/**
 * Which engine the use-case tests run on: `LJ_TEST_STORE` = sqlite (the default), pglite (embedded
 * PostgreSQL; `npm test` runs the store-touching tests on it too, see vitest.config.ts) or postgres (a
 * real server: the cluster vitest's global setup started, or LJ_TEST_POSTGRES_URL; `npm run
 * test:postgres`, which .ci/run runs).
 */
export const TEST_STORE = (process.env.LJ_TEST_STORE ?? 'sqlite') as 'sqlite' | 'pglite' | 'postgres';

if (TEST_STORE === 'postgres' && !process.env.LJ_TEST_POSTGRES_URL) throw new Error('LJ_TEST_STORE=postgres needs LJ_TEST_POSTGRES_URL (npm run test:postgres starts a server and sets it)');
const engine = TEST_STORE === 'pglite' ? pgliteEngine() : TEST_STORE === 'postgres' ? serverEngine() : undefined;

/**
 * A store with empty tables. On SQLite a new in-memory database each time (or the file `dbPath`, for
 * tests that restart the server on the same file); on PostgreSQL one database per test file, emptied
 * at each call (so a file's tests must not hold two of these at once). Its `close()` is kept for the
 * end of the file: the worker process ends with it.
 */
export async function testStore(o: { dbPath?: string } = {}): Promise<TestStore> {
  if (o.dbPath || !engine) return createStore(openDb(o.dbPath ?? ':memory:'));
  return { ...(await engine.reset()), close: async () => undefined };
}

/**
 * The same database as `store`, as a second instance sees it: on a real PostgreSQL server a pool of its
 * own (its transactions really run beside the first one's); on SQLite and PGlite, which one process
 * reaches through one connection, `store` itself (the second instance's use cases still run apart).
 */
export async function twinStore(store: TestStore): Promise<TestStore> {
  const url = engine?.url?.();
  if (TEST_STORE !== 'postgres' || !url) return store;
  return createPostgresStore(url, { max: 4 });
}
