/**
 * People Feishu does not know: an open id from 销售团队 that a card @-mentioned and Feishu refused
 * (230099 / 100290: left the company, another tenant's id, a typo). Kept for `npm run doctor`.
 */
export const sql = `
CREATE TABLE unknown_users (
  open_id       TEXT    PRIMARY KEY,
  name          TEXT,
  first_seen_at INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  times         INTEGER NOT NULL DEFAULT 1
) STRICT;
`;
