import type { AssignmentFacts } from '../domain/metrics/assignments.js';
import { type Histories, HistoryBuilder } from '../domain/metrics/histories.js';
import { placeholders, type Sql } from './sql/sql.js';
import { unpackHistory } from './transitions-repo.js';

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

/** Leads read per query by `histories()`. */
const HISTORY_PAGE = 5_000;

export function createMetricsRepo(sql: Sql) {
  const j = (k: string) => sql.dialect.jsonText('facts_json', k);
  return {
    /**
     * Every lead with its source and stage history, from the history packed on its row (migration 018):
     * one row per lead, not one per entry, read straight into columns (npm run bench:report). `page`:
     * leads per query (HISTORY_PAGE).
     */
    async histories(o: { page?: number } = {}): Promise<Histories> {
      const page = o.page ?? HISTORY_PAGE;
      const b = new HistoryBuilder();
      const entry = (packed: string, start: number, end: number, at: number) => b.entryIn(packed, start, end, at);
      // Page by page: each page's rows are garbage once read into columns, so the collector never has to
      // keep (and copy) every lead's text at once.
      for (let after = 0; ; ) {
        const rows = await sql.all<{ id: number; created_at: number; source: string | null; history: string }>(
          'SELECT id, created_at, source, history FROM leads WHERE id > ? AND deleted_at IS NULL AND history IS NOT NULL ORDER BY id LIMIT ?',
          [after, page],
        );
        for (const r of rows) {
          b.lead(Number(r.id), Number(r.created_at), r.source);
          unpackHistory(r.history, entry);
        }
        if (rows.length < page) break;
        after = Number(rows.at(-1)!.id);
      }
      return b.build();
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
    /** Every offer; with `from`/`to`, only those made or returned in [from, to) (a report's period). */
    async assignments(o: { from?: Date; to?: Date } = {}): Promise<AssignmentFacts[]> {
      const [from, to] = [o.from?.getTime() ?? Number.MIN_SAFE_INTEGER, o.to?.getTime() ?? Number.MAX_SAFE_INTEGER];
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
         FROM assignments a JOIN leads l ON l.id = a.lead_id
         WHERE l.deleted_at IS NULL AND ((a.offered_at >= @from AND a.offered_at < @to) OR (a.returned_at >= @from AND a.returned_at < @to))
         ORDER BY a.id`,
        { from, to },
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
