/**
 * Erasure of a person's contact data (issue 22, PIPL; docs/operations.md#erasing-a-person): a lead keeps
 * its row, stages and counts, and says when its contact data was erased; `erasures` is the audit of who
 * erased what and when (the subject masked: the audit must not keep what was erased).
 */
export const sql = `
ALTER TABLE leads ADD COLUMN erased_at INTEGER;
CREATE TABLE erasures (
  id             INTEGER PRIMARY KEY,
  at             INTEGER NOT NULL,
  operator       TEXT    NOT NULL,                    -- who ran it (--by, the system user, or 'retention')
  selector       TEXT    NOT NULL CHECK (selector IN ('phone', 'email', 'lead', 'retention')),
  subject        TEXT    NOT NULL,                    -- what was asked for, masked (139****5678, z***@example.cn, XS-000123)
  lead_keys_json TEXT    NOT NULL,                    -- the leads whose contact data went
  cleared_json   TEXT    NOT NULL                     -- how many values were cleared where
) STRICT;
`;
