import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration, migrationsAfter } from './migrations/index.js';

export type Db = Database.Database;

export const BUSY_TIMEOUT_MS = 5000;

/**
 * Open (creating if needed) the SQLite database with the durability settings this product relies on —
 * WAL, synchronous=FULL (a committed decision survives power loss), busy_timeout, foreign keys — and
 * apply pending migrations.
 */
export interface OpenDbOptions {
  migrations?: readonly Migration[];
  /** told which migration versions were applied by this open (empty when up to date) */
  onMigrated?: (applied: number[]) => void;
}

export function openDb(path: string, opts: OpenDbOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('foreign_keys = ON');
  const applied = migrate(db, opts.migrations ?? MIGRATIONS);
  opts.onMigrated?.(applied);
  assertDurability(db, path === ':memory:');
  return db;
}

/** Apply every migration newer than `user_version`, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const applied: number[] = [];
  for (const m of migrationsAfter(current, migrations)) {
    // foreign_keys cannot change inside a transaction: off around a table rebuild, checked before commit
    const fk = db.pragma('foreign_keys', { simple: true }) as number;
    if (m.rebuildsTables) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(m.sql);
        if (m.rebuildsTables) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length) throw new Error(`migration ${m.name}: ${broken.length} rows would break a foreign key`);
        }
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    } finally {
      if (m.rebuildsTables) db.pragma(`foreign_keys = ${fk ? 'ON' : 'OFF'}`);
    }
    applied.push(m.version);
  }
  return applied;
}

/** Startup check (docs/reliability.md#3-sqlite-durability): fail if durability settings are not what we rely on. */
export function assertDurability(db: Db, inMemory = false): void {
  const journal = db.pragma('journal_mode', { simple: true });
  const sync = db.pragma('synchronous', { simple: true });
  const busy = db.pragma('busy_timeout', { simple: true }) as number;
  const fk = db.pragma('foreign_keys', { simple: true });
  const problems: string[] = [];
  if (!inMemory && journal !== 'wal') problems.push(`journal_mode=${String(journal)} (want wal)`);
  if (sync !== 2) problems.push(`synchronous=${String(sync)} (want 2 = FULL)`);
  if (busy < BUSY_TIMEOUT_MS) problems.push(`busy_timeout=${busy} (want >= ${BUSY_TIMEOUT_MS})`);
  if (fk !== 1) problems.push('foreign_keys off');
  if (problems.length) throw new Error(`SQLite durability settings wrong: ${problems.join(', ')}`);
}

/** A cheap liveness probe for /healthz. */
export function pingDb(db: Db): { ok: true; schemaVersion: number } | { ok: false; error: string } {
  try {
    db.prepare('SELECT 1').get();
    return { ok: true, schemaVersion: db.pragma('user_version', { simple: true }) as number };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}
