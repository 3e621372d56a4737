/**
 * Outbound webhook subscribers (issue 10): systems that want to hear about leads (a CRM, a data
 * warehouse, a marketing-automation tool). Each has a URL, the event types it wants (an empty list:
 * all) and a secret version: its Standard Webhooks secret is derived from WEBHOOK_SIGNING_KEY, the id
 * and the version, never stored, so rotating means version + 1. Removing keeps the row (revoked_at):
 * its queued events are answered as dead letters naming why, and its name is free again.
 *
 * Two partial indexes for the message outbox's claim (store/outbox-repo.ts): "is an earlier row to this
 * target waiting for its retry, or in flight?" was a scan of every row of the target, so a backlog of N
 * events for one subscriber (an import of thousands of leads) cost N² per claim (230 s of CPU for 6,000
 * events); now it is a seek.
 */
export const sql = `
CREATE TABLE webhook_subscribers (
  id             TEXT    PRIMARY KEY,
  name           TEXT    NOT NULL,
  url            TEXT    NOT NULL,
  events_json    TEXT    NOT NULL,
  secret_version INTEGER NOT NULL DEFAULT 1,
  created_at     INTEGER NOT NULL,
  revoked_at     INTEGER
) STRICT;
CREATE UNIQUE INDEX webhook_subscribers_name ON webhook_subscribers(name) WHERE revoked_at IS NULL;
CREATE INDEX outbox_waiting ON outbox(target, next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_leased ON outbox(target, lease_until) WHERE status = 'in_flight';
`;
