import type { Db } from './db.js';

/** Open ids Feishu refused in a card (migration 010), for the doctor. */
export interface UnknownUser {
  openId: string;
  name: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  times: number;
}

export type UnknownUsersRepo = ReturnType<typeof createUnknownUsersRepo>;

export function createUnknownUsersRepo(db: Db) {
  const has = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM unknown_users WHERE open_id = ?');
  const upsert = db.prepare(
    `INSERT INTO unknown_users (open_id, name, first_seen_at, last_seen_at) VALUES (@openId, @name, @now, @now)
     ON CONFLICT(open_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, times = times + 1, name = COALESCE(excluded.name, name)`,
  );
  const all = db.prepare<[], { open_id: string; name: string | null; first_seen_at: number; last_seen_at: number; times: number }>('SELECT * FROM unknown_users ORDER BY first_seen_at, open_id');
  return {
    /** Note a refused id; true the first time it is seen (say it once). */
    record(openId: string, name: string | undefined, now: Date): boolean {
      const first = has.get(openId)!.n === 0;
      upsert.run({ openId, name: name ?? null, now: now.getTime() });
      return first;
    },
    list: (): UnknownUser[] => all.all().map((r) => ({ openId: r.open_id, name: r.name, firstSeenAt: new Date(r.first_seen_at), lastSeenAt: new Date(r.last_seen_at), times: r.times })),
  };
}
