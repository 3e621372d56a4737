import type { RouteWhen } from '../domain/routing.js';
import type { Sql } from './sql/sql.js';

/** A lead waiting for an owner (migration 009), in arrival order. */
export interface QueuedLead {
  leadId: number;
  queuedAt: Date;
  when: RouteWhen;
  why: string;
}

export type OwnerQueueRepo = ReturnType<typeof createOwnerQueueRepo>;

export function createOwnerQueueRepo(sql: Sql) {
  const has = async (leadId: number): Promise<boolean> => (await sql.get('SELECT 1 AS one FROM owner_queue WHERE lead_id = ?', [leadId])) !== undefined;
  return {
    /** Queue a lead (a lead already queued keeps its place; its reason is updated). Returns whether it is new in the queue. */
    add: (leadId: number, when: RouteWhen, why: string, now: Date): Promise<boolean> =>
      sql.transaction(async () => {
        const was = await has(leadId);
        await sql.run('INSERT INTO owner_queue (lead_id, queued_at, route_when, why) VALUES (@leadId, @at, @when, @why) ON CONFLICT (lead_id) DO UPDATE SET why = excluded.why', { leadId, at: now.getTime(), when, why });
        return !was;
      }),
    remove: async (leadId: number): Promise<boolean> => (await sql.run('DELETE FROM owner_queue WHERE lead_id = ?', [leadId])) === 1,
    has,
    /** The oldest first. */
    list: async (limit: number): Promise<QueuedLead[]> =>
      (await sql.all<{ lead_id: number; queued_at: number; route_when: RouteWhen; why: string }>('SELECT * FROM owner_queue ORDER BY queued_at, lead_id LIMIT ?', [limit])).map((r) => ({
        leadId: r.lead_id,
        queuedAt: new Date(r.queued_at),
        when: r.route_when,
        why: r.why,
      })),
    async size(): Promise<{ count: number; since: Date | null }> {
      const r = (await sql.get<{ n: number; first: number | null }>('SELECT COUNT(*) AS n, MIN(queued_at) AS first FROM owner_queue'))!;
      return { count: r.n, since: r.first === null ? null : new Date(r.first) };
    },
  };
}
