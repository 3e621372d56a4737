import type { Sql } from './sql/sql.js';

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

export function createEscalationsRepo(sql: Sql) {
  const list = async (column: 'assignment_id' | 'card_id' | 'lead_id', id: number): Promise<EscalationRow[]> => (await sql.all<Raw>(`SELECT * FROM escalations WHERE ${column} = ? ORDER BY id`, [id])).map(toRow);
  return {
    /** Record a step; false when this step was already taken for this assignment and SLA. */
    record: async (e: { leadId: number; assignmentId?: number; cardId?: number; sla: string; step: EscalationStep; toId: string | null; at: Date }): Promise<boolean> =>
      (await sql.run('INSERT INTO escalations (lead_id, assignment_id, card_id, sla, step, to_open_id, at) VALUES (@leadId, @assignmentId, @cardId, @sla, @step, @to, @at) ON CONFLICT DO NOTHING', {
        leadId: e.leadId,
        assignmentId: e.assignmentId ?? null,
        cardId: e.cardId ?? null,
        sla: e.sla,
        step: e.step,
        to: e.toId,
        at: e.at.getTime(),
      })) === 1,
    forCard: (id: number) => list('card_id', id),
    forAssignment: (id: number) => list('assignment_id', id),
    forLead: (id: number) => list('lead_id', id),
  };
}
