import type { Db } from './db.js';

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

export function createActivitiesRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO activities (lead_id, lead_ref, type, occurred_at, source_key, detail, created_at)
     VALUES (@leadId, @leadRef, @type, @at, @key, @detail, @now) ON CONFLICT(source_key) DO NOTHING`,
  );
  const byKey = db.prepare<[string], Raw>('SELECT * FROM activities WHERE source_key = ?');
  const forLead = db.prepare<[number], Raw>('SELECT * FROM activities WHERE lead_id = ? ORDER BY occurred_at, id');
  const unattached = db.prepare<[string], Raw>('SELECT * FROM activities WHERE lead_id IS NULL AND lead_ref = ? ORDER BY occurred_at, id');
  const attach = db.prepare('UPDATE activities SET lead_id = @leadId WHERE id = @id AND lead_id IS NULL');
  const after = db.prepare<[number, number], { id: number; lead_id: number | null }>('SELECT id, lead_id FROM activities WHERE id > ? ORDER BY id LIMIT ?');
  return {
    /** Activities recorded after `id` (a job's cursor), oldest first: their ids and leads (null: not attached yet). */
    after: (id: number, limit: number): Array<{ id: number; leadId: number | null }> => after.all(id, limit).map((r) => ({ id: r.id, leadId: r.lead_id })),
    /** Record an activity; undefined when its key was already recorded. */
    add(a: { leadId: number | null; leadRef?: string; type: string; at: Date; key: string; detail?: string; now: Date }): ActivityRow | undefined {
      const info = insert.run({ leadId: a.leadId, leadRef: a.leadRef ?? null, type: a.type, at: a.at.getTime(), key: a.key, detail: a.detail ?? null, now: a.now.getTime() });
      return info.changes === 1 ? toRow(byKey.get(a.key)!) : undefined;
    },
    getByKey: (key: string): ActivityRow | undefined => {
      const r = byKey.get(key);
      return r && toRow(r);
    },
    forLead: (leadId: number): ActivityRow[] => forLead.all(leadId).map(toRow),
    /** Activities that named `ref` before a lead had it. */
    unattached: (ref: string): ActivityRow[] => unattached.all(ref).map(toRow),
    attach: (id: number, leadId: number): boolean => attach.run({ id, leadId }).changes === 1,
  };
}
