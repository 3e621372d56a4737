import { placeholders, type Sql } from './sql/sql.js';

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

export function createTimersRepo(sql: Sql) {
  const list = async (text: string, params: readonly unknown[]) => (await sql.all<Raw>(text, params)).map(toTimer);
  return {
    /** Schedule a timer; with a dedupeKey, scheduling the same one again returns the existing timer. */
    async schedule(t: { kind: string; leadId?: number; dueAt: Date; payload?: unknown; dedupeKey?: string; now: Date }): Promise<Timer> {
      const row =
        (await sql.get<Raw>(
          `INSERT INTO timers (kind, lead_id, due_at, payload_json, dedupe_key, status, created_at)
           VALUES (@kind, @leadId, @dueAt, @payload, @dedupeKey, 'pending', @now) ON CONFLICT (dedupe_key) DO NOTHING RETURNING *`,
          { kind: t.kind, leadId: t.leadId ?? null, dueAt: t.dueAt.getTime(), payload: JSON.stringify(t.payload ?? {}), dedupeKey: t.dedupeKey ?? null, now: t.now.getTime() },
        )) ?? (await sql.get<Raw>('SELECT * FROM timers WHERE dedupe_key = ?', [t.dedupeKey!]));
      return toTimer(row!);
    },
    due: (now: Date, limit = 100): Promise<Timer[]> => list(`SELECT * FROM timers WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?`, [now.getTime(), limit]),
    /** Due timers of the given kinds only (a sweep handles the kinds it knows). */
    dueOfKinds: (now: Date, kinds: readonly string[], limit = 100): Promise<Timer[]> =>
      list(`SELECT * FROM timers WHERE status = 'pending' AND due_at <= ? AND kind IN (${placeholders(kinds.length)}) ORDER BY due_at, id LIMIT ?`, [now.getTime(), ...kinds, limit]),
    /** Compare-and-set pending → fired: true for exactly one caller. */
    markFired: async (id: number, now: Date): Promise<boolean> => (await sql.run(`UPDATE timers SET status = 'fired', fired_at = ? WHERE id = ? AND status = 'pending'`, [now.getTime(), id])) === 1,
    cancel: async (id: number): Promise<boolean> => (await sql.run(`UPDATE timers SET status = 'cancelled' WHERE id = ? AND status = 'pending'`, [id])) === 1,
    cancelForLead: (leadId: number, kind: string): Promise<number> => sql.run(`UPDATE timers SET status = 'cancelled' WHERE lead_id = ? AND kind = ? AND status = 'pending'`, [leadId, kind]),
    pendingForLead: (leadId: number): Promise<Timer[]> => list(`SELECT * FROM timers WHERE lead_id = ? AND status = 'pending' ORDER BY due_at, id`, [leadId]),
    async nextDueAt(): Promise<Date | undefined> {
      const r = await sql.get<{ due_at: number }>(`SELECT due_at FROM timers WHERE status = 'pending' ORDER BY due_at LIMIT 1`);
      return r ? new Date(r.due_at) : undefined;
    },
  };
}
