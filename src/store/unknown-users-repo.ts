import type { Sql } from './sql/sql.js';

/** Open ids Feishu refused in a card (migration 010), for the doctor. */
export interface UnknownUser {
  openId: string;
  name: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  times: number;
}

export type UnknownUsersRepo = ReturnType<typeof createUnknownUsersRepo>;

export function createUnknownUsersRepo(sql: Sql) {
  return {
    /** Note a refused id; true the first time it is seen (say it once). */
    record: (openId: string, name: string | undefined, now: Date): Promise<boolean> =>
      sql.transaction(async () => {
        const first = (await sql.get('SELECT 1 AS one FROM unknown_users WHERE open_id = ?', [openId])) === undefined;
        await sql.run(
          `INSERT INTO unknown_users (open_id, name, first_seen_at, last_seen_at) VALUES (@openId, @name, @now, @now)
           ON CONFLICT (open_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, times = unknown_users.times + 1, name = COALESCE(excluded.name, unknown_users.name)`,
          { openId, name: name ?? null, now: now.getTime() },
        );
        return first;
      }),
    list: async (): Promise<UnknownUser[]> =>
      (await sql.all<{ open_id: string; name: string | null; first_seen_at: number; last_seen_at: number; times: number }>('SELECT * FROM unknown_users ORDER BY first_seen_at, open_id')).map((r) => ({
        openId: r.open_id,
        name: r.name,
        firstSeenAt: new Date(r.first_seen_at),
        lastSeenAt: new Date(r.last_seen_at),
        times: r.times,
      })),
  };
}
