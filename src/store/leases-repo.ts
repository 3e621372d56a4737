import type { Sql } from './sql/sql.js';

export type LeasesRepo = ReturnType<typeof createLeasesRepo>;

/** Named leases (migration 011): one holder at a time, until it lets go or its time runs out. */
export function createLeasesRepo(sql: Sql) {
  return {
    /**
     * Take the lease, or renew it if `holder` has it: true when `holder` holds it until `now + ttlMs`.
     * False while another holder's lease has not expired.
     */
    acquire: async (name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> =>
      (await sql.run(
        `INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @until)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at <= @now`,
        { name, holder, until: now.getTime() + ttlMs, now: now.getTime() },
      )) === 1,
    /** Let go (only the holder can). */
    release: async (name: string, holder: string): Promise<boolean> => (await sql.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder])) === 1,
    /** The leases held now (which instance is doing what), by name. */
    held: async (now: Date): Promise<Array<{ name: string; holder: string; expiresAt: Date }>> =>
      (await sql.all<{ name: string; holder: string; expires_at: number }>('SELECT name, holder, expires_at FROM leases WHERE expires_at > ? ORDER BY name', [now.getTime()])).map((r) => ({
        name: r.name,
        holder: r.holder,
        expiresAt: new Date(r.expires_at),
      })),
    holder: async (name: string, now: Date): Promise<string | undefined> => (await sql.get<{ holder: string }>('SELECT holder FROM leases WHERE name = ? AND expires_at > ?', [name, now.getTime()]))?.holder,
  };
}
