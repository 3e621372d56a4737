import { describe, expect, it } from 'vitest';
import { cellText, startSandbox } from '../support/sandbox-main.js';

/**
 * `npm start` with its six months of made-up history: the server wrote each history row's 线索编号 and
 * 进入阶段次数 in the story, so reading those rows back (echoes of its later writes, the first full
 * reconciliation pass) must find nothing to restore. It used to "restore" both cells to what it had
 * recorded writing — nothing — and emptied the 线索编号 of all 260 history rows a few seconds after start.
 */
describe('the sandbox demo history, read back by the server', () => {
  it('keeps every row’s 线索编号 and 进入阶段次数 through the first full reconciliation pass', async () => {
    const run = await startSandbox({ SANDBOX_DEMO_HISTORY: 'on' });
    try {
      const { h } = run;
      // the first pass reads every row (the cursor is set at its end)
      await h.until('the first reconciliation pass', async () => h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM sync_cursors WHERE name = 'reconcile.leads'")[0]!.n === 1 || undefined, 60_000);
      const keyOf = new Map(h.sql<{ record_id: string; lead_key: string }>('SELECT record_id, lead_key FROM leads WHERE record_id IS NOT NULL').map((l) => [l.record_id, l.lead_key]));
      const rows = await h.rows();
      expect(rows.length).toBeGreaterThan(250);
      expect(rows.filter((r) => cellText(r.fields['线索编号']) !== keyOf.get(r.record_id)).map((r) => `${r.record_id}: ${cellText(r.fields['线索编号'])}`)).toEqual([]);
      expect(rows.filter((r) => !/^[A-Z]+-\d{2}$/.test(cellText(r.fields['进入阶段次数']))).length).toBe(0);
      const reverts = run.m.logs.filter((l) => typeof l.reverted === 'number' && l.reverted > 0);
      expect(reverts, 'the server put back cells of its own history rows').toEqual([]);
    } finally {
      expect(await run.stop()).toEqual([]);
    }
  }, 180_000);
});
