import { PGlite } from '@electric-sql/pglite';
import { STORE_TABLES } from '../../src/store/copy-store.js';
import { openDb } from '../../src/store/db.js';
import type { Sql } from '../../src/store/sql/sql.js';
import { createPostgresStore, createStore, type PostgresStore, type Store } from '../../src/store/store.js';
import { createDatabase, type PostgresServer, postgresBinaries, startPostgres } from './postgres-server.js';
import { tempDbPath } from './temp-db.js';

/**
 * The store engines a contract runs against: SQLite in memory; PostgreSQL embedded (PGlite, so a fresh
 * clone needs nothing else); and a real PostgreSQL server — the one `LJ_TEST_POSTGRES_URL` names, else
 * a throwaway cluster from Debian's `postgresql` binaries when installed (.ci/run installs them).
 * `open()` once per file, `reset()` before each test (every table emptied, ids restarted).
 */
/** A store with its executor, for tests that look at the tables themselves. */
export type TestStore = Store & { readonly sql: Sql };

export interface StoreEngine {
  name: 'sqlite' | 'pglite' | 'postgres';
  open(): Promise<TestStore>;
  reset(): Promise<TestStore>;
  close(): Promise<void>;
  /** a real server's database: its URL (another instance connects to it); undefined for the embedded engines */
  url?(): string | undefined;
}

function postgresEngine(name: 'pglite' | 'postgres', connect: () => Promise<PostgresStore>, after?: () => Promise<void>): StoreEngine {
  let store: PostgresStore | undefined;
  const open = async () => {
    store ??= await connect();
    return store;
  };
  return {
    name,
    open,
    async reset() {
      const s = await open();
      await s.sql.exec(`TRUNCATE ${STORE_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
      return s;
    },
    async close() {
      await store?.close();
      store = undefined;
      await after?.();
    },
  };
}

export function sqliteEngine(): StoreEngine {
  let store: TestStore | undefined;
  return {
    name: 'sqlite',
    async open() {
      store ??= createStore(openDb(':memory:'));
      return store;
    },
    async reset() {
      await store?.close();
      store = createStore(openDb(':memory:'));
      return store;
    },
    async close() {
      await store?.close();
      store = undefined;
    },
  };
}

export function pgliteEngine(): StoreEngine {
  return postgresEngine('pglite', async () => createPostgresStore(await PGlite.create()));
}

/**
 * A database of its own on a real server: the one `LJ_TEST_POSTGRES_URL` names, else a throwaway
 * cluster (stopped by `close`).
 */
export async function postgresDatabase(): Promise<{ url: string; close(): Promise<void> }> {
  let server: PostgresServer | undefined;
  let base = process.env.LJ_TEST_POSTGRES_URL;
  if (!base) {
    server = await startPostgres();
    if (!server) throw new Error('no PostgreSQL server binaries (apt-get install postgresql) and no LJ_TEST_POSTGRES_URL');
    base = server.url;
  }
  return { url: await createDatabase(base), close: async () => server?.stop() };
}

/** A real server's store (a database of its own). */
export function serverEngine(): StoreEngine {
  let db: Awaited<ReturnType<typeof postgresDatabase>> | undefined;
  const engine = postgresEngine(
    'postgres',
    async () => {
      db = await postgresDatabase();
      return createPostgresStore(db.url, { max: 4 });
    },
    async () => db?.close(),
  );
  return { ...engine, url: () => db?.url };
}

/** Whether a real server can be had here (a URL given, or the binaries installed). */
export const realPostgresAvailable = (): boolean => Boolean(process.env.LJ_TEST_POSTGRES_URL) || postgresBinaries() !== undefined;

/**
 * The databases a whole-server test runs on, as the environment that chooses each: a temporary SQLite
 * file, and a database on a real PostgreSQL when one can be had. What they leave behind goes to `cleanups`.
 */
export function databaseEnvs(cleanups: Array<() => unknown>): Array<{ name: string; env: () => Promise<Record<string, string>> }> {
  return [
    {
      name: 'SQLite',
      env: async () => {
        const t = tempDbPath();
        cleanups.push(t.remove);
        return { DATABASE_PATH: t.path };
      },
    },
    ...(realPostgresAvailable()
      ? [
          {
            name: 'PostgreSQL',
            env: async () => {
              const db = await postgresDatabase();
              cleanups.push(db.close);
              return { DATABASE_URL: db.url };
            },
          },
        ]
      : []),
  ];
}
