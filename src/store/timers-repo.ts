import type { Db } from './db.js';

/** Durable timers: SLA deadlines, score decay, nurture steps, digests. They survive restarts. */
export interface Timer {
  id: number;
  kind: string;
  leadId: number | null;
  dueAt: Date;
  payload: unknown;
  dedupeKey: string | null;
  status: 'pending' | 'fired' | 'cancelled';
  firedAt: Date | null;
}

interface Raw {
  id: number;
  kind: string;
  lead_id: number | null;
  due_at: number;
  payload_json: string;
  dedupe_key: string | null;
  status: Timer['status'];
  fired_at: number | null;
}

const toTimer = (r: Raw): Timer => ({
  id: r.id,
  kind: r.kind,
  leadId: r.lead_id,
  dueAt: new Date(r.due_at),
  payload: JSON.parse(r.payload_json),
  dedupeKey: r.dedupe_key,
  status: r.status,
  firedAt: r.fired_at === null ? null : new Date(r.fired_at),
});

export type TimersRepo = ReturnType<typeof createTimersRepo>;

export function createTimersRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO timers (kind, lead_id, due_at, payload_json, dedupe_key, status, created_at)
     VALUES (@kind, @leadId, @dueAt, @payload, @dedupeKey, 'pending', @now) ON CONFLICT(dedupe_key) DO NOTHING`,
  );
  const byId = db.prepare<[number], Raw>('SELECT * FROM timers WHERE id = ?');
  const byKey = db.prepare<[string], Raw>('SELECT * FROM timers WHERE dedupe_key = ?');
  const due = db.prepare<[number, number], Raw>(`SELECT * FROM timers WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?`);
  const dueOfKinds = db.prepare<[number, string, number], Raw>(`SELECT * FROM timers WHERE status = 'pending' AND due_at <= ? AND kind IN (SELECT value FROM json_each(?)) ORDER BY due_at, id LIMIT ?`);
  const fire = db.prepare(`UPDATE timers SET status = 'fired', fired_at = ? WHERE id = ? AND status = 'pending'`);
  const cancel = db.prepare(`UPDATE timers SET status = 'cancelled' WHERE id = ? AND status = 'pending'`);
  const cancelFor = db.prepare(`UPDATE timers SET status = 'cancelled' WHERE lead_id = ? AND kind = ? AND status = 'pending'`);
  const pendingFor = db.prepare<[number], Raw>(`SELECT * FROM timers WHERE lead_id = ? AND status = 'pending' ORDER BY due_at, id`);
  const next = db.prepare<[], { due_at: number }>(`SELECT due_at FROM timers WHERE status = 'pending' ORDER BY due_at LIMIT 1`);

  return {
    /** Schedule a timer; with a dedupeKey, scheduling the same one again returns the existing timer. */
    schedule(t: { kind: string; leadId?: number; dueAt: Date; payload?: unknown; dedupeKey?: string; now: Date }): Timer {
      const info = insert.run({ kind: t.kind, leadId: t.leadId ?? null, dueAt: t.dueAt.getTime(), payload: JSON.stringify(t.payload ?? {}), dedupeKey: t.dedupeKey ?? null, now: t.now.getTime() });
      const row = info.changes === 1 ? byId.get(Number(info.lastInsertRowid)) : byKey.get(t.dedupeKey!);
      return toTimer(row!);
    },
    due: (now: Date, limit = 100): Timer[] => due.all(now.getTime(), limit).map(toTimer),
    /** Due timers of the given kinds only (a sweep handles the kinds it knows). */
    dueOfKinds: (now: Date, kinds: readonly string[], limit = 100): Timer[] => dueOfKinds.all(now.getTime(), JSON.stringify(kinds), limit).map(toTimer),
    /** Compare-and-set pending → fired: true for exactly one caller. */
    markFired: (id: number, now: Date): boolean => fire.run(now.getTime(), id).changes === 1,
    cancel: (id: number): boolean => cancel.run(id).changes === 1,
    cancelForLead: (leadId: number, kind: string): number => cancelFor.run(leadId, kind).changes,
    pendingForLead: (leadId: number): Timer[] => pendingFor.all(leadId).map(toTimer),
    nextDueAt(): Date | undefined {
      const r = next.get();
      return r ? new Date(r.due_at) : undefined;
    },
  };
}
