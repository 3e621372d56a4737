import type { Db } from './db.js';

/** SLA escalation steps taken (migration 007); each step at most once per assignment and SLA. */
export type EscalationStep = 'remind' | 'manager' | 'reassign';
export interface EscalationRow {
  id: number;
  leadId: number;
  assignmentId: number | null;
  cardId: number | null;
  sla: string;
  step: EscalationStep;
  toId: string | null;
  at: Date;
}

interface Raw {
  id: number;
  lead_id: number;
  assignment_id: number | null;
  card_id: number | null;
  sla: string;
  step: EscalationStep;
  to_open_id: string | null;
  at: number;
}

const toRow = (r: Raw): EscalationRow => ({ id: r.id, leadId: r.lead_id, assignmentId: r.assignment_id, cardId: r.card_id, sla: r.sla, step: r.step, toId: r.to_open_id, at: new Date(r.at) });

export type EscalationsRepo = ReturnType<typeof createEscalationsRepo>;

export function createEscalationsRepo(db: Db) {
  const insert = db.prepare(`INSERT OR IGNORE INTO escalations (lead_id, assignment_id, card_id, sla, step, to_open_id, at) VALUES (@leadId, @assignmentId, @cardId, @sla, @step, @to, @at)`);
  const forAssignment = db.prepare<[number], Raw>('SELECT * FROM escalations WHERE assignment_id = ? ORDER BY id');
  const forCard = db.prepare<[number], Raw>('SELECT * FROM escalations WHERE card_id = ? ORDER BY id');
  const forLead = db.prepare<[number], Raw>('SELECT * FROM escalations WHERE lead_id = ? ORDER BY id');
  return {
    /** Record a step; false when this step was already taken for this assignment and SLA. */
    record: (e: { leadId: number; assignmentId?: number; cardId?: number; sla: string; step: EscalationStep; toId: string | null; at: Date }): boolean =>
      insert.run({ leadId: e.leadId, assignmentId: e.assignmentId ?? null, cardId: e.cardId ?? null, sla: e.sla, step: e.step, to: e.toId, at: e.at.getTime() }).changes === 1,
    forCard: (id: number): EscalationRow[] => forCard.all(id).map(toRow),
    forAssignment: (id: number): EscalationRow[] => forAssignment.all(id).map(toRow),
    forLead: (id: number): EscalationRow[] => forLead.all(id).map(toRow),
  };
}
