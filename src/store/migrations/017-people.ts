/**
 * The names of the people in 销售团队, as the server last read them (issue 11): the report, the API and
 * `npm run report` (which reads only the database) show reps by name instead of by open_id.
 */
export const sql = `
CREATE TABLE people (
  open_id    TEXT    PRIMARY KEY,
  name       TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
`;
