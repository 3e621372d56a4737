/**
 * 撞单 (issue 24): leads are matched on their phone too, by a normalised key (domain/duplicates.ts)
 * kept beside company_key and indexed. Rows from before are given their key at start (leads-repo:
 * backfillContactKeys).
 */
export const sql = `
ALTER TABLE leads ADD COLUMN phone_key TEXT;
CREATE INDEX leads_phone ON leads(phone_key) WHERE phone_key IS NOT NULL;
`;
