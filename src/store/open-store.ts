import { rmSync } from 'node:fs';
import type { Secret } from '../lib/secret.js';
import { openDb } from './db.js';
import { createPostgresStore, createStore, type Store } from './store.js';

export interface StoreChoice {
  /** the SQLite file (DATABASE_PATH, or DATABASE_URL given as a path) */
  databasePath: string;
  /** DATABASE_URL=postgres://…: PostgreSQL instead */
  databaseUrl?: Secret;
  /** empty the SQLite file first (the sandbox's own database) */
  fresh?: boolean;
}

/** Where the store is, for logs: the file, or the server without its password. */
export function describeStore(c: StoreChoice): string {
  if (!c.databaseUrl) return c.databasePath;
  const u = new URL(c.databaseUrl.reveal());
  return `postgres://${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
}

/** The store the configuration chose, opened and migrated: SQLite by default, PostgreSQL with DATABASE_URL. */
export async function openStore(c: StoreChoice, o: { onMigrated?: (applied: number[]) => void } = {}): Promise<Store> {
  if (c.databaseUrl) return createPostgresStore(c.databaseUrl.reveal(), o);
  if (c.fresh) for (const suffix of ['', '-wal', '-shm']) rmSync(`${c.databasePath}${suffix}`, { force: true });
  return createStore(openDb(c.databasePath, o));
}
