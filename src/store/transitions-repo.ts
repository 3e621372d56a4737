import type { TransitionRecord } from '../domain/transitions.js';
import type { Sql } from './sql/sql.js';

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

/** The separator of `leads.history` (U+001F, which no stage id, time or kind holds). */
export const HISTORY_SEP = '\u001f';
const packEntry = (r: Pick<TransitionRecord, 'to' | 'at' | 'kind'>) => `${r.to}${HISTORY_SEP}${r.at.getTime()}${HISTORY_SEP}${r.kind}`;

/**
 * The entries of a packed history (`stage␟at␟kind␟stage␟at␟kind…`), in the order written: for each, where
 * its stage id lies in `packed` ([start, end)) and its time. Reads in place rather than splitting the
 * string or cutting out each stage id: a report reads a million entries (npm run bench:report).
 */
export function unpackHistory(packed: string, entry: (packed: string, start: number, end: number, at: number) => void): void {
  let i = 0;
  while (i < packed.length) {
    const s = packed.indexOf(HISTORY_SEP, i);
    if (s < 0) throw new Error(`leads.history: an entry without its time at ${i}`);
    let k = s + 1;
    const negative = packed.charCodeAt(k) === 45; // '-': before 1970
    if (negative) k++;
    const digits = k;
    let at = 0;
    for (let c = packed.charCodeAt(k); c >= 48 && c <= 57; c = packed.charCodeAt(++k)) at = at * 10 + (c - 48);
    if (k === digits || packed.charCodeAt(k) !== 0x1f) throw new Error(`leads.history: no time after stage ${packed.slice(i, s)} at ${s}`);
    entry(packed, i, s, negative ? -at : at);
    const kindEnd = packed.indexOf(HISTORY_SEP, k + 1);
    i = kindEnd < 0 ? packed.length : kindEnd + 1;
  }
}

/** Stage history: every entry into a stage, append-only. */
export function createTransitionsRepo(sql: Sql) {
  const sep = sql.dialect.char(31);
  /** the lead's packed history (migration 018) gains these entries, in the order given */
  const pack = (leadId: number, list: readonly TransitionRecord[]) => sql.run(`UPDATE leads SET history = COALESCE(history || ${sep}, '') || @piece WHERE id = @leadId`, { leadId, piece: list.map((r) => packEntry(r)).join(HISTORY_SEP) });
  return {
    /** Stage entries after `id` (a job's cursor), oldest first: their ids and leads. */
    after: async (id: number, limit: number): Promise<Array<{ id: number; leadId: number }>> =>
      (await sql.all<{ id: number; lead_id: number }>('SELECT id, lead_id FROM stage_transitions WHERE id > ? ORDER BY id LIMIT ?', [id, limit])).map((r) => ({ id: r.id, leadId: r.lead_id })),
    async append(leadId: number, r: TransitionRecord): Promise<void> {
      await sql.transaction(async () => {
        await sql.run(
          `INSERT INTO stage_transitions (lead_id, from_stage, to_stage, at, actor_id, reason, approval_id, entry_index, kind)
           VALUES (@leadId, @from, @to, @at, @actorId, @reason, @approvalId, @entryIndex, @kind)`,
          { leadId, from: r.from, to: r.to, at: r.at.getTime(), actorId: r.actorId, reason: r.reason, approvalId: r.approvalId, entryIndex: r.entryIndex, kind: r.kind },
        );
        await pack(leadId, [r]);
      });
    },
    /** Many entries at once (history brought in from elsewhere: the sandbox's demo months), 500 rows a statement. */
    async appendMany(rows: ReadonlyArray<TransitionRecord & { leadId: number }>): Promise<void> {
      await sql.transaction(async () => {
        for (let k = 0; k < rows.length; k += 500) {
          const part = rows.slice(k, k + 500);
          await sql.run(
            `INSERT INTO stage_transitions (lead_id, from_stage, to_stage, at, actor_id, reason, approval_id, entry_index, kind) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
            part.flatMap((r) => [r.leadId, r.from, r.to, r.at.getTime(), r.actorId, r.reason, r.approvalId, r.entryIndex, r.kind]),
          );
        }
        const byLead = new Map<number, TransitionRecord[]>();
        for (const r of rows) {
          const list = byLead.get(r.leadId);
          if (list) list.push(r);
          else byLead.set(r.leadId, [r]);
        }
        for (const [leadId, list] of byLead) await pack(leadId, list);
      });
    },
    listForLead: async (leadId: number): Promise<TransitionRecord[]> => (await sql.all<Raw>('SELECT * FROM stage_transitions WHERE lead_id = ? ORDER BY at, id', [leadId])).map(toRecord),
    listBetween: async (from: Date, to: Date): Promise<Array<TransitionRecord & { leadId: number }>> =>
      (await sql.all<Raw & { lead_id: number }>('SELECT * FROM stage_transitions WHERE at >= ? AND at < ? ORDER BY at, id', [from.getTime(), to.getTime()])).map((r) => ({ ...toRecord(r), leadId: r.lead_id })),
  };
}
