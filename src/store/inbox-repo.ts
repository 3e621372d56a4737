import type { Db } from './db.js';

/** 72 h: beyond Feishu's ~7.1 h retry window, and covers manual replays (docs/reliability.md#21-inbound-delivery-and-dedupe). */
export const INBOX_RETENTION_MS = 72 * 3_600_000;

export type InboxRepo = ReturnType<typeof createInboxRepo>;

/** Processed inbound event ids, so an at-least-once delivery is acted on once. */
export function createInboxRepo(db: Db) {
  const insert = db.prepare('INSERT INTO inbox (event_id, source, received_at) VALUES (?, ?, ?) ON CONFLICT(event_id) DO NOTHING');
  const has = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM inbox WHERE event_id = ?');
  const prune = db.prepare('DELETE FROM inbox WHERE rowid IN (SELECT rowid FROM inbox WHERE received_at < ? LIMIT ?)');
  return {
    /** True the first time an event id is seen, false for every duplicate. */
    recordOnce: (eventId: string, source: string, now: Date): boolean => insert.run(eventId, source, now.getTime()).changes === 1,
    has: (eventId: string): boolean => has.get(eventId)!.n > 0,
    /** Delete ids older than the retention, at most `batch` per call (keeps write locks short). */
    prune: (now: Date, batch = 1000, retentionMs = INBOX_RETENTION_MS): number => prune.run(now.getTime() - retentionMs, batch).changes,
  };
}
