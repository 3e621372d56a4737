import type { Db } from './db.js';

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

export function createInboundEventsRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO inbound_events (event_id, source, event_type, payload_json, status, received_at) VALUES (@id, @source, @type, @payload, 'pending', @now)
     ON CONFLICT(event_id) DO NOTHING`,
  );
  const pending = db.prepare<[number], { event_id: string; source: string; event_type: string; payload_json: string; attempts: number; received_at: number }>(
    `SELECT event_id, source, event_type, payload_json, attempts, received_at FROM inbound_events WHERE status = 'pending' ORDER BY received_at, rowid LIMIT ?`,
  );
  const finish = db.prepare(`UPDATE inbound_events SET status = @status, attempts = attempts + 1, last_error = @error, processed_at = @now WHERE event_id = @id`);
  const failOnce = db.prepare(`UPDATE inbound_events SET attempts = attempts + 1, last_error = @error WHERE event_id = @id`);
  const counts = db.prepare<[], { status: string; n: number }>('SELECT status, COUNT(*) AS n FROM inbound_events GROUP BY status');
  const prune = db.prepare(`DELETE FROM inbound_events WHERE rowid IN (SELECT rowid FROM inbound_events WHERE status = 'done' AND processed_at < ? LIMIT ?)`);
  return {
    /** Store a verified event; false when its id is already stored. Call inside the ack transaction. */
    add: (e: { eventId: string; source: string; eventType: string; payload: unknown; now: Date }): boolean =>
      insert.run({ id: e.eventId, source: e.source, type: e.eventType, payload: JSON.stringify(e.payload), now: e.now.getTime() }).changes === 1,
    pending: (limit = 100): InboundEvent[] =>
      pending.all(limit).map((r) => ({ eventId: r.event_id, source: r.source, eventType: r.event_type, payload: JSON.parse(r.payload_json), attempts: r.attempts, receivedAt: new Date(r.received_at) })),
    done: (eventId: string, now: Date) => void finish.run({ id: eventId, status: 'done', error: null, now: now.getTime() }),
    /** Give up on an event (kept with its error, for a person to look at). */
    failed: (eventId: string, error: string, now: Date) => void finish.run({ id: eventId, status: 'failed', error, now: now.getTime() }),
    /** A failed attempt that will be tried again. */
    attemptFailed: (eventId: string, error: string) => void failOnce.run({ id: eventId, error }),
    counts(): Record<'pending' | 'done' | 'failed', number> {
      const out = { pending: 0, done: 0, failed: 0 };
      for (const r of counts.all()) out[r.status as keyof typeof out] = r.n;
      return out;
    },
    prune: (before: Date, batch = 1000): number => prune.run(before.getTime(), batch).changes,
  };
}
