/** A lead whose Bitable row was deleted keeps its history; it is only marked. */
export const sql = `
ALTER TABLE leads ADD COLUMN deleted_at INTEGER;
`;
