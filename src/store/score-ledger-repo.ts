import { chunks, placeholders, type Sql } from './sql/sql.js';

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
export function createScoreLedgerRepo(sql: Sql) {
  const insert = (e: { leadId: number; at: Date; delta: number; balance: number; reasonCode: string; detail: string | null; sourceKey: string | null }) =>
    sql.get<{ id: number }>(
      `INSERT INTO score_ledger (lead_id, at, delta, balance, reason_code, detail, source_key)
       VALUES (@leadId, @at, @delta, @balance, @reasonCode, @detail, @sourceKey) ON CONFLICT (source_key) DO NOTHING RETURNING id`,
      { ...e, at: e.at.getTime() },
    );
  return {
    /** Add a point change; returns undefined when `sourceKey` was already scored. */
    append: (e: { leadId: number; at: Date; delta: number; reasonCode: string; detail?: string; sourceKey?: string }): Promise<LedgerEntry | undefined> =>
      sql.transaction(async () => {
        const row = await sql.get<{ score: number }>('SELECT score FROM leads WHERE id = ?', [e.leadId]);
        if (!row) throw new Error(`score ledger: lead ${e.leadId} does not exist`);
        const balance = row.score + e.delta;
        const added = await insert({ leadId: e.leadId, at: e.at, delta: e.delta, balance, reasonCode: e.reasonCode, detail: e.detail ?? null, sourceKey: e.sourceKey ?? null });
        if (!added) return undefined; // already recorded for this source
        await sql.run('UPDATE leads SET score = @balance, updated_at = @at, version = version + 1 WHERE id = @leadId', { leadId: e.leadId, balance, at: e.at.getTime() });
        return { id: added.id, leadId: e.leadId, at: e.at, delta: e.delta, balance, reasonCode: e.reasonCode, detail: e.detail ?? null, sourceKey: e.sourceKey ?? null };
      }),
    listForLead: async (leadId: number): Promise<LedgerEntry[]> => (await sql.all<Raw>('SELECT * FROM score_ledger WHERE lead_id = ? ORDER BY id', [leadId])).map(toEntry),
    /** The ledgers of a batch of leads (the decay pass), each as id, points and reason, oldest first. */
    async linesForLeads(leadIds: readonly number[]): Promise<Map<number, Array<{ id: number; delta: number; reasonCode: string; detail: string | null }>>> {
      const out = new Map<number, Array<{ id: number; delta: number; reasonCode: string; detail: string | null }>>(leadIds.map((id) => [id, []]));
      for (const ids of chunks(leadIds, 500)) {
        const rows = await sql.all<{ id: number; lead_id: number; delta: number; reason_code: string; detail: string | null }>(
          `SELECT id, lead_id, delta, reason_code, detail FROM score_ledger WHERE lead_id IN (${placeholders(ids.length)}) ORDER BY lead_id, id`,
          ids,
        );
        for (const r of rows) out.get(r.lead_id)!.push({ id: r.id, delta: r.delta, reasonCode: r.reason_code, detail: r.detail });
      }
      return out;
    },
    /**
     * (inside a transaction, the lead's score known to be `balance - delta`) An entry without re-reading
     * the lead or updating it: the caller writes the score (the decay pass, once per lead). Returns its
     * id, or undefined when `sourceKey` was already recorded.
     */
    appendKnown: async (e: { leadId: number; at: Date; delta: number; balance: number; reasonCode: string; detail: string; sourceKey: string }): Promise<number | undefined> => (await insert(e))?.id,
  };
}
