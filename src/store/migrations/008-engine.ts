import { postgresDdl } from './postgres.js';

/**
 * The lead engine: each lead's last interaction, how many days of silence its score has already been
 * decayed for and when the next tier is due (reset by an activity), its fit grade and company key; the activities received (idempotent by the
 * sender's key, kept even before their lead is known); and the weighted round robin's running credits
 * per team, kept with the assignments they decide so a restart changes no one's share.
 */
export const sql = `
ALTER TABLE leads ADD COLUMN last_activity_at INTEGER;
ALTER TABLE leads ADD COLUMN decayed_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN decay_next_at INTEGER;             -- when the next silence tier is due (NULL: none)
ALTER TABLE leads ADD COLUMN grade TEXT;
ALTER TABLE leads ADD COLUMN company_key TEXT;                 -- the company without suffixes: same company → same owner
CREATE INDEX leads_company ON leads(company_key) WHERE company_key IS NOT NULL;
CREATE INDEX leads_decay_due ON leads(decay_next_at) WHERE decay_next_at IS NOT NULL;

ALTER TABLE assignments ADD COLUMN why TEXT;                   -- why this person (the routing rule's reasoning)

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

-- Each rep's open leads (offered or accepted, the lead in a stage listed in open_stages), kept by
-- triggers so capacity is read in O(1) whatever the size of the history; open_stages is set from the
-- journey at start (and the counts rebuilt when it changes).
CREATE TABLE open_stages (stage TEXT PRIMARY KEY) STRICT;
CREATE TABLE rep_loads (owner_id TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT;
CREATE TRIGGER rep_loads_offer AFTER INSERT ON assignments
  WHEN NEW.status IN ('offered', 'accepted') AND EXISTS (SELECT 1 FROM leads l JOIN open_stages o ON o.stage = l.stage WHERE l.id = NEW.lead_id AND l.deleted_at IS NULL)
BEGIN
  INSERT INTO rep_loads (owner_id, n) VALUES (NEW.owner_id, 1) ON CONFLICT(owner_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER rep_loads_status AFTER UPDATE OF status, owner_id ON assignments
  WHEN EXISTS (SELECT 1 FROM leads l JOIN open_stages o ON o.stage = l.stage WHERE l.id = NEW.lead_id AND l.deleted_at IS NULL)
BEGIN
  UPDATE rep_loads SET n = n - 1 WHERE owner_id = OLD.owner_id AND OLD.status IN ('offered', 'accepted');
  INSERT INTO rep_loads (owner_id, n) SELECT NEW.owner_id, 1 WHERE NEW.status IN ('offered', 'accepted') ON CONFLICT(owner_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER rep_loads_stage AFTER UPDATE OF stage, deleted_at ON leads
  WHEN (OLD.deleted_at IS NULL AND OLD.stage IN (SELECT stage FROM open_stages)) IS NOT (NEW.deleted_at IS NULL AND NEW.stage IN (SELECT stage FROM open_stages))
BEGIN
  INSERT INTO rep_loads (owner_id, n)
    SELECT a.owner_id, CASE WHEN NEW.deleted_at IS NULL AND NEW.stage IN (SELECT stage FROM open_stages) THEN 1 ELSE -1 END
    FROM assignments a WHERE a.lead_id = NEW.id AND a.status IN ('offered', 'accepted') AND true
  ON CONFLICT(owner_id) DO UPDATE SET n = n + excluded.n;
END;

CREATE TABLE routing_credits (
  pool       TEXT    NOT NULL,                     -- a team, or the candidates of a rule
  open_id    TEXT    NOT NULL,
  credit     INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (pool, open_id)
) STRICT;
`;

/** PostgreSQL: the same tables; the rep_loads triggers as PL/pgSQL (same rules as above). */
export const postgres = `${postgresDdl(sql.replace(/CREATE TRIGGER[\s\S]*?\nEND;\n/g, ''))}
CREATE FUNCTION lj_lead_open(lead BIGINT) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM leads l JOIN open_stages o ON o.stage = l.stage WHERE l.id = lead AND l.deleted_at IS NULL)
$$;
CREATE FUNCTION lj_rep_loads_assignment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT lj_lead_open(NEW.lead_id) THEN RETURN NULL; END IF;
  IF TG_OP = 'UPDATE' AND OLD.status IN ('offered', 'accepted') THEN
    UPDATE rep_loads SET n = n - 1 WHERE owner_id = OLD.owner_id;
  END IF;
  IF NEW.status IN ('offered', 'accepted') THEN
    INSERT INTO rep_loads (owner_id, n) VALUES (NEW.owner_id, 1) ON CONFLICT (owner_id) DO UPDATE SET n = rep_loads.n + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER rep_loads_offer AFTER INSERT ON assignments FOR EACH ROW EXECUTE FUNCTION lj_rep_loads_assignment();
CREATE TRIGGER rep_loads_status AFTER UPDATE OF status, owner_id ON assignments FOR EACH ROW EXECUTE FUNCTION lj_rep_loads_assignment();
CREATE FUNCTION lj_rep_loads_lead() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_open boolean := OLD.deleted_at IS NULL AND EXISTS (SELECT 1 FROM open_stages WHERE stage = OLD.stage);
  is_open boolean := NEW.deleted_at IS NULL AND EXISTS (SELECT 1 FROM open_stages WHERE stage = NEW.stage);
BEGIN
  IF was_open IS DISTINCT FROM is_open THEN
    INSERT INTO rep_loads (owner_id, n)
      SELECT a.owner_id, COUNT(*) * (CASE WHEN is_open THEN 1 ELSE -1 END) FROM assignments a
      WHERE a.lead_id = NEW.id AND a.status IN ('offered', 'accepted') GROUP BY a.owner_id
    ON CONFLICT (owner_id) DO UPDATE SET n = rep_loads.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER rep_loads_stage AFTER UPDATE OF stage, deleted_at ON leads FOR EACH ROW EXECUTE FUNCTION lj_rep_loads_lead();
`;
