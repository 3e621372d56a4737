import type { Db } from './db.js';

/**
 * What routing reads and keeps (migration 008): the weighted round robin's credits per pool, written in
 * the transaction of the assignment they decided; each rep's open leads (offered or accepted, in an open
 * stage) for capacity, counted by triggers; and who has another lead of the same company.
 */
export type RoutingRepo = ReturnType<typeof createRoutingRepo>;

export function createRoutingRepo(db: Db) {
  const credits = db.prepare<[string], { open_id: string; credit: number }>('SELECT open_id, credit FROM routing_credits WHERE pool = ?');
  const upsert = db.prepare('INSERT INTO routing_credits (pool, open_id, credit, updated_at) VALUES (@pool, @openId, @credit, @now) ON CONFLICT(pool, open_id) DO UPDATE SET credit = excluded.credit, updated_at = excluded.updated_at');
  const loads = db.prepare<[], { owner_id: string; n: number }>('SELECT owner_id, n FROM rep_loads WHERE n > 0');
  const stagesNow = db.prepare<[], { stage: string }>('SELECT stage FROM open_stages ORDER BY stage');
  const clearStages = db.prepare('DELETE FROM open_stages');
  const addStage = db.prepare('INSERT INTO open_stages (stage) VALUES (?)');
  const clearLoads = db.prepare('DELETE FROM rep_loads');
  const rebuildLoads = db.prepare(
    `INSERT INTO rep_loads (owner_id, n) SELECT a.owner_id, COUNT(*) FROM assignments a JOIN leads l ON l.id = a.lead_id
     WHERE a.status IN ('offered', 'accepted') AND l.deleted_at IS NULL AND l.stage IN (SELECT stage FROM open_stages) GROUP BY a.owner_id`,
  );
  const syncStages = db.transaction((stages: readonly string[]) => {
    const want = [...new Set(stages)].sort();
    if (JSON.stringify(stagesNow.all().map((r) => r.stage)) === JSON.stringify(want)) return false;
    clearStages.run();
    for (const s of want) addStage.run(s);
    clearLoads.run();
    rebuildLoads.run();
    return true;
  });
  const companyOwner = db.prepare<[string, number], { owner_id: string }>(
    `SELECT a.owner_id FROM assignments a JOIN leads l ON l.id = a.lead_id
     WHERE l.company_key = ? AND l.id != ? AND l.deleted_at IS NULL AND a.status IN ('offered', 'accepted') ORDER BY a.id DESC LIMIT 1`,
  );
  const companyLeadOwner = db.prepare<[string, number], { owner_id: string }>('SELECT owner_id FROM leads WHERE company_key = ? AND id != ? AND owner_id IS NOT NULL AND deleted_at IS NULL ORDER BY updated_at DESC LIMIT 1');
  return {
    credits: (pool: string): Map<string, number> => new Map(credits.all(pool).map((r) => [r.open_id, r.credit])),
    setCredits(pool: string, values: ReadonlyMap<string, number>, now: Date): void {
      for (const [openId, credit] of values) upsert.run({ pool, openId, credit, now: now.getTime() });
    },
    /**
     * The stages whose leads count as open (the journey's): set at start; when they differ from what
     * the counts were kept for, the counts are rebuilt from the assignments. Returns whether it rebuilt.
     */
    setOpenStages: (stages: readonly string[]): boolean => syncStages(stages),
    /** Open leads per rep: offered or accepted, whose lead is in an open stage (kept by triggers). */
    loads: (): Map<string, number> => new Map(loads.all().map((r) => [r.owner_id, r.n])),
    /** The owner (or the rep last offered) of another lead of the same company. */
    companyOwner(companyKey: string | null | undefined, exceptLeadId: number): string | undefined {
      if (!companyKey) return undefined;
      return companyOwner.get(companyKey, exceptLeadId)?.owner_id ?? companyLeadOwner.get(companyKey, exceptLeadId)?.owner_id;
    },
  };
}
