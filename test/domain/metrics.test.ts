import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historiesOf } from '../../src/domain/metrics/histories.js';
import { type AssignmentFacts, returnsByReason, slaCompliance } from '../../src/domain/metrics/assignments.js';
import { channels, mlgIndex } from '../../src/domain/metrics/channels.js';
import { conversion, funnel, funnelBy, cohortOf, sourceOf, velocity } from '../../src/domain/metrics/funnel.js';
import { type LeadHistory, mainPath, monthOf, percentile } from '../../src/domain/metrics/history.js';
import { stuckLeads, usualTimes } from '../../src/domain/metrics/stuck.js';
import { loadJourney } from '../../src/rules/load-journey.js';

/**
 * The numbers (issue 11 item 1) on fixtures computed by hand (definitions: docs/metrics.md): the example
 * funnel (1,000 leads → 10% MQL → 50% opportunity → 60% won, docs/metrics.md#the-example-funnel), a history with a recycle and a re-entry (MQL-02) whose velocity is
 * worked out below, the MLG index, channels with costs, SLA compliance, returns and stuck leads.
 */
const journey = loadJourney('default');
/** 10:00 in Asia/Shanghai on that day (02:00Z), plus hours */
const at = (day: string, hours = 0) => new Date(Date.parse(`${day}T02:00:00Z`) + hours * 3_600_000);
let nextId = 1;
function lead(source: string | null, steps: Array<[string, string]>): LeadHistory {
  return {
    id: nextId++,
    source,
    createdAt: at(steps[0]![1]),
    transitions: steps.map(([to, day], i) => ({ from: i ? steps[i - 1]![0] : null, to, at: at(day), kind: i ? 'forward' : 'create' })),
  };
}

describe('the main path of each preset', () => {
  it('runs from the initial stage to won along forward moves, never through a shortcut', () => {
    expect(mainPath(journey)).toEqual(['lead', 'mql', 'sql', 'opportunity', 'won']);
    expect(mainPath(loadJourney('funnel-4'))).toEqual(['mal', 'mil', 'mql', 'sql']);
    expect(mainPath(loadJourney('lifecycle-9'))).toEqual(['awareness', 'friend', 'name', 'engaged', 'prospect', 'mql', 'sql', 'opportunity', 'customer']);
  });
});

describe('funnel conversion', () => {
  it('the example funnel: 1,000 leads → 10% MQL → 50% opportunity → 60% won', () => {
    const leads: LeadHistory[] = [];
    for (let i = 0; i < 1000; i++) {
      const steps: Array<[string, string]> = [['lead', '2026-09-01']];
      if (i < 100) steps.push(['mql', '2026-09-05']);
      if (i < 50) steps.push(['sql', '2026-09-10'], ['opportunity', '2026-09-15']);
      if (i < 30) steps.push(['won', '2026-10-20']);
      leads.push(lead('官网咨询', steps));
    }
    const f = funnel(journey, historiesOf(leads));
    expect(f.map((s) => [s.stage, s.reached])).toEqual([
      ['lead', 1000],
      ['mql', 100],
      ['sql', 50],
      ['opportunity', 50],
      ['won', 30],
    ]);
    expect(f[1]!.fromPrevious).toBeCloseTo(0.1);
    expect(conversion(f, 'mql', 'opportunity')).toBeCloseTo(0.5);
    expect(f[4]!.fromPrevious).toBeCloseTo(0.6);
    expect(f[4]!.fromFirst).toBeCloseTo(0.03);
  });

  it('a lead adopted at a later stage has reached the earlier ones; cohorts by month (Asia/Shanghai) and by source', () => {
    const leads = [
      lead('转介绍', [['sql', '2026-10-31']]),
      lead(null, [['lead', '2026-11-02']]),
      lead('转介绍', [
        ['lead', '2026-11-03'],
        ['mql', '2026-11-04'],
      ]),
    ];
    expect(funnel(journey, historiesOf(leads)).map((s) => s.reached)).toEqual([3, 2, 1, 0, 0]);
    // 2026-10-31 18:00Z is already November 1st in Shanghai
    expect(monthOf(new Date('2026-10-31T18:00:00Z'))).toBe('2026-11');
    expect(monthOf(new Date('2026-10-31T15:59:59Z'))).toBe('2026-10');
    const byMonth = funnelBy(journey, historiesOf(leads), cohortOf);
    expect([...byMonth.keys()]).toEqual(['2026-10', '2026-11']);
    expect(byMonth.get('2026-11')!.map((s) => s.reached)).toEqual([2, 1, 0, 0, 0]);
    const bySource = funnelBy(journey, historiesOf(leads), sourceOf);
    expect(bySource.get('转介绍')!.map((s) => s.reached)).toEqual([2, 2, 1, 0, 0]);
    expect(bySource.get('（未填写）')!.map((s) => s.reached)).toEqual([1, 0, 0, 0, 0]);
  });
});

describe('stage velocity with a recycle and a re-entry', () => {
  // A: lead 11-01 → mql 11-03 → sql 11-08 → back to mql 11-10 (recycled) → sql 11-13 → 商机 11-20 → won 12-05
  // B: lead 11-02 → mql 11-06 → 培育池 11-09 → mql 11-19 (MQL-02) → sql 12-01
  // C: lead 12-01 → 无效 12-02 (aside: not a move forward)
  const A = lead('官网咨询', [
    ['lead', '2026-11-01'],
    ['mql', '2026-11-03'],
    ['sql', '2026-11-08'],
    ['mql', '2026-11-10'],
    ['sql', '2026-11-13'],
    ['opportunity', '2026-11-20'],
    ['won', '2026-12-05'],
  ]);
  const B = lead('官网咨询', [
    ['lead', '2026-11-02'],
    ['mql', '2026-11-06'],
    ['nurture', '2026-11-09'],
    ['mql', '2026-11-19'],
    ['sql', '2026-12-01'],
  ]);
  const C = lead('搜索引擎（SEM）', [
    ['lead', '2026-12-01'],
    ['disqualified', '2026-12-02'],
  ]);

  it('times each stay that moved forward from its own entry, per month of the move and overall', () => {
    const v = velocity(journey, historiesOf([A, B, C]));
    // lead: A 2 d, B 4 d. mql: A 5 d (first stay), A 3 d (after the recycle), B 12 d (MQL-02, from 11-19);
    // B's first MQL stay went to 培育池 and A's first SQL stay went back: neither counts. sql: A 7 d. 商机: A 15 d.
    expect(v.overall.map((r) => [r.stage, r.count, r.meanDays, r.medianDays])).toEqual([
      ['lead', 2, 3, 3],
      ['mql', 3, 20 / 3, 5],
      ['sql', 1, 7, 7],
      ['opportunity', 1, 15, 15],
    ]);
    expect(v.byMonth.map((r) => [r.stage, r.month, r.count, r.meanDays, r.medianDays])).toEqual([
      ['lead', '2026-11', 2, 3, 3],
      ['mql', '2026-11', 2, 4, 4],
      ['mql', '2026-12', 1, 12, 12],
      ['sql', '2026-11', 1, 7, 7],
      ['opportunity', '2026-12', 1, 15, 15],
    ]);
  });

  it('the funnel counts the recycled and re-entered lead once per stage', () => {
    expect(funnel(journey, historiesOf([A, B, C])).map((s) => s.reached)).toEqual([3, 2, 2, 1, 1]);
  });
});

describe('MLG index and channels', () => {
  const marketing = new Set(['官网咨询', '搜索引擎（SEM）', '内容下载', '线下活动', '直播/网络研讨会']);
  const isMarketing = (s: string | null) => s !== null && marketing.has(s);
  const A = lead('官网咨询', [
    ['lead', '2026-11-01'],
    ['mql', '2026-11-03'],
    ['sql', '2026-11-08'],
    ['opportunity', '2026-11-20'],
    ['won', '2026-12-05'],
  ]);
  const B = lead('官网咨询', [
    ['lead', '2026-11-02'],
    ['mql', '2026-11-06'],
  ]);
  const C = lead('搜索引擎（SEM）', [['lead', '2026-11-03']]);
  const D = lead('销售自拓', [
    ['lead', '2026-11-05'],
    ['opportunity', '2026-11-25'],
    ['won', '2026-12-10'],
  ]);
  const E = lead('线下活动', [
    ['lead', '2026-10-10'],
    ['won', '2026-11-28'],
  ]);
  // won in November, reopened, won again in December: a new customer once, in November
  const F = lead('内容下载', [
    ['lead', '2026-10-01'],
    ['won', '2026-11-15'],
    ['opportunity', '2026-11-20'],
    ['won', '2026-12-12'],
  ]);
  const all = [A, B, C, D, E, F];

  it('is the share of new customers won in the period that marketing sourced', () => {
    // December: A (官网咨询, marketing) and D (销售自拓): 1 of 2. All time: A, D, E, F: 3 of 4.
    expect(mlgIndex(journey, historiesOf(all), { isMarketing, from: at('2026-12-01', -10), to: at('2027-01-01', -10) })).toEqual({ won: 2, marketing: 1, index: 0.5 });
    expect(mlgIndex(journey, historiesOf(all), { isMarketing })).toEqual({ won: 4, marketing: 3, index: 0.75 });
    expect(mlgIndex(loadJourney('funnel-4'), historiesOf(all), { isMarketing }).index).toBeUndefined(); // no won stage
  });

  it('per channel: leads, MQLs, opportunities, wins, and with a cost, cost per lead and per win', () => {
    const rows = channels(journey, historiesOf(all), {
      costs: new Map([
        ['官网咨询', 10_000],
        ['搜索引擎（SEM）', 3_000],
        ['抖音', 500],
      ]),
    });
    expect(rows).toEqual([
      { source: '官网咨询', leads: 2, mqls: 2, opportunities: 1, wins: 1, cost: 10_000, costPerLead: 5_000, costPerWin: 10_000 },
      { source: '内容下载', leads: 1, mqls: 1, opportunities: 1, wins: 1, cost: undefined, costPerLead: undefined, costPerWin: undefined },
      { source: '搜索引擎（SEM）', leads: 1, mqls: 0, opportunities: 0, wins: 0, cost: 3_000, costPerLead: 3_000, costPerWin: undefined },
      { source: '线下活动', leads: 1, mqls: 1, opportunities: 1, wins: 1, cost: undefined, costPerLead: undefined, costPerWin: undefined },
      { source: '销售自拓', leads: 1, mqls: 1, opportunities: 1, wins: 1, cost: undefined, costPerLead: undefined, costPerWin: undefined },
      // money spent on a channel that brought nothing still shows
      { source: '抖音', leads: 0, mqls: 0, opportunities: 0, wins: 0, cost: 500, costPerLead: undefined, costPerWin: undefined },
    ]);
  });
});

describe('SLA compliance and returns', () => {
  const now = at('2026-12-01', 12);
  const due = at('2026-12-01');
  const base = { offeredAt: at('2026-11-30'), acceptDueAt: due, acceptedAt: null, followUpDueAt: null, returnedAt: null, returnReason: null, escalated: { accept: false, followUp: false } };
  const list: AssignmentFacts[] = [
    // 李雷: accepted in time and followed up (met, met); accepted late and the follow-up ladder fired (missed, missed)
    { ...base, ownerId: 'ou_lilei', status: 'accepted', acceptedAt: at('2026-12-01', -1), followUpDueAt: at('2026-12-01', 6) },
    { ...base, ownerId: 'ou_lilei', status: 'accepted', acceptedAt: at('2026-12-01', 1), followUpDueAt: at('2026-12-01', 8), escalated: { accept: false, followUp: true } },
    // 韩梅梅: still not accepted past the deadline (missed); returned in time (met); reassigned after a lapse (missed)
    { ...base, ownerId: 'ou_hanmeimei', status: 'offered' },
    { ...base, ownerId: 'ou_hanmeimei', status: 'returned', returnedAt: at('2026-11-30', 3), returnReason: '需求不明确' },
    { ...base, ownerId: 'ou_hanmeimei', status: 'withdrawn', escalated: { accept: true, followUp: false } },
    // 王强: still in time (not counted); withdrawn before the deadline because the lead moved back (not counted); returned late (missed)
    { ...base, ownerId: 'ou_wangqiang', status: 'offered', acceptDueAt: at('2026-12-02') },
    { ...base, ownerId: 'ou_wangqiang', status: 'withdrawn' },
    { ...base, ownerId: 'ou_wangqiang', status: 'returned', returnedAt: at('2026-12-01', 2), returnReason: '空号/错号' },
    // a lead claimed from the pool (nothing to accept), later returned
    { ...base, ownerId: 'ou_lilei', status: 'returned', acceptDueAt: null, acceptedAt: at('2026-11-20'), returnedAt: at('2026-11-25'), returnReason: '需求不明确' },
  ];

  it('per rep and for the team, counting only what was decided', () => {
    const { reps, team } = slaCompliance(list, now);
    expect(team.accept).toEqual({ met: 2, missed: 4, rate: 2 / 6 });
    expect(team.followUp).toEqual({ met: 1, missed: 1, rate: 0.5 });
    const of = (id: string) => reps.find((r) => r.ownerId === id)!;
    expect(of('ou_lilei').accept).toEqual({ met: 1, missed: 1, rate: 0.5 });
    expect(of('ou_lilei').followUp).toEqual({ met: 1, missed: 1, rate: 0.5 });
    expect(of('ou_hanmeimei').accept).toEqual({ met: 1, missed: 2, rate: 1 / 3 });
    expect(of('ou_wangqiang').accept).toEqual({ met: 0, missed: 1, rate: 0 });
    expect(of('ou_wangqiang').followUp).toEqual({ met: 0, missed: 0, rate: undefined });
  });

  it('returns by reason, most common first, within a period', () => {
    expect(returnsByReason(list)).toEqual([
      { reason: '需求不明确', count: 2 },
      { reason: '空号/错号', count: 1 },
    ]);
    expect(returnsByReason(list, { from: at('2026-11-28') })).toEqual([
      { reason: '空号/错号', count: 1 },
      { reason: '需求不明确', count: 1 },
    ]);
  });
});

describe('leads stuck past their stage’s usual time', () => {
  it('usual time is the 75th percentile of ended stays (with enough of them); a lead still there longer is stuck', () => {
    // five ended MQL stays of 1, 2, 3, 4 and 10 days: the 75th percentile is 4 days
    const ended = [1, 2, 3, 4, 10].map((d) =>
      lead('官网咨询', [
        ['lead', '2026-11-01'],
        ['mql', '2026-11-02'],
        ['sql', `2026-11-${String(2 + d).padStart(2, '0')}`],
      ]),
    );
    expect(percentile([1, 2, 3, 4, 10], 75)).toBe(4);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    const slow = lead('官网咨询', [
      ['lead', '2026-11-20'],
      ['mql', '2026-11-25'],
    ]);
    const fresh = lead('官网咨询', [
      ['lead', '2026-11-20'],
      ['mql', '2026-11-27'],
    ]);
    const done = lead('官网咨询', [
      ['lead', '2026-01-01'],
      ['won', '2026-01-02'],
    ]);
    const all = [...ended, slow, fresh, done];
    const usual = usualTimes(journey, historiesOf(all));
    expect(usual.get('mql')).toEqual({ stage: 'mql', days: 4, sample: 5 });
    expect(usual.has('sql')).toBe(false); // no SQL stay has ended
    expect(usual.get('lead')!.sample).toBe(8); // every lead stay ended
    const stuck = stuckLeads(journey, historiesOf(all), usual, at('2026-11-30'));
    expect(stuck).toEqual([{ leadId: slow.id, stage: 'mql', enteredAt: at('2026-11-25'), days: 5, usualDays: 4, slowSince: at('2026-11-29') }]);
    expect(usualTimes(journey, historiesOf(all.slice(1)), { minSample: 5 }).has('mql')).toBe(false); // four stays are too few
  });

  it('a stage usually left at once is held to a day: no lead is stuck after an hour', () => {
    const instant = [1, 2, 3, 4, 5].map(() =>
      lead('官网咨询', [
        ['lead', '2026-11-01'],
        ['mql', '2026-11-01'],
      ]),
    );
    const waiting = lead('官网咨询', [['lead', '2026-11-10']]);
    const usual = usualTimes(journey, historiesOf([...instant, waiting]));
    expect(usual.get('lead')!.days).toBe(0);
    expect(stuckLeads(journey, historiesOf([...instant, waiting]), usual, at('2026-11-10', 12))).toEqual([]);
    expect(stuckLeads(journey, historiesOf([...instant, waiting]), usual, at('2026-11-12'))).toEqual([{ leadId: waiting.id, stage: 'lead', enteredAt: at('2026-11-10'), days: 2, usualDays: 0, slowSince: at('2026-11-11') }]);
  });
});

describe('properties over random histories', () => {
  const stages = journey.stages.map((s) => s.id);
  const history = fc.array(fc.tuple(fc.constantFrom(...stages), fc.integer({ min: 0, max: 90 * 24 })), { minLength: 1, maxLength: 12 }).map((steps) => {
    let t = Date.parse('2026-06-01T02:00:00Z');
    const transitions = steps.map(([to, hours], i) => {
      t += hours * 3_600_000;
      return { from: i ? steps[i - 1]![0] : null, to, at: new Date(t), kind: (i ? 'forward' : 'create') as 'forward' | 'create' };
    });
    return { id: 0, source: null, createdAt: transitions[0]!.at, transitions } as LeadHistory;
  });

  it('the funnel never grows along the path, conversions are shares, and velocity counts only moves forward', () => {
    fc.assert(
      fc.property(fc.array(history, { maxLength: 30 }), (leads) => {
        const f = funnel(journey, historiesOf(leads));
        expect(f[0]!.reached).toBe(leads.length);
        for (let i = 1; i < f.length; i++) {
          expect(f[i]!.reached).toBeLessThanOrEqual(f[i - 1]!.reached);
          if (f[i]!.fromPrevious !== undefined) expect(f[i]!.fromPrevious).toBeGreaterThanOrEqual(0);
          if (f[i]!.fromPrevious !== undefined) expect(f[i]!.fromPrevious).toBeLessThanOrEqual(1);
        }
        const path = mainPath(journey);
        const forward = leads.flatMap((l) => l.transitions.slice(1).filter((t) => path.indexOf(t.from!) >= 0 && path.indexOf(t.to) > path.indexOf(t.from!)));
        const v = velocity(journey, historiesOf(leads));
        expect(v.overall.reduce((n, r) => n + r.count, 0)).toBe(forward.length);
        expect(v.byMonth.reduce((n, r) => n + r.count, 0)).toBe(forward.length);
        for (const r of v.overall) expect(r.medianDays).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 200 },
    );
  });
});
