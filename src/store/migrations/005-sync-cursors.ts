/** Named cursors, e.g. how far reconciliation has read the leads table (its 最后更新时间). */
export const sql = `
CREATE TABLE sync_cursors (
  name       TEXT    PRIMARY KEY,
  value      INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
`;
