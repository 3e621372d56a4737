/**
 * Leads waiting for an owner: a routing rule matched but nobody could take the lead (every rep at
 * 跟进上限, off duty or on leave). Offered in arrival order as soon as someone has room.
 */
export const sql = `
CREATE TABLE owner_queue (
  lead_id    INTEGER PRIMARY KEY REFERENCES leads(id),
  queued_at  INTEGER NOT NULL,
  route_when TEXT    NOT NULL CHECK (route_when IN ('new', 'handoff')),
  why        TEXT    NOT NULL
) STRICT;
CREATE INDEX owner_queue_order ON owner_queue(queued_at, lead_id);
`;
