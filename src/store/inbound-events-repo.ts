import type { Sql } from './sql/sql.js';

/** Verified events waiting to be (or already) processed; see migration 003. */
export interface InboundEvent {
  eventId: string;
  source: string;
  eventType: string;
  payload: unknown;
  attempts: number;
  receivedAt: Date;
}

export type InboundEventsRepo = ReturnType<typeof createInboundEventsRepo>;

export function createInboundEventsRepo(sql: Sql) {
  // the order events arrived in (several share a millisecond): SQLite's rowid, PostgreSQL's seq (migration 003)
  const arrival = sql.dialect.name === 'sqlite' ? 'rowid' : 'seq';
  const finish = (id: string, status: 'done' | 'failed', error: string | null, now: Date) =>
    sql.run(`UPDATE inbound_events SET status = @status, attempts = attempts + 1, last_error = @error, processed_at = @now WHERE event_id = @id`, { id, status, error, now: now.getTime() });
  return {
    /** Store a verified event; false when its id is already stored. Call inside the ack transaction. */
    add: async (e: { eventId: string; source: string; eventType: string; payload: unknown; now: Date }): Promise<boolean> =>
      (await sql.run(
        `INSERT INTO inbound_events (event_id, source, event_type, payload_json, status, received_at) VALUES (@id, @source, @type, @payload, 'pending', @now)
         ON CONFLICT (event_id) DO NOTHING`,
        { id: e.eventId, source: e.source, type: e.eventType, payload: JSON.stringify(e.payload), now: e.now.getTime() },
      )) === 1,
    pending: async (limit = 100): Promise<InboundEvent[]> =>
      (
        await sql.all<{ event_id: string; source: string; event_type: string; payload_json: string; attempts: number; received_at: number }>(
          `SELECT event_id, source, event_type, payload_json, attempts, received_at FROM inbound_events WHERE status = 'pending' ORDER BY received_at, ${arrival} LIMIT ?`,
          [limit],
        )
      ).map((r) => ({ eventId: r.event_id, source: r.source, eventType: r.event_type, payload: JSON.parse(r.payload_json), attempts: r.attempts, receivedAt: new Date(r.received_at) })),
    done: async (eventId: string, now: Date): Promise<void> => void (await finish(eventId, 'done', null, now)),
    /** Give up on an event (kept with its error, for a person to look at). */
    failed: async (eventId: string, error: string, now: Date): Promise<void> => void (await finish(eventId, 'failed', error, now)),
    /** A failed attempt that will be tried again. */
    attemptFailed: async (eventId: string, error: string): Promise<void> => void (await sql.run(`UPDATE inbound_events SET attempts = attempts + 1, last_error = @error WHERE event_id = @id`, { id: eventId, error })),
    async counts(): Promise<Record<'pending' | 'done' | 'failed', number>> {
      const out = { pending: 0, done: 0, failed: 0 };
      for (const r of await sql.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM inbound_events GROUP BY status')) out[r.status as keyof typeof out] = r.n;
      return out;
    },
    prune: (before: Date, batch = 1000): Promise<number> => sql.run(`DELETE FROM inbound_events WHERE event_id IN (SELECT event_id FROM inbound_events WHERE status = 'done' AND processed_at < ? LIMIT ?)`, [before.getTime(), batch]),
  };
}
