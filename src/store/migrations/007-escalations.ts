/**
 * SLA escalations, one row per step taken (remind the owner → @ their manager → reassign; for an
 * approval: remind the approvers → @ their managers): the history of what the server did when nobody
 * acted, shown on the card and kept with the lead. Each step at most once per assignment (or approval
 * card) and SLA.
 */
export const sql = `
CREATE TABLE escalations (
  id            INTEGER PRIMARY KEY,
  lead_id       INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  assignment_id INTEGER REFERENCES assignments(id),
  card_id       INTEGER REFERENCES cards(id),    -- the approval card, for sla = approval
  sla           TEXT    NOT NULL,                -- accept / follow_up / approval
  step          TEXT    NOT NULL CHECK (step IN ('remind', 'manager', 'reassign')),
  to_open_id    TEXT,                            -- who was told (or the new owner, for reassign)
  at            INTEGER NOT NULL,
  UNIQUE (assignment_id, sla, step),
  UNIQUE (card_id, sla, step)
) STRICT;
CREATE INDEX escalations_lead ON escalations(lead_id, id);
`;
