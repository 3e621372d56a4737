import type { Sql } from './sql/sql.js';

export type CursorsRepo = ReturnType<typeof createCursorsRepo>;

/** Named numeric cursors (reconciliation's high-water mark …). */
export function createCursorsRepo(sql: Sql) {
  return {
    get: async (name: string): Promise<number | undefined> => (await sql.get<{ value: number }>('SELECT value FROM sync_cursors WHERE name = ?', [name]))?.value,
    set: async (name: string, value: number, now: Date): Promise<void> =>
      void (await sql.run('INSERT INTO sync_cursors (name, value, updated_at) VALUES (@name, @value, @now) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', {
        name,
        value,
        now: now.getTime(),
      })),
  };
}
