/**
 * Two indexes found missing when 10,000 leads were imported at once:
 * - activities posted before their lead exists (POST /api/activities) wait under the name they gave it
 *   (`lead_ref`); each new lead looks its own names up (only the waiting ones are indexed);
 * - a lead's timers (re-planning nurture, SLAs and 保护期 cancels and reads them per lead): without an
 *   index each lookup read every pending timer, so a burst of new leads cost time quadratic in its size
 *   (10,000 imported leads: 4 minutes before, 15 seconds after);
 * - the Bitable writes queued for a row (`outbox.row_key`: its record id, or the 线索编号 of a lead whose
 *   row the server is creating), which every record event and reconciled row looks up to tell the
 *   server's own writes from a person's; before, each lookup read the JSON of every queued write.
 */
export const sql = `
CREATE INDEX activities_waiting ON activities(lead_ref) WHERE lead_id IS NULL;
CREATE INDEX timers_lead ON timers(lead_id, status, due_at);
ALTER TABLE outbox ADD COLUMN row_key TEXT;
UPDATE outbox SET row_key = COALESCE(json_extract(payload_json, '$.recordId'), json_extract(payload_json, '$.leadKey'))
  WHERE kind IN ('bitable.create', 'bitable.update') AND status IN ('pending', 'in_flight');
CREATE INDEX outbox_row ON outbox(target, row_key, status) WHERE row_key IS NOT NULL;
`;

export const postgres = `
CREATE INDEX activities_waiting ON activities(lead_ref) WHERE lead_id IS NULL;
CREATE INDEX timers_lead ON timers(lead_id, status, due_at);
ALTER TABLE outbox ADD COLUMN row_key TEXT;
UPDATE outbox SET row_key = COALESCE(payload_json::jsonb ->> 'recordId', payload_json::jsonb ->> 'leadKey')
  WHERE kind IN ('bitable.create', 'bitable.update') AND status IN ('pending', 'in_flight');
CREATE INDEX outbox_row ON outbox(target, row_key, status) WHERE row_key IS NOT NULL;
`;
