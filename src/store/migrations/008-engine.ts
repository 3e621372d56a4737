/**
 * The lead engine: each lead's last interaction, how many days of silence its score has already been
 * decayed for and when the next tier is due (reset by an activity), its fit grade; the activities received (idempotent by the
 * sender's key, kept even before their lead is known); and the weighted round robin's running credits
 * per team, kept with the assignments they decide so a restart changes no one's share.
 */
export const sql = `
ALTER TABLE leads ADD COLUMN last_activity_at INTEGER;
ALTER TABLE leads ADD COLUMN decayed_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN decay_next_at INTEGER;             -- when the next silence tier is due (NULL: none)
ALTER TABLE leads ADD COLUMN grade TEXT;
CREATE INDEX leads_decay_due ON leads(decay_next_at) WHERE decay_next_at IS NOT NULL;

CREATE TABLE activities (
  id          INTEGER PRIMARY KEY,
  lead_id     INTEGER REFERENCES leads(id) ON DELETE CASCADE,
  lead_ref    TEXT,                                -- how the sender named the lead (线索编号, email …) while unknown
  type        TEXT    NOT NULL,
  occurred_at INTEGER NOT NULL,
  source_key  TEXT    NOT NULL UNIQUE,             -- the sender's event id / the activity row's record id
  detail      TEXT,
  created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX activities_lead ON activities(lead_id, occurred_at);

CREATE TABLE routing_credits (
  pool       TEXT    NOT NULL,                     -- a team, or the candidates of a rule
  open_id    TEXT    NOT NULL,
  credit     INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (pool, open_id)
) STRICT;
`;
