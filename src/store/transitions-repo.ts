import type { TransitionRecord } from '../domain/transitions.js';
import type { Db } from './db.js';

interface Raw {
  from_stage: string | null;
  to_stage: string;
  at: number;
  actor_id: string;
  reason: string | null;
  approval_id: string | null;
  entry_index: number;
  kind: string;
}

const toRecord = (r: Raw): TransitionRecord => ({
  from: r.from_stage,
  to: r.to_stage,
  at: new Date(r.at),
  actorId: r.actor_id,
  reason: r.reason,
  approvalId: r.approval_id,
  entryIndex: r.entry_index,
  kind: r.kind as TransitionRecord['kind'],
});

export type TransitionsRepo = ReturnType<typeof createTransitionsRepo>;

/** Stage history: every entry into a stage, append-only. */
export function createTransitionsRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO stage_transitions (lead_id, from_stage, to_stage, at, actor_id, reason, approval_id, entry_index, kind)
     VALUES (@leadId, @from, @to, @at, @actorId, @reason, @approvalId, @entryIndex, @kind)`,
  );
  const forLead = db.prepare<[number], Raw>('SELECT * FROM stage_transitions WHERE lead_id = ? ORDER BY at, id');
  const between = db.prepare<[number, number], Raw & { lead_id: number }>('SELECT * FROM stage_transitions WHERE at >= ? AND at < ? ORDER BY at, id');
  const after = db.prepare<[number, number], { id: number; lead_id: number }>('SELECT id, lead_id FROM stage_transitions WHERE id > ? ORDER BY id LIMIT ?');
  return {
    /** Stage entries after `id` (a job's cursor), oldest first: their ids and leads. */
    after: (id: number, limit: number): Array<{ id: number; leadId: number }> => after.all(id, limit).map((r) => ({ id: r.id, leadId: r.lead_id })),
    append(leadId: number, r: TransitionRecord): void {
      insert.run({ leadId, from: r.from, to: r.to, at: r.at.getTime(), actorId: r.actorId, reason: r.reason, approvalId: r.approvalId, entryIndex: r.entryIndex, kind: r.kind });
    },
    listForLead: (leadId: number): TransitionRecord[] => forLead.all(leadId).map(toRecord),
    listBetween: (from: Date, to: Date): Array<TransitionRecord & { leadId: number }> => between.all(from.getTime(), to.getTime()).map((r) => ({ ...toRecord(r), leadId: r.lead_id })),
  };
}
