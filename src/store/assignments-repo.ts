import type { Db } from './db.js';

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

export function createAssignmentsRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO assignments (lead_id, owner_id, status, source, offered_at, accept_due_at, card_id, why)
     VALUES (@leadId, @ownerId, 'offered', @source, @now, @due, @cardId, @why)`,
  );
  const byId = db.prepare<[number], Raw>('SELECT * FROM assignments WHERE id = ?');
  const current = db.prepare<[number], Raw>("SELECT * FROM assignments WHERE lead_id = ? AND status IN ('offered', 'accepted') ORDER BY id DESC LIMIT 1");
  const forLead = db.prepare<[number], Raw>('SELECT * FROM assignments WHERE lead_id = ? ORDER BY id');
  const accept = db.prepare(`UPDATE assignments SET status = 'accepted', accepted_at = @now, accepted_by = @by, follow_up_due_at = @due WHERE id = @id AND status = 'offered'`);
  const ret = db.prepare(`UPDATE assignments SET status = 'returned', returned_at = @now, return_reason = @reason, return_note = @note WHERE id = @id AND status IN ('offered', 'accepted')`);
  const withdraw = db.prepare(`UPDATE assignments SET status = 'withdrawn', returned_at = @now WHERE id = @id AND status IN ('offered', 'accepted')`);
  const setCard = db.prepare('UPDATE assignments SET card_id = @cardId WHERE id = @id');
  const lastOffered = db.prepare<[number], { at: number | null }>('SELECT MAX(offered_at) AS at FROM assignments WHERE lead_id = ?');
  return {
    offer(a: { leadId: number; ownerId: string; source: string; acceptDueAt: Date | null; why?: string; now: Date }): AssignmentRow {
      const info = insert.run({ leadId: a.leadId, ownerId: a.ownerId, source: a.source, now: a.now.getTime(), due: a.acceptDueAt?.getTime() ?? null, cardId: null, why: a.why ?? null });
      return toRow(byId.get(Number(info.lastInsertRowid))!);
    },
    get: (id: number): AssignmentRow | undefined => {
      const r = byId.get(id);
      return r && toRow(r);
    },
    /** The lead's live assignment (offered or accepted), if any. */
    current: (leadId: number): AssignmentRow | undefined => {
      const r = current.get(leadId);
      return r && toRow(r);
    },
    listForLead: (leadId: number): AssignmentRow[] => forLead.all(leadId).map(toRow),
    /** When the lead was last offered to someone (null: never). */
    lastOfferedAt: (leadId: number): Date | null => {
      const at = lastOffered.get(leadId)?.at;
      return at === null || at === undefined ? null : new Date(at);
    },
    setCard: (id: number, cardId: number): void => void setCard.run({ id, cardId }),
    accept: (id: number, by: string, followUpDueAt: Date | null, now: Date): boolean => accept.run({ id, by, due: followUpDueAt?.getTime() ?? null, now: now.getTime() }).changes === 1,
    markReturned: (id: number, reason: string, note: string | null, now: Date): boolean => ret.run({ id, reason, note, now: now.getTime() }).changes === 1,
    withdraw: (id: number, now: Date): boolean => withdraw.run({ id, now: now.getTime() }).changes === 1,
  };
}
