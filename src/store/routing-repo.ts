import type { Sql } from './sql/sql.js';

/**
 * What routing reads and keeps (migration 008): the weighted round robin's credits per pool, written in
 * the transaction of the assignment they decided; each rep's open leads (offered or accepted, in an open
 * stage) for capacity, counted by triggers; and who has another lead of the same company.
 */
export type RoutingRepo = ReturnType<typeof createRoutingRepo>;

export function createRoutingRepo(sql: Sql) {
  const rebuildLoads = () =>
    sql.transaction(async () => {
      await sql.run('DELETE FROM rep_loads');
      await sql.run(
        `INSERT INTO rep_loads (owner_id, n) SELECT a.owner_id, COUNT(*) FROM assignments a JOIN leads l ON l.id = a.lead_id
         WHERE a.status IN ('offered', 'accepted') AND l.deleted_at IS NULL AND l.stage IN (SELECT stage FROM open_stages) GROUP BY a.owner_id`,
      );
    });
  return {
    /** Count every rep's open leads again from the assignments (the triggers keep them after that). */
    rebuildLoads,
    credits: async (pool: string): Promise<Map<string, number>> => new Map((await sql.all<{ open_id: string; credit: number }>('SELECT open_id, credit FROM routing_credits WHERE pool = ?', [pool])).map((r) => [r.open_id, r.credit])),
    async setCredits(pool: string, values: ReadonlyMap<string, number>, now: Date): Promise<void> {
      for (const [openId, credit] of values)
        await sql.run('INSERT INTO routing_credits (pool, open_id, credit, updated_at) VALUES (@pool, @openId, @credit, @now) ON CONFLICT (pool, open_id) DO UPDATE SET credit = excluded.credit, updated_at = excluded.updated_at', {
          pool,
          openId,
          credit,
          now: now.getTime(),
        });
    },
    /**
     * The stages whose leads count as open (the journey's): set at start; when they differ from what
     * the counts were kept for, the counts are rebuilt from the assignments. Returns whether it rebuilt.
     */
    setOpenStages: (stages: readonly string[]): Promise<boolean> =>
      sql.transaction(async () => {
        const want = [...new Set(stages)].sort();
        const now = (await sql.all<{ stage: string }>('SELECT stage FROM open_stages ORDER BY stage')).map((r) => r.stage);
        if (JSON.stringify(now) === JSON.stringify(want)) return false;
        await sql.run('DELETE FROM open_stages');
        for (const s of want) await sql.run('INSERT INTO open_stages (stage) VALUES (?)', [s]);
        await rebuildLoads();
        return true;
      }),
    /** Open leads per rep: offered or accepted, whose lead is in an open stage (kept by triggers). */
    loads: async (): Promise<Map<string, number>> => new Map((await sql.all<{ owner_id: string; n: number }>('SELECT owner_id, n FROM rep_loads WHERE n > 0')).map((r) => [r.owner_id, r.n])),
    /** The owner (or the rep last offered) of another lead of the same company. */
    async companyOwner(companyKey: string | null | undefined, exceptLeadId: number): Promise<string | undefined> {
      if (!companyKey) return undefined;
      const offered = await sql.get<{ owner_id: string }>(
        `SELECT a.owner_id FROM assignments a JOIN leads l ON l.id = a.lead_id
         WHERE l.company_key = ? AND l.id != ? AND l.deleted_at IS NULL AND a.status IN ('offered', 'accepted') ORDER BY a.id DESC LIMIT 1`,
        [companyKey, exceptLeadId],
      );
      if (offered) return offered.owner_id;
      return (await sql.get<{ owner_id: string }>('SELECT owner_id FROM leads WHERE company_key = ? AND id != ? AND owner_id IS NOT NULL AND deleted_at IS NULL ORDER BY updated_at DESC LIMIT 1', [companyKey, exceptLeadId]))?.owner_id;
    },
  };
}
