import type { Db } from './db.js';

export type CursorsRepo = ReturnType<typeof createCursorsRepo>;

/** Named numeric cursors (reconciliation's high-water mark …). */
export function createCursorsRepo(db: Db) {
  const get = db.prepare<[string], { value: number }>('SELECT value FROM sync_cursors WHERE name = ?');
  const set = db.prepare('INSERT INTO sync_cursors (name, value, updated_at) VALUES (@name, @value, @now) ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
  return {
    get: (name: string): number | undefined => get.get(name)?.value,
    set: (name: string, value: number, now: Date) => void set.run({ name, value, now: now.getTime() }),
  };
}
