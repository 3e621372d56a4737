import { describe, expect, it } from 'vitest';
import { DEMO_MONTHS } from '../../src/sandbox/demo-months.js';
import { cellText, startSandbox } from '../support/sandbox-main.js';

/**
 * `npm start` with its six months of made-up history: the leads did things (活动记录) and were scored
 * as the server scores, so their rows show believable scores on the first screen. And the server wrote each history row's 线索编号 and
 * 进入阶段次数 in the story, so reading those rows back (echoes of its later writes, the first full
 * reconciliation pass) must find nothing to restore. It used to "restore" both cells to what it had
 * recorded writing — nothing — and emptied the 线索编号 of all 260 history rows a few seconds after start.
 */
describe('the sandbox demo history, read back by the server', () => {
  it('keeps every row’s 线索编号 and 进入阶段次数 through the first full reconciliation pass; the region’s SDR qualified each lead, which did things and shows the score they earned', async () => {
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

      // who qualified them: 孙悦 the northern leads, 张伟 the others (the history's leads are the first ones made)
      const creators = h.sql<{ region: string; actor_id: string }>(
        "SELECT json_extract(l.facts_json, '$.region') AS region, t.actor_id FROM stage_transitions t JOIN leads l ON l.id = t.lead_id WHERE t.from_stage IS NULL AND l.id IN (SELECT id FROM leads ORDER BY id LIMIT ?)",
        DEMO_MONTHS.leads,
      );
      expect(creators).toHaveLength(DEMO_MONTHS.leads);
      const north = new Set(['华北', '东北', '西北']);
      expect(creators.filter((c) => c.actor_id !== h.users[north.has(c.region) ? '孙悦' : '张伟'])).toEqual([]);
      expect(creators.filter((c) => c.actor_id === h.users['孙悦']).length).toBeGreaterThan(50);

      // the Base's views show them as Feishu would: 培育池 every nurtured lead, 公海 those nobody follows
      const views = (await h.control<Array<{ tables: Array<{ table_id: string; views: Array<{ view_id: string; view_name: string }> }> }>>('GET', '/bases'))[0]!.tables.find((t) => t.table_id === h.leads)!.views;
      const inView = async (name: string) =>
        (await h.control<{ records: Array<{ record_id: string }> }>('GET', `/bases/${h.app}/tables/${h.leads}/records?view=${views.find((v) => v.view_name === name)!.view_id}`)).records.map((r) => r.record_id).sort();
      const nurtured = h.sql<{ record_id: string; owner_id: string | null }>("SELECT record_id, owner_id FROM leads WHERE stage = 'nurture' AND record_id IS NOT NULL");
      expect(nurtured.length).toBeGreaterThan(30);
      expect(await inView('培育池')).toEqual(nurtured.map((l) => l.record_id).sort());
      expect((await inView('公海')).length).toBeLessThanOrEqual(nurtured.length);

      // what they did: rows of 活动记录, each one activity of its lead in the store (keyed by the row), before now
      // (the demo's one row typed at start without its 线索编号 waits for it)
      const activityRows = (await h.rows(h.tableId('活动记录'))).filter((r) => cellText(r.fields['线索编号']));
      const activities = h.sql<{ source_key: string; lead_key: string; type: string; occurred_at: number }>('SELECT a.source_key, l.lead_key, a.type, a.occurred_at FROM activities a JOIN leads l ON l.id = a.lead_id');
      expect(activityRows.length).toBeGreaterThan(300);
      expect(activities.map((a) => a.source_key).sort()).toEqual(activityRows.map((r) => `bitable:${r.record_id}`).sort());
      const byRow = new Map(activities.map((a) => [a.source_key, a]));
      for (const r of activityRows) {
        const a = byRow.get(`bitable:${r.record_id}`)!;
        expect([cellText(r.fields['线索编号']), cellText(r.fields['活动类型']), r.fields['发生时间']]).toEqual([a.lead_key, a.type, a.occurred_at]);
      }
      // scored by the server's rules as they happened: each row shows its lead's score, with reasons;
      // leads that reached 商机 or 成单 were worked, so they score, and what stalled has decayed
      await h.until('score cells written', async () => h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'in_flight')")[0]!.n === 0 || undefined, 60_000);
      const scores = h.sql<{ record_id: string; score: number; stage: string }>('SELECT record_id, score, stage FROM leads WHERE record_id IS NOT NULL');
      const shown = new Map((await h.rows()).map((r) => [r.record_id, r.fields]));
      expect(scores.filter((l) => Number(shown.get(l.record_id)?.['线索评分'] ?? 0) !== l.score).map((l) => l.record_id)).toEqual([]);
      const worked = scores.filter((l) => l.stage === 'opportunity' || l.stage === 'won');
      expect(worked.length).toBeGreaterThan(20);
      expect(worked.every((l) => l.score > 0 && cellText(shown.get(l.record_id)?.['评分依据']).length > 0)).toBe(true);
      const ledger = h.sql<{ reason_code: string; n: number }>("SELECT CASE WHEN reason_code LIKE 'behaviour:%' THEN 'behaviour' ELSE reason_code END AS reason_code, COUNT(*) AS n FROM score_ledger GROUP BY 1");
      const count = (code: string) => ledger.find((e) => e.reason_code === code)?.n ?? 0;
      expect(count('behaviour')).toBeGreaterThan(300);
      expect(count('source')).toBeGreaterThan(250);
      expect(count('decay')).toBeGreaterThan(0);
      // a lead a rep returned lost 退回原因's 扣分 then, as the server takes it
      const returns = h.sql<{ lead_id: number; reason_code: string; delta: number; returned: number }>(
        "SELECT s.lead_id, s.reason_code, s.delta, (SELECT COUNT(*) FROM assignments a WHERE a.lead_id = s.lead_id AND 'return:' || a.return_reason = s.reason_code AND a.returned_at = s.at) AS returned FROM score_ledger s WHERE s.reason_code LIKE 'return:%'",
      );
      expect(returns.length).toBeGreaterThan(3);
      expect(returns.filter((r) => r.delta >= 0 || r.returned !== 1)).toEqual([]);
    } finally {
      expect(await run.stop()).toEqual([]);
    }
  }, 180_000);
});
