import type { Sql } from './sql/sql.js';

/** 72 h: beyond Feishu's ~7.1 h retry window, and covers manual replays (docs/reliability.md#21-inbound-delivery-and-dedupe). */
export const INBOX_RETENTION_MS = 72 * 3_600_000;

export type InboxRepo = ReturnType<typeof createInboxRepo>;

/** Processed inbound event ids, so an at-least-once delivery is acted on once. */
export function createInboxRepo(sql: Sql) {
  return {
    /** True the first time an event id is seen, false for every duplicate. */
    recordOnce: async (eventId: string, source: string, now: Date): Promise<boolean> =>
      (await sql.run('INSERT INTO inbox (event_id, source, received_at) VALUES (?, ?, ?) ON CONFLICT (event_id) DO NOTHING', [eventId, source, now.getTime()])) === 1,
    has: async (eventId: string): Promise<boolean> => (await sql.get('SELECT 1 AS one FROM inbox WHERE event_id = ?', [eventId])) !== undefined,
    /** Delete ids older than the retention, at most `batch` per call (keeps write locks short). */
    prune: (now: Date, batch = 1000, retentionMs = INBOX_RETENTION_MS): Promise<number> => sql.run('DELETE FROM inbox WHERE event_id IN (SELECT event_id FROM inbox WHERE received_at < ? LIMIT ?)', [now.getTime() - retentionMs, batch]),
  };
}
