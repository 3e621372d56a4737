import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderText } from '../../src/report/text-report.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { loadMetricsConfig } from '../../src/rules/metrics-config.js';
import { buildReport, type Report } from '../../src/usecases/report.js';
import { cardWorld, type CardWorld, T0 } from '../support/card-world.js';
import { DAY, fillJourneys } from '../support/report-world.js';
import { runScript } from '../support/run-script.js';
import { tempDbPath } from '../support/temp-db.js';
import { TEST_STORE } from '../support/test-store.js';

/**
 * The report (issue 11) over a store the use cases filled: leads moved through the journey on a clock
 * that moves, an offer accepted in time and one returned, a recycle and a re-entry. The figures are
 * worked out by hand from the steps below; `npm run report` prints them from the same database file.
 */
const db = tempDbPath();
afterAll(() => db.remove());
const config = loadMetricsConfig(loadBaseTemplate());
/** the script reads a SQLite file; on PostgreSQL the same use cases fill the engine's store */
const onFile = TEST_STORE === 'sqlite';

describe('the report over the store', () => {
  let w: CardWorld;
  let report: Report;

  it('funnel, velocity with a re-entry, MLG, channels and stuck leads as worked out by hand', async () => {
    w = await cardWorld(onFile ? { dbPath: db.path } : {});
    await fillJourneys(w);
    report = await buildReport({ store: w.store, journey: w.journey, config }, { since: new Date(T0 - DAY), until: new Date(T0 + 30 * DAY) });
    expect(report.leads).toBe(4);
    expect(report.funnel.map((s) => [s.stage, s.reached])).toEqual([
      ['lead', 4],
      ['mql', 3],
      ['sql', 3],
      ['opportunity', 2],
      ['won', 2],
    ]);
    // lead → next: A 2, B 1, C 1 days; MQL: A 3, B 1, C (MQL-02, from day 5 to 7) 2 — C's first MQL stay went to 培育池;
    // SQL: A 4, B 2; 商机: A 10, B 5
    expect(report.velocity.overall.map((v) => [v.stage, v.count, v.meanDays, v.medianDays])).toEqual([
      ['lead', 3, 4 / 3, 1],
      ['mql', 3, 2, 2],
      ['sql', 2, 3, 3],
      ['opportunity', 2, 7.5, 7.5],
    ]);
    // won: A (官网咨询, marketing) and B (转介绍, not)
    expect(report.mlg.period).toEqual({ won: 2, marketing: 1, index: 0.5 });
    expect(report.channels.find((c) => c.source === '搜索引擎（SEM）')).toMatchObject({ leads: 1, mqls: 1, opportunities: 0, wins: 0 });
    expect(report.stages.mql).toEqual({ zh: 'MQL', en: 'MQL' });
    expect(report.stuck).toEqual({ total: 0, byStage: [], slowest: [] }); // five ended stays per stage make a usual time; none has them
    // With one stay enough: 线索's usual time is the 75th percentile of A 2, B 1, C 1 days = 1.5, and D has been there
    // 30 days; SQL's of B 2, A 4 = 3.5, and C has been there 23. D is the slower (30/1.5 against 23/3.5).
    const loose = await buildReport({ store: w.store, journey: w.journey, config: { ...config, stuck: { percentile: 75, minSample: 1 } } }, { since: new Date(T0 - DAY), until: new Date(T0 + 30 * DAY), listStuck: 1 });
    expect(loose.stuck).toEqual({
      total: 2,
      byStage: [
        { stage: 'lead', count: 1, usualDays: 1.5 },
        { stage: 'sql', count: 1, usualDays: 3.5 },
      ],
      slowest: [{ key: 'XS-100004', company: '远航智能', stage: 'lead', days: 30, usualDays: 1.5, owner: 'ou_lilei' }],
    });
  });

  it.skipIf(!onFile)('prints as tables in Chinese or English, and npm run report prints the same from the database file', async () => {
    const zh = renderText(report, 'zh-CN');
    expect(zh).toContain('本期新线索 4 条');
    expect(zh).toMatch(/MQL\s+3\s+75\.0%\s+75\.0%/);
    expect(zh).toContain('本期 50.0%（1/2）');
    const en = renderText(report, 'en');
    expect(en).toContain('4 new leads in the period');
    expect(en).toContain('This period 50.0% (1/2)');

    const out = join(db.dir, 'report.json');
    const r = await runScript('report', { DATABASE_PATH: db.path }, ['--since', new Date(T0 - DAY).toISOString(), '--until', new Date(T0 + 30 * DAY).toISOString(), '--json', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('本期新线索 4 条');
    expect(r.stdout).toContain('■ 阶段速度');
    const json = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(json.funnel).toEqual(report.funnel);
    expect(json.velocity).toEqual(report.velocity);
    const bad = await runScript('report', { DATABASE_PATH: db.path }, ['--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('看不懂 since / until');
  });
});

describe('SLA compliance and returns from the assignments', () => {
  it('an offer accepted in time, one returned in time, one left past its deadline (its ladder fired)', async () => {
    const w = await cardWorld();
    const kept = await w.assignedLead();
    expect((await w.click(kept.assignmentMessage, '李雷', { op: 'accept' })).toast.type).toBe('success');
    const back = await w.assignedLead();
    expect((await w.click(back.assignmentMessage, '李雷', { op: 'return', form: { reason: '需求不明确', note: '' } })).toast.type).toBe('success');
    await w.assignedLead();
    w.clock.advance(3 * DAY); // past the accept deadline: the SLA ladder's first step fires
    await w.sweepNow();
    const r = await buildReport({ store: w.store, journey: w.journey, config }, { since: new Date(T0 - DAY), until: w.clock.now() });
    expect(r.sla.team.accept).toEqual({ met: 2, missed: 1, rate: 2 / 3 });
    expect(r.sla.reps.map((x) => x.ownerId)).toEqual(['ou_lilei']);
    expect(r.returns).toEqual([{ reason: '需求不明确', count: 1 }]);
    // reps by id until the roster's names are known; then by name (as 销售团队 last said)
    expect(r.people).toEqual({});
    expect(renderText(r, 'zh-CN')).toContain('ou_lilei');
    await w.store.people.remember([{ id: 'ou_lilei', name: '李雷' }], w.clock.now());
    await w.store.people.remember([{ id: 'ou_lilei', name: '李雷（华东）' }], w.clock.now());
    const named = await buildReport({ store: w.store, journey: w.journey, config }, { since: new Date(T0 - DAY), until: w.clock.now() });
    expect(named.people).toEqual({ ou_lilei: '李雷（华东）' });
    expect(renderText(named, 'zh-CN')).toMatch(/李雷（华东）\s+66\.7%/);
    expect(renderText(named, 'zh-CN')).not.toContain('ou_lilei');
  });
});
