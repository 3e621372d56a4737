import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mlgIndex } from '../../src/domain/metrics/channels.js';
import { funnel, velocity } from '../../src/domain/metrics/funnel.js';
import { entriesOf, HistoryBuilder, historiesOf, indexByCode, subset } from '../../src/domain/metrics/histories.js';
import { DAY_MS, type LeadHistory, mainPath, monthOf, percentile, select } from '../../src/domain/metrics/history.js';
import { stuckLeads, usualTimes } from '../../src/domain/metrics/stuck.js';
import { loadJourney } from '../../src/rules/load-journey.js';

/**
 * The metrics read histories as columns (histories.ts). These tests hold the columns to the plain
 * reading of a lead's history: its transitions sorted by time (stably), each a stay until the next. A
 * reference written that plain way, over random histories with entries out of order and at equal
 * times, must agree with every metric computed over the columns.
 */
const journey = loadJourney('default');
const T = Date.parse('2026-06-01T02:00:00Z');

describe('histories as columns', () => {
  it('puts each lead’s entries in time order, equal times in the order given, and keeps leads apart', () => {
    const b = new HistoryBuilder();
    b.lead(7, T, '官网咨询');
    b.entry('mql', T + 3000);
    b.entry('lead', T);
    b.entry('sql', T + 3000);
    b.entry('nurture', T + 1000);
    b.lead(9, T + 5, null);
    b.lead(11, T + 6, '转介绍');
    b.entry('lead', T + 6);
    const h = b.build();
    expect(h.size).toBe(3);
    expect([...h.id]).toEqual([7, 9, 11]);
    expect(h.source).toEqual(['官网咨询', null, '转介绍']);
    expect(entriesOf(h, 0)).toEqual([
      ['lead', T],
      ['nurture', T + 1000],
      ['mql', T + 3000],
      ['sql', T + 3000],
    ]);
    expect(entriesOf(h, 1)).toEqual([]);
    expect(entriesOf(h, 2)).toEqual([['lead', T + 6]]);
  });

  it('grows past its first allocation', () => {
    const b = new HistoryBuilder();
    for (let i = 0; i < 700; i++) {
      b.lead(i, T, null);
      for (let k = 0; k < 3; k++) b.entry(['lead', 'mql', 'sql'][k]!, T + i + k);
    }
    const h = b.build();
    expect(h.stage.length).toBe(2100);
    expect(entriesOf(h, 699)).toEqual([
      ['lead', T + 699],
      ['mql', T + 700],
      ['sql', T + 701],
    ]);
  });

  it('a subset keeps the chosen leads and shares the entry columns', () => {
    const h = historiesOf(
      [0, 1, 2, 3].map((i) =>
        lead(i, [
          ['lead', i],
          ['mql', i + 1],
        ]),
      ),
    );
    const odd = subset(h, (i) => h.id[i]! % 2 === 1);
    expect([...odd.id]).toEqual([1, 3]);
    expect(odd.at).toBe(h.at);
    expect(entriesOf(odd, 1)).toEqual(entriesOf(h, 3));
    expect([...indexByCode(h, ['mql', 'lead'])]).toEqual([1, 0]);
  });
});

describe('percentile', () => {
  it('selection puts the value of rank k at k, nothing greater before it and nothing smaller after it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 80 }), fc.nat(), (values, seed) => {
        const k = seed % values.length;
        const a = Float64Array.from(values);
        select(a, k);
        expect(a[k]).toBe([...values].sort((x, y) => x - y)[k]);
        for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]!);
        for (let i = k + 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]!);
        expect([...a].sort((x, y) => x - y)).toEqual([...values].sort((x, y) => x - y)); // the same values, rearranged
      }),
      { numRuns: 1000 },
    );
  });

  it('is linear interpolation between the closest ranks of the sorted values', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 100 }), (values, p) => {
        const s = [...values].sort((a, b) => a - b);
        const rank = (p / 100) * (s.length - 1);
        const want = s[Math.floor(rank)]! + (s[Math.ceil(rank)]! - s[Math.floor(rank)]!) * (rank - Math.floor(rank));
        expect(percentile(values, p)).toBeCloseTo(want, 9);
      }),
      { numRuns: 500 },
    );
  });
});

/** A lead from [stage, hours after T] pairs, in the order given (not necessarily in time order). */
function lead(id: number, steps: Array<[string, number]>, source: string | null = null): LeadHistory {
  return {
    id,
    source,
    createdAt: new Date(T + Math.min(...steps.map(([, h]) => h)) * 3_600_000),
    transitions: steps.map(([to, h], i) => ({ from: i ? steps[i - 1]![0] : null, to, at: new Date(T + h * 3_600_000), kind: i ? 'forward' : 'create' })),
  };
}

/** The plain reading: transitions sorted by time (equal times in the order given), each a stay until the next. */
function stays(l: LeadHistory) {
  const sorted = l.transitions.map((t, i) => ({ t, i })).sort((a, b) => a.t.at.getTime() - b.t.at.getTime() || a.i - b.i);
  return sorted.map(({ t }, k) => ({ stage: t.to, from: t.at.getTime(), to: sorted[k + 1]?.t.at.getTime(), next: sorted[k + 1]?.t.to }));
}

describe('the metrics over columns agree with the plain reading', () => {
  const stages = journey.stages.map((s) => s.id);
  // times on a 6-hour grid, so that entries share moments and `now` often falls on one
  const anyLead = fc
    .tuple(
      fc.array(
        fc.tuple(
          fc.constantFrom(...stages),
          fc.integer({ min: 0, max: 120 * 4 }).map((q) => q * 6),
        ),
        { minLength: 1, maxLength: 10 },
      ),
      fc.constantFrom('官网咨询', '转介绍', null),
    )
    .map(([steps, source]) => ({ steps, source }));
  const leadsArb = fc.array(anyLead, { maxLength: 25 }).map((list) => list.map((l, i) => lead(i + 1, l.steps, l.source)));
  const path = mainPath(journey);
  const won = 'won';
  const from = T + 20 * DAY_MS;
  const to = T + 80 * DAY_MS;

  it('velocity, usual times, stuck leads, the MLG index and the funnel', () => {
    fc.assert(
      fc.property(leadsArb, fc.integer({ min: 0, max: 130 * 4 }), (leads, nowQuarters) => {
        const h = historiesOf(leads);
        const now = T + (nowQuarters * DAY_MS) / 4; // on the same 6-hour grid as the entries: often at an entry's very moment

        // velocity: stays that ended moving forward along the main path, in [from, to)
        const moves = leads.flatMap((l) => stays(l).filter((s) => s.to !== undefined && path.indexOf(s.stage) >= 0 && path.indexOf(s.next!) > path.indexOf(s.stage) && s.to >= from && s.to < to));
        const v = velocity(journey, h, { from: new Date(from), to: new Date(to) });
        for (const stage of path) {
          const mine = moves.filter((m) => m.stage === stage);
          const row = v.overall.find((r) => r.stage === stage);
          expect(row?.count ?? 0).toBe(mine.length);
          if (row)
            expect(row.medianDays).toBeCloseTo(
              percentile(
                mine.map((m) => (m.to! - m.from) / DAY_MS),
                50,
              )!,
              9,
            );
          for (const r of v.byMonth.filter((x) => x.stage === stage)) expect(r.count).toBe(mine.filter((m) => monthOf(new Date(m.to!)) === r.month).length);
        }

        // usual times as of now, from the stays ended by then (one stay enough)
        const usual = usualTimes(journey, h, { minSample: 1, asOf: new Date(now) });
        for (const stage of stages) {
          const ended = leads.flatMap((l) => stays(l).filter((s) => s.stage === stage && s.to !== undefined && s.to <= now));
          expect(usual.get(stage)?.sample ?? 0).toBe(ended.length);
          if (ended.length)
            expect(usual.get(stage)!.days).toBeCloseTo(
              percentile(
                ended.map((s) => (s.to! - s.from) / DAY_MS),
                75,
              )!,
              9,
            );
        }

        // stuck at now: the stay each lead was in then, in an open or nurture stage, past max(usual, 1 day)
        const kind = new Map(journey.stages.map((s) => [s.id, s.kind]));
        const want = leads.flatMap((l) => {
          const current = stays(l)
            .filter((s) => s.from <= now)
            .at(-1);
          if (!current || !['open', 'nurture'].includes(kind.get(current.stage)!) || !usual.has(current.stage)) return [];
          const limit = Math.max(usual.get(current.stage)!.days, 1);
          return (now - current.from) / DAY_MS > limit ? [[l.id, current.stage, current.from]] : [];
        });
        const got = stuckLeads(journey, h, usual, new Date(now)).map((s) => [s.leadId, s.stage, s.enteredAt.getTime()]);
        expect(new Set(got.map((g) => JSON.stringify(g)))).toEqual(new Set(want.map((w) => JSON.stringify(w))));

        // MLG: leads whose first entry into won falls in [from, to)
        const firstWon = (l: LeadHistory) => stays(l).find((s) => s.stage === won)?.from;
        const wins = leads.filter((l) => firstWon(l) !== undefined && firstWon(l)! >= from && firstWon(l)! < to);
        expect(mlgIndex(journey, h, { isMarketing: (s) => s === '官网咨询', from: new Date(from), to: new Date(to) })).toMatchObject({ won: wins.length, marketing: wins.filter((l) => l.source === '官网咨询').length });

        // funnel: every lead reached the first stage, and each stage before the furthest one it entered
        const furthest = leads.map((l) => Math.max(0, ...l.transitions.map((t) => path.indexOf(t.to))));
        expect(funnel(journey, h).map((s) => s.reached)).toEqual(path.map((_, i) => furthest.filter((f) => f >= i).length));
      }),
      { numRuns: 300 },
    );
  });
});
