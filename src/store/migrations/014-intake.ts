/**
 * Intake (issue 10): leads posted by web forms and other systems.
 * - `intake_sources`: who may post (官网表单, 展会小程序 …). An API key is kept only as its SHA-256
 *   (shown once when made); a signing source's secret is derived from SOURCE_SIGNING_KEY, never stored.
 * - `intake_requests`: the Idempotency-Key of each accepted request with the hash of its body and the
 *   lead it made or merged into, so a retry gets the same answer and a reused key with another body
 *   is refused.
 * - `leads.email_key` beside `phone_key` (dedupe by e-mail); phone keys become E.164
 *   (domain/contact-keys.ts), so they are cleared here and computed again at start.
 */
export const sql = `
ALTER TABLE leads ADD COLUMN email_key TEXT;
CREATE INDEX leads_email ON leads(email_key) WHERE email_key IS NOT NULL;
UPDATE leads SET phone_key = NULL;
CREATE TABLE intake_sources (
  id              TEXT    PRIMARY KEY,
  name            TEXT    NOT NULL UNIQUE,
  channel         TEXT,
  key_hash        TEXT,
  signing         INTEGER NOT NULL DEFAULT 0,
  rate_per_minute INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  revoked_at      INTEGER
) STRICT;
CREATE TABLE intake_requests (
  source_id  TEXT    NOT NULL REFERENCES intake_sources(id),
  idem_key   TEXT    NOT NULL,
  body_hash  TEXT    NOT NULL,
  lead_key   TEXT    NOT NULL,
  outcome    TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (source_id, idem_key)
) STRICT;
CREATE INDEX intake_requests_created ON intake_requests(created_at);
`;
