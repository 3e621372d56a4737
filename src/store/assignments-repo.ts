import type { Sql } from './sql/sql.js';

/** Who was offered a lead, and what they did with it (migration 006). */
export type AssignmentStatus = 'offered' | 'accepted' | 'returned' | 'withdrawn';

export interface AssignmentRow {
  id: number;
  leadId: number;
  ownerId: string;
  status: AssignmentStatus;
  source: string;
  offeredAt: Date;
  acceptDueAt: Date | null;
  acceptedAt: Date | null;
  acceptedBy: string | null;
  followUpDueAt: Date | null;
  returnedAt: Date | null;
  returnReason: string | null;
  returnNote: string | null;
  cardId: number | null;
  /** why this person (routing's reasoning, or 跟进人 typed in the Bitable) */
  why: string | null;
}

interface Raw {
  id: number;
  lead_id: number;
  owner_id: string;
  status: AssignmentStatus;
  source: string;
  offered_at: number;
  accept_due_at: number | null;
  accepted_at: number | null;
  accepted_by: string | null;
  follow_up_due_at: number | null;
  returned_at: number | null;
  return_reason: string | null;
  return_note: string | null;
  card_id: number | null;
  why: string | null;
}

const date = (n: number | null) => (n === null ? null : new Date(n));
const toRow = (r: Raw): AssignmentRow => ({
  id: r.id,
  leadId: r.lead_id,
  ownerId: r.owner_id,
  status: r.status,
  source: r.source,
  offeredAt: new Date(r.offered_at),
  acceptDueAt: date(r.accept_due_at),
  acceptedAt: date(r.accepted_at),
  acceptedBy: r.accepted_by,
  followUpDueAt: date(r.follow_up_due_at),
  returnedAt: date(r.returned_at),
  returnReason: r.return_reason,
  returnNote: r.return_note,
  cardId: r.card_id,
  why: r.why,
});

export type AssignmentsRepo = ReturnType<typeof createAssignmentsRepo>;

export function createAssignmentsRepo(sql: Sql) {
  const one = async (text: string, params: readonly unknown[]) => {
    const r = await sql.get<Raw>(text, params);
    return r && toRow(r);
  };
  const changed = async (text: string, params: Readonly<Record<string, unknown>>) => (await sql.run(text, params)) === 1;
  return {
    async offer(a: { leadId: number; ownerId: string; source: string; acceptDueAt: Date | null; why?: string; now: Date }): Promise<AssignmentRow> {
      const r = await sql.get<Raw>(
        `INSERT INTO assignments (lead_id, owner_id, status, source, offered_at, accept_due_at, card_id, why)
         VALUES (@leadId, @ownerId, 'offered', @source, @now, @due, @cardId, @why) RETURNING *`,
        { leadId: a.leadId, ownerId: a.ownerId, source: a.source, now: a.now.getTime(), due: a.acceptDueAt?.getTime() ?? null, cardId: null, why: a.why ?? null },
      );
      return toRow(r!);
    },
    get: (id: number): Promise<AssignmentRow | undefined> => one('SELECT * FROM assignments WHERE id = ?', [id]),
    /** The lead's live assignment (offered or accepted), if any. */
    current: (leadId: number): Promise<AssignmentRow | undefined> => one("SELECT * FROM assignments WHERE lead_id = ? AND status IN ('offered', 'accepted') ORDER BY id DESC LIMIT 1", [leadId]),
    listForLead: async (leadId: number): Promise<AssignmentRow[]> => (await sql.all<Raw>('SELECT * FROM assignments WHERE lead_id = ? ORDER BY id', [leadId])).map(toRow),
    /** When the lead was last offered to someone (null: never). */
    async lastOfferedAt(leadId: number): Promise<Date | null> {
      const at = (await sql.get<{ at: number | null }>('SELECT MAX(offered_at) AS at FROM assignments WHERE lead_id = ?', [leadId]))?.at;
      return at === null || at === undefined ? null : new Date(at);
    },
    /** How many leads `ownerId` claimed from a pool since `since`. */
    async claimsSince(ownerId: string, since: Date): Promise<number> {
      return Number((await sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM assignments WHERE owner_id = ? AND source = 'claim' AND offered_at >= ?", [ownerId, since.getTime()]))?.n ?? 0);
    },
    /** How many leads in `stages` `ownerId` holds (offered or accepted, not deleted). */
    async holding(ownerId: string, stages: readonly string[]): Promise<number> {
      if (!stages.length) return 0;
      return Number(
        (
          await sql.get<{ n: number }>(
            `SELECT COUNT(*) AS n FROM assignments a JOIN leads l ON l.id = a.lead_id WHERE a.owner_id = ? AND a.status IN ('offered', 'accepted') AND l.deleted_at IS NULL AND l.stage IN (${stages.map(() => '?').join(', ')})`,
            [ownerId, ...stages],
          )
        )?.n ?? 0,
      );
    },
    /** When `ownerId` last gave this lead back (null: never). */
    async returnedBy(leadId: number, ownerId: string): Promise<Date | null> {
      const at = (await sql.get<{ at: number | null }>("SELECT MAX(returned_at) AS at FROM assignments WHERE lead_id = ? AND owner_id = ? AND status = 'returned'", [leadId, ownerId]))?.at;
      return at === null || at === undefined ? null : new Date(at);
    },
    /** Leads routed to each person (by the 分配规则, not claims or typed owners) since `since`: 每日新线索上限. */
    async routedSince(since: Date): Promise<Map<string, number>> {
      const rows = await sql.all<{ owner_id: string; n: number }>("SELECT owner_id, COUNT(*) AS n FROM assignments WHERE source LIKE 'routing:%' AND offered_at >= ? GROUP BY owner_id", [since.getTime()]);
      return new Map(rows.map((r) => [r.owner_id, Number(r.n)]));
    },
    /** The live assignments (offered or accepted) of one person, on leads still in the table, oldest first. */
    liveOf: async (ownerId: string): Promise<AssignmentRow[]> =>
      (await sql.all<Raw>("SELECT a.* FROM assignments a JOIN leads l ON l.id = a.lead_id WHERE a.owner_id = ? AND a.status IN ('offered', 'accepted') AND l.deleted_at IS NULL ORDER BY a.id", [ownerId])).map(toRow),
    /** Accepted assignments after id `afterId`, in id order (a pass over the leads reps hold, page by page). */
    acceptedPage: async (afterId: number, limit: number): Promise<Array<{ id: number; leadId: number }>> =>
      (await sql.all<{ id: number; lead_id: number }>("SELECT id, lead_id FROM assignments WHERE status = 'accepted' AND id > ? ORDER BY id LIMIT ?", [afterId, limit])).map((r) => ({ id: Number(r.id), leadId: Number(r.lead_id) })),
    setCard: async (id: number, cardId: number): Promise<void> => void (await sql.run('UPDATE assignments SET card_id = @cardId WHERE id = @id', { id, cardId })),
    accept: (id: number, by: string, followUpDueAt: Date | null, now: Date): Promise<boolean> =>
      changed(`UPDATE assignments SET status = 'accepted', accepted_at = @now, accepted_by = @by, follow_up_due_at = @due WHERE id = @id AND status = 'offered'`, {
        id,
        by,
        due: followUpDueAt?.getTime() ?? null,
        now: now.getTime(),
      }),
    markReturned: (id: number, reason: string, note: string | null, now: Date): Promise<boolean> =>
      changed(`UPDATE assignments SET status = 'returned', returned_at = @now, return_reason = @reason, return_note = @note WHERE id = @id AND status IN ('offered', 'accepted')`, { id, reason, note, now: now.getTime() }),
    withdraw: (id: number, now: Date): Promise<boolean> => changed(`UPDATE assignments SET status = 'withdrawn', returned_at = @now WHERE id = @id AND status IN ('offered', 'accepted')`, { id, now: now.getTime() }),
  };
}
