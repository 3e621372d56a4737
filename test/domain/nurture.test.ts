import { describe, expect, it } from 'vitest';
import { nurtureVerdict, planNurture, silentSince, stepKeyOf, type NurtureLead, type NurtureStep } from '../../src/domain/nurture.js';
import { loadWorkCalendar } from '../../src/rules/work-calendar.js';

/**
 * Nurture planning and the fire-time verdict, on the 2026 working calendar with a fixed clock. Times are
 * Beijing time (+08:00).
 */
const cal = loadWorkCalendar().calendar;
const bj = (s: string) => new Date(`${s}+08:00`);
const iso = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

const step = (o: Partial<NurtureStep>): NurtureStep => ({
  name: '第1天',
  sequence: '入池',
  trigger: 'stage',
  stages: ['nurture'],
  day: 1,
  action: 'card',
  content: '发白皮书',
  recipients: ['owner'],
  stopOnActivity: false,
  stopOnAssignment: false,
  ...o,
});
const lead = (o: Partial<NurtureLead> = {}): NurtureLead => ({ id: 7, stage: 'nurture', stageEnteredAt: bj('2026-12-02T10:00'), lastActivityAt: null, createdAt: bj('2026-11-20T09:30'), deletedAt: null, ...o });

describe('planNurture', () => {
  it.each([
    ['a card on day 1 of a Wednesday entry: Thursday, same time', step({ day: 1 }), lead(), '2026-12-03 10:00'],
    ['a card due on Saturday waits for Monday morning', step({ day: 3 }), lead(), '2026-12-07 09:00'],
    ['a card due in the lunch break waits for the afternoon', step({ day: 1 }), lead({ stageEnteredAt: bj('2026-12-02T12:30') }), '2026-12-03 13:30'],
    ['a card due on 国庆 waits for the first working day after', step({ day: 7 }), lead({ stageEnteredAt: bj('2026-09-24T10:00') }), '2026-10-08 09:00'],
    ['a card due on the 调休 Saturday after 国庆 comes that Saturday', step({ day: 3 }), lead({ stageEnteredAt: bj('2026-10-07T10:00') }), '2026-10-10 10:00'],
    ['a webhook comes at its time, weekend or not', step({ day: 3, action: 'webhook', url: 'https://ma.example.cn/hook' }), lead(), '2026-12-05 10:00'],
    ['silence counts from creation when there was no activity (day 30 is a Sunday: Monday 09:00)', step({ trigger: 'silence', stages: ['nurture', 'lead'], day: 30 }), lead(), '2026-12-21 09:00'],
    ['silence on a working day keeps its time', step({ trigger: 'silence', stages: ['nurture'], day: 31 }), lead(), '2026-12-21 09:30'],
    ['silence counts from the last activity', step({ trigger: 'silence', stages: ['nurture'], day: 45 }), lead({ lastActivityAt: bj('2026-11-25T16:00') }), '2027-01-11 09:00'],
  ])('%s', (_what, s, l, due) => {
    const [p] = planNurture([s], l, cal);
    expect(iso(p!.dueAt)).toBe(due);
  });

  it('plans only the steps of the lead’s stage, none for a deleted or stageless lead', () => {
    const steps = [step({ name: 'a' }), step({ name: 'b', stages: ['mql'] }), step({ name: 'c', trigger: 'silence', stages: ['mql', 'nurture'], day: 30 })];
    expect(planNurture(steps, lead(), cal).map((p) => p.stepKey)).toEqual(['入池:a:1', '入池:c:30']);
    expect(planNurture(steps, lead({ stage: 'mql' }), cal).map((p) => p.stepKey)).toEqual(['入池:b:1', '入池:c:30']);
    expect(planNurture(steps, lead({ deletedAt: bj('2026-12-02T11:00') }), cal)).toEqual([]);
    expect(planNurture(steps, lead({ stage: null }), cal)).toEqual([]);
  });

  it('keys a stage run by its entry and a silence run by its start, so re-planning repeats nothing', () => {
    const steps = [step({}), step({ name: 's', trigger: 'silence', stages: ['nurture', 'mql'], day: 30 })];
    const a = planNurture(steps, lead(), cal).map((p) => p.dedupeKey);
    expect(planNurture(steps, lead(), cal).map((p) => p.dedupeKey)).toEqual(a);
    // a new entry into the pool is a new run of the stage sequence; the silence run is the same
    const again = planNurture(steps, lead({ stageEnteredAt: bj('2026-12-20T10:00') }), cal).map((p) => p.dedupeKey);
    expect(again[0]).not.toBe(a[0]);
    expect(again[1]).toBe(a[1]);
    // moving on to MQL keeps the silence run (it covers both stages)
    expect(planNurture(steps, lead({ stage: 'mql' }), cal).map((p) => p.dedupeKey)).toEqual([a[1]]);
    // an activity starts a new silence
    expect(planNurture(steps, lead({ lastActivityAt: bj('2026-12-10T10:00') }), cal)[1]!.dedupeKey).not.toBe(a[1]);
  });
});

describe('nurtureVerdict', () => {
  const s = step({ stopOnActivity: true, stopOnAssignment: true });
  const planned = (l: NurtureLead, st = s) => planNurture([st], l, cal)[0]!;

  it('goes when the lead is where the plan put it', () => {
    expect(nurtureVerdict([s], lead(), planned(lead()), null)).toEqual({ go: true, step: s });
  });
  it.each([
    ['the lead is gone', undefined, null, 'gone'],
    ['it was deleted', lead({ deletedAt: bj('2026-12-02T12:00') }), null, 'gone'],
    ['it left the pool', lead({ stage: 'mql' }), null, 'stage_changed'],
    ['it left and came back (a new entry)', lead({ stageEnteredAt: bj('2026-12-02T15:00') }), null, 'stage_changed'],
    ['an activity came after it entered (遇互动停止)', lead({ lastActivityAt: bj('2026-12-02T11:00') }), null, 'activity'],
    ['it was assigned after it entered (分配后停止)', lead(), bj('2026-12-02T11:00'), 'assigned'],
  ])('stops when %s', (_what, l, assignedAt, why) => {
    expect(nurtureVerdict([s], l, planned(lead()), assignedAt)).toEqual({ go: false, why });
  });
  it('an activity before the entry, or an assignment before it, does not stop the step', () => {
    expect(nurtureVerdict([s], lead({ lastActivityAt: bj('2026-12-01T11:00') }), planned(lead()), bj('2026-11-30T11:00')).go).toBe(true);
  });
  it('a step whose row changed (another day) or was removed does not fire', () => {
    expect(nurtureVerdict([{ ...s, day: 2 }], lead(), planned(lead()), null)).toEqual({ go: false, why: 'rule_changed' });
    expect(nurtureVerdict([], lead(), planned(lead()), null)).toEqual({ go: false, why: 'rule_changed' });
  });
  it('a silence step stops when any activity came since (a new silence began)', () => {
    const q = step({ trigger: 'silence', day: 30 });
    const p = planned(lead(), q);
    expect(p.anchor).toBe(silentSince(lead()));
    expect(nurtureVerdict([q], lead(), p, bj('2026-12-10T10:00')).go).toBe(true); // assignment does not end silence
    expect(nurtureVerdict([q], lead({ lastActivityAt: bj('2026-12-10T10:00') }), p, null)).toEqual({ go: false, why: 'not_silent' });
  });
  it('a step is known by sequence, name and day', () => {
    expect(stepKeyOf(s)).toBe('入池:第1天:1');
  });
});
