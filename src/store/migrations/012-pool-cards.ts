/**
 * The lead pool's cards (issue 24): a card in the group offering a lead in the pool (公海) to whoever
 * claims it first, kind `pool`. SQLite cannot change a CHECK in place, so `cards` is rebuilt the way
 * SQLite documents (https://www.sqlite.org/lang_altertable.html#otheralter): with foreign keys off
 * (the runner does that around this migration, then runs `foreign_key_check`), a new table, a copy,
 * the old one dropped and the new one renamed. Rows, ids and the references from `assignments` and
 * `escalations` stay as they were. PostgreSQL swaps the constraint.
 */
export const sql = `
CREATE TABLE cards_v12 (
  id           INTEGER PRIMARY KEY,
  kind         TEXT    NOT NULL CHECK (kind IN ('approval', 'assignment', 'pool')),
  lead_id      INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  chat_id      TEXT    NOT NULL,
  uuid         TEXT    NOT NULL UNIQUE,
  message_id   TEXT    UNIQUE,
  status       TEXT    NOT NULL CHECK (status IN ('open', 'done', 'void')),
  subject_json TEXT    NOT NULL,
  action       TEXT,
  acted_by     TEXT,
  acted_at     INTEGER,
  detail_json  TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;
INSERT INTO cards_v12 SELECT id, kind, lead_id, chat_id, uuid, message_id, status, subject_json, action, acted_by, acted_at, detail_json, created_at, updated_at FROM cards;
DROP TABLE cards;
ALTER TABLE cards_v12 RENAME TO cards;
CREATE INDEX cards_lead ON cards(lead_id, kind, status);
`;

export const postgres = `
ALTER TABLE cards DROP CONSTRAINT cards_kind_check;
ALTER TABLE cards ADD CONSTRAINT cards_kind_check CHECK (kind IN ('approval', 'assignment', 'pool'));
`;
