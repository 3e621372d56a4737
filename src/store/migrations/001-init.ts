/** Leads (Bitable mirror + server state), stage history, score ledger, outbox, inbox and timers. */
export const sql = `
CREATE TABLE leads (
  id                    INTEGER PRIMARY KEY,
  lead_key              TEXT    NOT NULL UNIQUE,      -- natural key, also written to the Bitable row
  base_token            TEXT,                          -- Bitable app_token of the mirrored row
  table_id              TEXT,
  record_id             TEXT    UNIQUE,                -- null until the row exists in the Bitable
  journey_id            TEXT    NOT NULL,
  stage                 TEXT,
  stage_entered_at      INTEGER,
  facts_json            TEXT    NOT NULL DEFAULT '{}', -- the row's canonical facts (company, phone, need …)
  bitable_modified_at   INTEGER,                       -- last_modified_time of the row we mirrored
  score                 REAL    NOT NULL DEFAULT 0,
  owner_id              TEXT,
  pending_approval_json TEXT,                          -- {to, role, requestedBy, requestedAt} while gated
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL,
  version               INTEGER NOT NULL DEFAULT 0     -- compare-and-set for concurrent decisions
) STRICT;
CREATE INDEX leads_stage ON leads(journey_id, stage);
CREATE INDEX leads_owner ON leads(owner_id);

CREATE TABLE stage_transitions (
  id          INTEGER PRIMARY KEY,
  lead_id     INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  from_stage  TEXT,
  to_stage    TEXT    NOT NULL,
  at          INTEGER NOT NULL,
  actor_id    TEXT    NOT NULL,
  reason      TEXT,
  approval_id TEXT,
  entry_index INTEGER NOT NULL CHECK (entry_index >= 1),
  kind        TEXT    NOT NULL,
  UNIQUE (lead_id, to_stage, entry_index)
) STRICT;
CREATE INDEX stage_transitions_lead ON stage_transitions(lead_id, at);
CREATE INDEX stage_transitions_to ON stage_transitions(to_stage, at);

CREATE TABLE score_ledger (
  id          INTEGER PRIMARY KEY,
  lead_id     INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  at          INTEGER NOT NULL,
  delta       REAL    NOT NULL,
  balance     REAL    NOT NULL,
  reason_code TEXT    NOT NULL,
  detail      TEXT,
  source_key  TEXT    UNIQUE                             -- idempotency: one ledger row per source event
) STRICT;
CREATE INDEX score_ledger_lead ON score_ledger(lead_id, id);

CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  kind            TEXT    NOT NULL,                      -- bitable.upsert, im.send_card …
  target          TEXT    NOT NULL,                      -- serialisation key: table id, chat id …
  payload_json    TEXT    NOT NULL,
  idempotency_key TEXT    NOT NULL UNIQUE,               -- client_token / message uuid, reused on retry
  status          TEXT    NOT NULL CHECK (status IN ('pending', 'in_flight', 'done', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_until     INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

CREATE TABLE inbox (
  event_id    TEXT    PRIMARY KEY,
  source      TEXT    NOT NULL,
  received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX inbox_received ON inbox(received_at);

CREATE TABLE timers (
  id           INTEGER PRIMARY KEY,
  kind         TEXT    NOT NULL,                          -- sla.accept, decay, nurture.step, digest …
  lead_id      INTEGER REFERENCES leads(id) ON DELETE CASCADE,
  due_at       INTEGER NOT NULL,
  payload_json TEXT    NOT NULL DEFAULT '{}',
  dedupe_key   TEXT    UNIQUE,
  status       TEXT    NOT NULL CHECK (status IN ('pending', 'fired', 'cancelled')),
  fired_at     INTEGER,
  created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX timers_due ON timers(status, due_at);
`;
