import type { Db } from './db.js';

export interface LedgerEntry {
  id: number;
  leadId: number;
  at: Date;
  delta: number;
  balance: number;
  reasonCode: string;
  detail: string | null;
  sourceKey: string | null;
}

interface Raw {
  id: number;
  lead_id: number;
  at: number;
  delta: number;
  balance: number;
  reason_code: string;
  detail: string | null;
  source_key: string | null;
}

const toEntry = (r: Raw): LedgerEntry => ({
  id: r.id,
  leadId: r.lead_id,
  at: new Date(r.at),
  delta: r.delta,
  balance: r.balance,
  reasonCode: r.reason_code,
  detail: r.detail,
  sourceKey: r.source_key,
});

export type ScoreLedgerRepo = ReturnType<typeof createScoreLedgerRepo>;

/**
 * The score is explainable: every point change is a ledger row with its reason, and the lead's score
 * is the running balance. A `sourceKey` makes an entry idempotent (the same activity never scores twice).
 */
export function createScoreLedgerRepo(db: Db) {
  const current = db.prepare<[number], { score: number }>('SELECT score FROM leads WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO score_ledger (lead_id, at, delta, balance, reason_code, detail, source_key)
     VALUES (@leadId, @at, @delta, @balance, @reasonCode, @detail, @sourceKey) ON CONFLICT(source_key) DO NOTHING`,
  );
  const setScore = db.prepare('UPDATE leads SET score = @balance, updated_at = @at, version = version + 1 WHERE id = @leadId');
  const forLead = db.prepare<[number], Raw>('SELECT * FROM score_ledger WHERE lead_id = ? ORDER BY id');
  const linesOf = db.prepare<[number], [number, number, string, string | null]>('SELECT id, delta, reason_code, detail FROM score_ledger WHERE lead_id = ? ORDER BY id').raw(true);

  const append = db.transaction((e: { leadId: number; at: Date; delta: number; reasonCode: string; detail?: string; sourceKey?: string }): LedgerEntry | undefined => {
    const row = current.get(e.leadId);
    if (!row) throw new Error(`score ledger: lead ${e.leadId} does not exist`);
    const balance = row.score + e.delta;
    const info = insert.run({ leadId: e.leadId, at: e.at.getTime(), delta: e.delta, balance, reasonCode: e.reasonCode, detail: e.detail ?? null, sourceKey: e.sourceKey ?? null });
    if (info.changes === 0) return undefined; // already recorded for this source
    setScore.run({ leadId: e.leadId, balance, at: e.at.getTime() });
    return { id: Number(info.lastInsertRowid), leadId: e.leadId, at: e.at, delta: e.delta, balance, reasonCode: e.reasonCode, detail: e.detail ?? null, sourceKey: e.sourceKey ?? null };
  });

  return {
    /** Add a point change; returns undefined when `sourceKey` was already scored. */
    append,
    listForLead: (leadId: number): LedgerEntry[] => forLead.all(leadId).map(toEntry),
    /** The ledgers of a batch of leads (the decay pass), each as id, points and reason, oldest first. */
    linesForLeads(leadIds: readonly number[]): Map<number, Array<{ id: number; delta: number; reasonCode: string; detail: string | null }>> {
      const out = new Map<number, Array<{ id: number; delta: number; reasonCode: string; detail: string | null }>>();
      for (const id of leadIds)
        out.set(
          id,
          linesOf.all(id).map(([lineId, delta, reasonCode, detail]) => ({ id: lineId, delta, reasonCode, detail })),
        );
      return out;
    },
    /**
     * (inside a transaction, the lead's score known to be `balance - delta`) An entry without re-reading
     * the lead or updating it: the caller writes the score (the decay pass, once per lead). Returns its
     * id, or undefined when `sourceKey` was already recorded.
     */
    appendKnown(e: { leadId: number; at: Date; delta: number; balance: number; reasonCode: string; detail: string; sourceKey: string }): number | undefined {
      const info = insert.run({ leadId: e.leadId, at: e.at.getTime(), delta: e.delta, balance: e.balance, reasonCode: e.reasonCode, detail: e.detail, sourceKey: e.sourceKey });
      return info.changes === 0 ? undefined : Number(info.lastInsertRowid);
    },
  };
}
