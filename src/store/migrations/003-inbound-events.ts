import { postgresDdl } from './postgres.js';

/**
 * Verified inbound events kept until processed: the event is stored (and its id deduplicated in
 * `inbox`) in the transaction that precedes the 200, so an acknowledged event survives a crash; the
 * processor works through them after the answer.
 */
export const sql = `
CREATE TABLE inbound_events (
  event_id     TEXT    PRIMARY KEY,
  source       TEXT    NOT NULL,                       -- feishu.event, feishu.card …
  event_type   TEXT    NOT NULL,
  payload_json TEXT    NOT NULL,                       -- the decrypted envelope
  status       TEXT    NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT,
  received_at  INTEGER NOT NULL,
  processed_at INTEGER
) STRICT;
CREATE INDEX inbound_events_pending ON inbound_events(status, received_at);
`;

/** PostgreSQL has no rowid: `seq` keeps the order events arrived in (several share a millisecond). */
export const postgres = `${postgresDdl(sql)}
ALTER TABLE inbound_events ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;
CREATE INDEX inbound_events_order ON inbound_events(status, received_at, seq);
`;
