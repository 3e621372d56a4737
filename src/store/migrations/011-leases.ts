/**
 * Leases (issue: several instances): work only one instance may do at a time — the reconciliation pass,
 * a table's Bitable writes, later the long-lived platform connections — is done by the holder of its
 * lease. A lease expires unless renewed, so an instance that dies leaves it to be taken over.
 */
export const sql = `
CREATE TABLE leases (
  name       TEXT    PRIMARY KEY,
  holder     TEXT    NOT NULL,                      -- the instance holding it (host:pid:random)
  expires_at INTEGER NOT NULL
) STRICT;
`;
