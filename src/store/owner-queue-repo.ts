import type { RouteWhen } from '../domain/routing.js';
import type { Db } from './db.js';

/** A lead waiting for an owner (migration 009), in arrival order. */
export interface QueuedLead {
  leadId: number;
  queuedAt: Date;
  when: RouteWhen;
  why: string;
}

export type OwnerQueueRepo = ReturnType<typeof createOwnerQueueRepo>;

export function createOwnerQueueRepo(db: Db) {
  const add = db.prepare('INSERT INTO owner_queue (lead_id, queued_at, route_when, why) VALUES (@leadId, @at, @when, @why) ON CONFLICT(lead_id) DO UPDATE SET why = excluded.why');
  const remove = db.prepare('DELETE FROM owner_queue WHERE lead_id = ?');
  const list = db.prepare<[number], { lead_id: number; queued_at: number; route_when: RouteWhen; why: string }>('SELECT * FROM owner_queue ORDER BY queued_at, lead_id LIMIT ?');
  const count = db.prepare<[], { n: number; first: number | null }>('SELECT COUNT(*) AS n, MIN(queued_at) AS first FROM owner_queue');
  const has = db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM owner_queue WHERE lead_id = ?');
  return {
    /** Queue a lead (a lead already queued keeps its place; its reason is updated). Returns whether it is new in the queue. */
    add(leadId: number, when: RouteWhen, why: string, now: Date): boolean {
      const was = has.get(leadId)!.n > 0;
      add.run({ leadId, at: now.getTime(), when, why });
      return !was;
    },
    remove: (leadId: number): boolean => remove.run(leadId).changes === 1,
    has: (leadId: number): boolean => has.get(leadId)!.n > 0,
    /** The oldest first. */
    list: (limit: number): QueuedLead[] => list.all(limit).map((r) => ({ leadId: r.lead_id, queuedAt: new Date(r.queued_at), when: r.route_when, why: r.why })),
    size(): { count: number; since: Date | null } {
      const r = count.get()!;
      return { count: r.n, since: r.first === null ? null : new Date(r.first) };
    },
  };
}
