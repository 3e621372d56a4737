import type { Sql } from './sql/sql.js';

/**
 * Behaviour received (migration 008): downloads, webinars, price-page visits … One row per sender's
 * key, so the same activity delivered twice is recorded once. An activity whose lead is not known yet
 * keeps how the sender named it and is attached when the lead appears.
 */
export interface ActivityRow {
  id: number;
  leadId: number | null;
  leadRef: string | null;
  type: string;
  occurredAt: Date;
  sourceKey: string;
  detail: string | null;
}

interface Raw {
  id: number;
  lead_id: number | null;
  lead_ref: string | null;
  type: string;
  occurred_at: number;
  source_key: string;
  detail: string | null;
}

const toRow = (r: Raw): ActivityRow => ({ id: r.id, leadId: r.lead_id, leadRef: r.lead_ref, type: r.type, occurredAt: new Date(r.occurred_at), sourceKey: r.source_key, detail: r.detail });

export type ActivitiesRepo = ReturnType<typeof createActivitiesRepo>;

export function createActivitiesRepo(sql: Sql) {
  const byKey = async (key: string) => {
    const r = await sql.get<Raw>('SELECT * FROM activities WHERE source_key = ?', [key]);
    return r && toRow(r);
  };
  return {
    /** Activities recorded after `id` (a job's cursor), oldest first: their ids and leads (null: not attached yet). */
    after: async (id: number, limit: number): Promise<Array<{ id: number; leadId: number | null }>> =>
      (await sql.all<{ id: number; lead_id: number | null }>('SELECT id, lead_id FROM activities WHERE id > ? ORDER BY id LIMIT ?', [id, limit])).map((r) => ({ id: r.id, leadId: r.lead_id })),
    /** Record an activity; undefined when its key was already recorded. */
    async add(a: { leadId: number | null; leadRef?: string; type: string; at: Date; key: string; detail?: string; now: Date }): Promise<ActivityRow | undefined> {
      const added = await sql.get<Raw>(
        `INSERT INTO activities (lead_id, lead_ref, type, occurred_at, source_key, detail, created_at)
         VALUES (@leadId, @leadRef, @type, @at, @key, @detail, @now) ON CONFLICT (source_key) DO NOTHING RETURNING *`,
        { leadId: a.leadId, leadRef: a.leadRef ?? null, type: a.type, at: a.at.getTime(), key: a.key, detail: a.detail ?? null, now: a.now.getTime() },
      );
      return added && toRow(added);
    },
    getByKey: byKey,
    get: async (id: number): Promise<ActivityRow | undefined> => {
      const r = await sql.get<Raw>('SELECT * FROM activities WHERE id = ?', [id]);
      return r && toRow(r);
    },
    forLead: async (leadId: number): Promise<ActivityRow[]> => (await sql.all<Raw>('SELECT * FROM activities WHERE lead_id = ? ORDER BY occurred_at, id', [leadId])).map(toRow),
    /** Activities that named `ref` before a lead had it. */
    unattached: async (ref: string): Promise<ActivityRow[]> => (await sql.all<Raw>('SELECT * FROM activities WHERE lead_id IS NULL AND lead_ref = ? ORDER BY occurred_at, id', [ref])).map(toRow),
    attach: async (id: number, leadId: number): Promise<boolean> => (await sql.run('UPDATE activities SET lead_id = @leadId WHERE id = @id AND lead_id IS NULL', { id, leadId })) === 1,
  };
}
