import { describe, expect, it } from 'vitest';
import { historiesOf, indexByCode } from '../../src/domain/metrics/histories.js';
import type { AssignmentFacts } from '../../src/domain/metrics/assignments.js';
import { digestFigures, digestTime, dueDigests, firstReached, weekStart } from '../../src/domain/metrics/digest.js';
import type { LeadHistory } from '../../src/domain/metrics/history.js';
import { stuckLeads, usualTimes } from '../../src/domain/metrics/stuck.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { loadWorkCalendar } from '../../src/rules/work-calendar.js';

/**
 * The weekly digest's figures on a history worked out by hand (docs/metrics.md#the-weekly-digest), and
 * its schedule on the official 2026 calendar: Monday 09:00 Beijing time, or the next working day.
 */
const journey = loadJourney('default');
const { calendar } = loadWorkCalendar();
/** 10:00 in Asia/Shanghai on that day (02:00Z) */
const at = (day: string, hours = 0) => new Date(Date.parse(`${day}T02:00:00Z`) + hours * 3_600_000);
/** 00:00 in Asia/Shanghai on that day */
const midnight = (day: string) => new Date(Date.parse(`${day}T00:00:00+08:00`));
let nextId = 1;
function lead(source: string | null, steps: Array<[string, string, ('forward' | 'recycle')?]>): LeadHistory {
  return { id: nextId++, source, createdAt: at(steps[0]![1]), transitions: steps.map(([to, day, kind], i) => ({ from: i ? steps[i - 1]![0] : null, to, at: at(day), kind: i ? (kind ?? 'forward') : 'create' })) };
}

describe('weeks and the digest schedule', () => {
  it('a week starts on Monday 00:00 in Beijing time, whatever the instant in it', () => {
    expect(weekStart(midnight('2026-11-23'))).toEqual(midnight('2026-11-23'));
    expect(weekStart(new Date(Date.parse('2026-11-29T23:59:59+08:00')))).toEqual(midnight('2026-11-23'));
    // Sunday 20:00Z is already Monday 04:00 in Beijing
    expect(weekStart(new Date('2026-11-29T20:00:00Z'))).toEqual(midnight('2026-11-30'));
  });

  it('Monday 09:00, or the next working day at 09:00 when Monday is a holiday', () => {
    const monday9 = { weekday: 1, minutes: 9 * 60 };
    expect(digestTime(calendar, midnight('2026-11-30'), monday9)).toEqual(new Date('2026-11-30T09:00:00+08:00'));
    // 国庆: Monday 5 October 2026 is a holiday (1–7 October), Thursday the 8th is the next working day
    expect(digestTime(calendar, midnight('2026-10-05'), monday9)).toEqual(new Date('2026-10-08T09:00:00+08:00'));
    // a Friday 17:30 schedule
    expect(digestTime(calendar, midnight('2026-11-23'), { weekday: 5, minutes: 17 * 60 + 30 })).toEqual(new Date('2026-11-27T17:30:00+08:00'));
  });

  it('is due once its time has come and not before; 春节 brings two weeks on one morning', () => {
    const s = { weekday: 1, minutes: 9 * 60 };
    expect(dueDigests(calendar, new Date('2026-11-30T08:59:59+08:00'), s, midnight('2026-11-23'))).toEqual([]);
    expect(dueDigests(calendar, new Date('2026-11-30T09:00:00+08:00'), s, midnight('2026-11-23'))).toEqual([{ week: midnight('2026-11-30'), at: new Date('2026-11-30T09:00:00+08:00') }]);
    expect(dueDigests(calendar, new Date('2026-11-30T09:00:00+08:00'), s, midnight('2026-11-30'))).toEqual([]);
    // 16 and 23 February 2026 are both holidays: both weeks' digests are due on Tuesday the 24th at 09:00
    const feb24 = new Date('2026-02-24T09:00:00+08:00');
    expect(dueDigests(calendar, new Date('2026-02-23T12:00:00+08:00'), s, midnight('2026-02-09'))).toEqual([]);
    expect(dueDigests(calendar, feb24, s, midnight('2026-02-09'))).toEqual([
      { week: midnight('2026-02-16'), at: feb24 },
      { week: midnight('2026-02-23'), at: feb24 },
    ]);
  });
});

describe('the figures of one week against the week before', () => {
  // The week reported: Monday 23 – Sunday 29 November 2026; the week before: 16–22 November.
  const A = lead('官网咨询', [
    ['lead', '2026-11-17'],
    ['mql', '2026-11-18'],
    ['sql', '2026-11-24'],
    ['opportunity', '2026-11-26'],
  ]);
  const B = lead('官网咨询', [
    ['lead', '2026-11-24'],
    ['mql', '2026-11-25'],
  ]);
  const C = lead('官网咨询', [
    ['lead', '2026-11-10'],
    ['mql', '2026-11-12'],
    ['sql', '2026-11-20'],
    ['opportunity', '2026-11-21'],
    ['won', '2026-11-27'],
  ]);
  // recycled to 培育池 and back to MQL (MQL-02): its second MQL is not a new MQL, its SQL is new
  const D = lead('内容下载', [
    ['lead', '2026-11-16'],
    ['mql', '2026-11-17'],
    ['nurture', '2026-11-19', 'recycle'],
    ['mql', '2026-11-24'],
    ['sql', '2026-11-25'],
  ]);
  // adopted straight into SQL: a new lead, MQL and SQL at once
  const E = lead('销售自拓', [['sql', '2026-11-25']]);
  const F = lead('销售自拓', [
    ['lead', '2026-11-01'],
    ['mql', '2026-11-03'],
    ['sql', '2026-11-05'],
    ['opportunity', '2026-11-20'],
    ['won', '2026-11-29'],
  ]);
  // in 线索 since 2 November at the week's end; its move on 1 December comes after the week
  const G = lead('线下活动', [
    ['lead', '2026-11-02'],
    ['mql', '2026-12-01'],
  ]);
  const offer = (ownerId: string, day: string, o: Partial<AssignmentFacts> = {}): AssignmentFacts => ({
    ownerId,
    status: 'accepted',
    offeredAt: at(day),
    acceptDueAt: at(day, 4),
    acceptedAt: at(day, 1),
    followUpDueAt: at(day, 48),
    returnedAt: null,
    returnReason: null,
    escalated: { accept: false, followUp: false },
    ...o,
  });
  const assignments = [
    offer('ou_lilei', '2026-11-24'),
    // accepted 6 hours after the offer, after its ladder fired; its follow-up is due after the week
    offer('ou_han', '2026-11-25', { acceptedAt: at('2026-11-25', 6), followUpDueAt: at('2026-12-02'), escalated: { accept: true, followUp: false } }),
    // the week before: not this week's
    offer('ou_han', '2026-11-18', { escalated: { accept: true, followUp: true } }),
  ];
  const f = digestFigures(journey, historiesOf([A, B, C, D, E, F, G]), assignments, { from: midnight('2026-11-23'), isMarketing: (s) => s === '官网咨询' || s === '内容下载' || s === '线下活动', trendWeeks: 3 });

  it('counts each lead once per stage, when it first reached it', () => {
    const e = historiesOf([E]);
    expect(firstReached(e, 0, indexByCode(e, ['lead', 'mql', 'sql']), 3)).toEqual([at('2026-11-25').getTime(), at('2026-11-25').getTime(), at('2026-11-25').getTime()]);
    expect(f.to).toEqual(midnight('2026-11-30'));
    expect(f.reached).toEqual([
      { stage: 'lead', thisWeek: 2, lastWeek: 2 }, // B, E | A, D
      { stage: 'mql', thisWeek: 2, lastWeek: 2 }, // B, E | A, D (D's MQL-02 is not new)
      { stage: 'sql', thisWeek: 3, lastWeek: 1 }, // A, D, E | C
      { stage: 'opportunity', thisWeek: 1, lastWeek: 2 }, // A | C, F
      { stage: 'won', thisWeek: 2, lastWeek: 0 }, // C, F
    ]);
    expect(f.opportunities).toEqual({ stage: 'opportunity', thisWeek: 1, lastWeek: 2 });
  });

  it('stage velocity: the median days of the moves forward made in each week, the MQL-02 timed from its own entry', () => {
    expect(f.pace).toEqual([
      { stage: 'lead', next: 'mql', thisWeek: { count: 1, medianDays: 1 }, lastWeek: { count: 2, medianDays: 1 } }, // B | A, D
      { stage: 'mql', next: 'sql', thisWeek: { count: 2, medianDays: 3.5 }, lastWeek: { count: 1, medianDays: 8 } }, // A 6, D 1 | C 8
      { stage: 'sql', next: 'opportunity', thisWeek: { count: 1, medianDays: 2 }, lastWeek: { count: 2, medianDays: 8 } }, // A 2 | C 1, F 15
      { stage: 'opportunity', next: 'won', thisWeek: { count: 2, medianDays: 7.5 }, lastWeek: null }, // C 6, F 9
    ]);
  });

  it('the MLG index of the last 90 days, the SLAs of this week’s offers, the leads stuck at the week’s end, the trend', () => {
    expect(f.mlg).toEqual({ days: 90, won: 2, marketing: 1, index: 0.5 }); // C (官网咨询) and F (销售自拓)
    expect(f.sla.team.accept).toMatchObject({ met: 1, missed: 1 });
    expect(f.sla.team.followUp).toMatchObject({ met: 1, missed: 0 }); // ou_han's follow-up is not due yet
    expect(f.sla.reps.map((r) => [r.ownerId, r.accept.missed])).toEqual([
      ['ou_han', 1],
      ['ou_lilei', 0],
    ]);
    // 线索's usual time is 2 days (75th percentile of 1, 1, 1, 2, 2): G, 27.6 days in, is stuck; B (MQL
    // for 4.6 days, usual 6) is not; SQL and 商机 have too few ended stays to have a usual time
    expect(f.stuck).toBe(1);
    expect(f.trend).toEqual([
      { week: midnight('2026-11-09'), leads: 1, opportunities: 0 }, // C
      { week: midnight('2026-11-16'), leads: 2, opportunities: 2 },
      { week: midnight('2026-11-23'), leads: 2, opportunities: 1 },
    ]);
  });

  it('stuck as of a past moment: the stay each lead was in then, the usual time from the stays ended by then', () => {
    const all = [A, B, C, D, E, F, G];
    const asOf = midnight('2026-11-30');
    // G left 线索 on 1 December: at the week's end it was still there, 27.6 days in
    const usual = usualTimes(journey, historiesOf(all), { asOf });
    expect(usual.get('lead')).toEqual({ stage: 'lead', days: 2, sample: 5 });
    expect(usualTimes(journey, historiesOf(all)).get('lead')!.sample).toBe(6); // now G's stay has ended too
    expect(stuckLeads(journey, historiesOf(all), usual, asOf).map((s) => [s.leadId, s.stage])).toEqual([[G.id, 'lead']]);
    expect(stuckLeads(journey, historiesOf(all), usual, new Date(asOf.getTime() + 2 * 86_400_000)).some((s) => s.leadId === G.id)).toBe(false);
    // before a lead came in it is nowhere
    expect(stuckLeads(journey, historiesOf([B]), usual, midnight('2026-11-20'))).toEqual([]);
  });

  it('a journey with no won stage has no MLG index; one with no opportunity stage no opportunity line', () => {
    const g = digestFigures(loadJourney('funnel-4'), historiesOf([]), [], { from: midnight('2026-11-23'), isMarketing: () => true });
    expect(g.mlg).toBeUndefined();
    expect(g.opportunities).toBeUndefined();
    expect(g.trend).toHaveLength(8);
    expect(g.reached.every((r) => r.thisWeek === 0 && r.lastWeek === 0)).toBe(true);
  });
});
