import type { AssignmentFacts } from '../domain/metrics/assignments.js';
import type { LeadHistory } from '../domain/metrics/history.js';
import { placeholders, type Sql } from './sql/sql.js';
import { HISTORY_SEP } from './transitions-repo.js';

/**
 * What the numbers are computed from (domain/metrics), read in a few set-based queries: every lead
 * (deleted rows aside) with its 来源渠道 and stage history, and every assignment with whether its SLA
 * ladders fired. Reads only.
 */
export type MetricsRepo = ReturnType<typeof createMetricsRepo>;

/** What a report names a lead by. */
export interface LeadLabel {
  key: string;
  company: string | null;
  owner: string | null;
}

export function createMetricsRepo(sql: Sql) {
  const j = (k: string) => sql.dialect.jsonText('facts_json', k);
  return {
    /**
     * Every lead with its source and stage history, from the history packed on its row (migration 018):
     * one row per lead, not one per entry (npm run bench:report).
     */
    async histories(): Promise<LeadHistory[]> {
      const rows = await sql.all<{ id: number; created_at: number; source: string | null; history: string }>(
        `SELECT id, created_at, ${j('source')} AS source, history FROM leads WHERE deleted_at IS NULL AND history IS NOT NULL ORDER BY id`,
      );
      const out: LeadHistory[] = new Array(rows.length);
      for (let k = 0; k < rows.length; k++) {
        const r = rows[k]!;
        const p = r.history.split(HISTORY_SEP);
        const transitions: Array<LeadHistory['transitions'][number]> = [];
        for (let i = 0; i + 2 < p.length; i += 3) transitions.push({ from: i ? p[i - 3]! : null, to: p[i]!, at: new Date(Number(p[i + 1])), kind: p[i + 2] as LeadHistory['transitions'][number]['kind'] });
        out[k] = { id: Number(r.id), source: r.source, createdAt: new Date(Number(r.created_at)), transitions };
      }
      return out;
    },
    /** The 线索编号, company and owner of these leads (the ones a report lists). */
    async labels(ids: readonly number[]): Promise<Map<number, LeadLabel>> {
      const out = new Map<number, LeadLabel>();
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        const rows = await sql.all<{ id: number; lead_key: string; company: string | null; owner: string | null }>(
          `SELECT id, lead_key, ${j('company')} AS company, COALESCE(owner_id, ${j('owner')}) AS owner FROM leads WHERE id IN (${placeholders(part.length)})`,
          part,
        );
        for (const r of rows) out.set(Number(r.id), { key: r.lead_key, company: r.company, owner: r.owner });
      }
      return out;
    },
    async assignments(): Promise<AssignmentFacts[]> {
      const rows = await sql.all<{
        owner_id: string;
        status: AssignmentFacts['status'];
        offered_at: number;
        accept_due_at: number | null;
        accepted_at: number | null;
        follow_up_due_at: number | null;
        returned_at: number | null;
        return_reason: string | null;
        esc_accept: number | boolean;
        esc_follow_up: number | boolean;
      }>(
        `SELECT a.owner_id, a.status, a.offered_at, a.accept_due_at, a.accepted_at, a.follow_up_due_at, a.returned_at, a.return_reason,
           EXISTS (SELECT 1 FROM escalations e WHERE e.assignment_id = a.id AND e.sla = 'accept') AS esc_accept,
           EXISTS (SELECT 1 FROM escalations e WHERE e.assignment_id = a.id AND e.sla = 'follow_up') AS esc_follow_up
         FROM assignments a JOIN leads l ON l.id = a.lead_id WHERE l.deleted_at IS NULL ORDER BY a.id`,
      );
      const date = (v: number | null) => (v === null ? null : new Date(Number(v)));
      return rows.map((r) => ({
        ownerId: r.owner_id,
        status: r.status,
        offeredAt: new Date(Number(r.offered_at)),
        acceptDueAt: date(r.accept_due_at),
        acceptedAt: date(r.accepted_at),
        followUpDueAt: date(r.follow_up_due_at),
        returnedAt: date(r.returned_at),
        returnReason: r.return_reason,
        escalated: { accept: r.esc_accept === true || Number(r.esc_accept) === 1, followUp: r.esc_follow_up === true || Number(r.esc_follow_up) === 1 },
      }));
    },
  };
}
