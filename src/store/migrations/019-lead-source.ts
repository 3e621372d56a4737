/**
 * Each lead's 来源渠道 in a column of its own (issue 11, npm run bench:report): the report reads every
 * lead's source, and taking it out of `facts_json` costs a JSON parse per row (100,000 leads: ~0.12 s of
 * a report's 1 s). The leads repository keeps it with the facts: the source when it is text, else null.
 */
export const sql = `
ALTER TABLE leads ADD COLUMN source TEXT;
UPDATE leads SET source = CASE WHEN json_type(facts_json, '$.source') = 'text' THEN json_extract(facts_json, '$.source') END;
`;

export const postgres = `
ALTER TABLE leads ADD COLUMN source TEXT;
UPDATE leads SET source = CASE WHEN jsonb_typeof(facts_json::jsonb -> 'source') = 'string' THEN facts_json::jsonb ->> 'source' END;
`;
