/**
 * Cards the server sent (one row per card, with the Feishu message once it is known) and assignments
 * (who was offered a lead, and whether they accepted or returned it). A card's status moves from open
 * to done exactly once: that compare-and-set is what makes a card action happen once, whoever clicks.
 */
export const sql = `
CREATE TABLE cards (
  id           INTEGER PRIMARY KEY,
  kind         TEXT    NOT NULL CHECK (kind IN ('approval', 'assignment')),
  lead_id      INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  chat_id      TEXT    NOT NULL,
  uuid         TEXT    NOT NULL UNIQUE,          -- the message uuid (Feishu sends one message per uuid)
  message_id   TEXT    UNIQUE,                   -- known once Feishu accepted the send
  status       TEXT    NOT NULL CHECK (status IN ('open', 'done', 'void')),
  subject_json TEXT    NOT NULL,                 -- what the card was built from
  action       TEXT,                             -- approve / reject / accept / return / superseded
  acted_by     TEXT,
  acted_at     INTEGER,
  detail_json  TEXT,                             -- comment, reason, note
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX cards_lead ON cards(lead_id, kind, status);

CREATE TABLE assignments (
  id            INTEGER PRIMARY KEY,
  lead_id       INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  owner_id      TEXT    NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('offered', 'accepted', 'returned', 'withdrawn')),
  source        TEXT    NOT NULL,                -- 'bitable' (a person set 跟进人) or 'routing:<rule>'
  offered_at    INTEGER NOT NULL,
  accept_due_at INTEGER,
  accepted_at   INTEGER,
  accepted_by   TEXT,
  follow_up_due_at INTEGER,
  returned_at   INTEGER,
  return_reason TEXT,
  return_note   TEXT,
  card_id       INTEGER REFERENCES cards(id)
) STRICT;
CREATE INDEX assignments_lead ON assignments(lead_id, id);
CREATE INDEX assignments_owner ON assignments(owner_id, status);
`;
