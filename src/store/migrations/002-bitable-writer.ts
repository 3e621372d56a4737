/**
 * The Bitable writer: outbox rows coalesced into batches whose exact body and client_token are stored
 * before the first send (a resend after a crash is byte-identical, so Feishu dedupes it), and the
 * values the server last wrote to each cell (so its own echoes are not mistaken for human edits).
 */
export const sql = `
CREATE TABLE bitable_batches (
  id              INTEGER PRIMARY KEY,
  target          TEXT    NOT NULL,                 -- app_token/table_id: one write in flight per target
  op              TEXT    NOT NULL CHECK (op IN ('create', 'update')),
  client_token    TEXT    UNIQUE,                   -- uuidv4 for batch_create, fixed before the first send
  body_json       TEXT    NOT NULL,                 -- the records array exactly as sent
  items_json      TEXT    NOT NULL,                 -- per body record: the outbox row ids it carries
  status          TEXT    NOT NULL CHECK (status IN ('open', 'done', 'split', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX bitable_batches_open ON bitable_batches(status, target, id);

ALTER TABLE outbox ADD COLUMN batch_id INTEGER REFERENCES bitable_batches(id);
CREATE INDEX outbox_target ON outbox(target, status, kind, id);

CREATE TABLE bitable_written (
  target     TEXT    NOT NULL,
  record_id  TEXT    NOT NULL,
  field_name TEXT    NOT NULL,
  value_json TEXT    NOT NULL,                        -- the value in write shape, stable JSON
  written_at INTEGER NOT NULL,
  PRIMARY KEY (target, record_id, field_name)
) STRICT, WITHOUT ROWID;
`;
