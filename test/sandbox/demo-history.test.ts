import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findTransition } from '../../src/domain/journey.js';
import { entriesOf, historiesOf } from '../../src/domain/metrics/histories.js';
import { funnel } from '../../src/domain/metrics/funnel.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { demoHistory } from '../../src/sandbox/demo-history.js';
import { storeDemoHistory } from '../../src/sandbox/store-demo-history.js';
import { testStore } from '../support/test-store.js';

/**
 * The made-up months the sandbox and `npm run bench:report` use: every move is one the default journey
 * allows, in order of time, within the period, entries counted as the server counts them; and written
 * to a store, the metrics read back exactly what was made.
 */
const journey = loadJourney('default');
const from = new Date('2026-07-01T00:00:00+08:00');
const to = new Date('2026-12-01T00:00:00+08:00');
const make = (seed: number, cycles = 0) => demoHistory({ seed, count: 400, from, to, reps: ['ou_lilei', 'ou_han'], sdr: 'ou_zhangwei', cycles });

describe('demo history', () => {
  it('is the same for the same seed, and only moves the journey allows, in time, within the period', () => {
    const leads = make(11);
    expect(make(11)).toEqual(leads);
    expect(make(12)).not.toEqual(leads);
    for (const l of leads) {
      expect(l.transitions[0]).toMatchObject({ from: null, to: 'lead', kind: 'create', entry: 1 });
      const entries = new Map<string, number>();
      for (const [i, t] of l.transitions.entries()) {
        entries.set(t.to, (entries.get(t.to) ?? 0) + 1);
        expect(t.entry).toBe(entries.get(t.to));
        expect(t.at.getTime()).toBeGreaterThanOrEqual(from.getTime());
        expect(t.at.getTime()).toBeLessThan(to.getTime());
        if (i === 0) continue;
        expect(t.from).toBe(l.transitions[i - 1]!.to);
        expect(t.at.getTime()).toBeGreaterThanOrEqual(l.transitions[i - 1]!.at.getTime());
        expect(findTransition(journey, t.from!, t.to)?.kind, `${t.from} → ${t.to}`).toBe(t.kind);
      }
      expect(l.stage).toBe(l.transitions.at(-1)!.to);
      // only a rep who took it owns a lead, and only while it is open on the sales side
      if (l.owner) expect(['mql', 'sql', 'opportunity', 'won', 'lost']).toContain(l.stage);
      for (const a of l.assignments) expect(a.acceptDueAt.getTime() - a.offeredAt.getTime()).toBe(4 * 3_600_000);
    }
    // a believable funnel: some of everything
    const steps = funnel(journey, historiesOf(leads.map((l, i) => ({ id: i, source: l.facts.source, createdAt: l.createdAt, transitions: l.transitions }))));
    expect(steps.map((s) => s.reached).every((n, i, all) => n > 0 && (i === 0 || n <= all[i - 1]!))).toBe(true);
    expect(leads.some((l) => l.transitions.some((t) => t.reason === '保护期到期'))).toBe(true);
    expect(leads.some((l) => l.transitions.some((t) => t.to === 'mql' && t.entry === 2))).toBe(true);
  });

  it('activities: of types the default 评分规则 score, in time order, only while the lead was open or nurtured, before the end; the stage history unchanged', async () => {
    const plain = make(11);
    const leads = demoHistory({ seed: 11, count: 400, from, to, reps: ['ou_lilei', 'ou_han'], sdr: 'ou_zhangwei', activities: true });
    expect(leads.map(({ activities: _, ...l }) => l)).toEqual(plain.map(({ activities: _, ...l }) => l));
    expect(plain.every((l) => l.activities.length === 0)).toBe(true);
    const behaviour = new Set(
      JSON.parse(readFileSync('bitable-templates/rules/scoring.json', 'utf8'))
        .rows.filter((r: { 类别: string }) => r.类别 === '行为')
        .map((r: { 匹配: string }) => r.匹配),
    );
    const stageAt = (l: (typeof leads)[number], t: number) => l.transitions.filter((x) => x.at.getTime() <= t).at(-1)!.to;
    for (const l of leads) {
      for (const [i, a] of l.activities.entries()) {
        expect(behaviour.has(a.type), a.type).toBe(true);
        expect(a.at.getTime()).toBeGreaterThanOrEqual(l.createdAt.getTime());
        expect(a.at.getTime()).toBeLessThan(to.getTime());
        if (i) expect(a.at.getTime()).toBeGreaterThanOrEqual(l.activities[i - 1]!.at.getTime());
        expect(['lead', 'mql', 'sql', 'opportunity', 'nurture']).toContain(stageAt(l, a.at.getTime()));
      }
    }
    // in the daytime (Beijing 09:00–19:00), unless the stay was too short to hold one
    const all = leads.flatMap((l) => l.activities);
    const hour = (d: Date) => (d.getUTCHours() + 8) % 24;
    expect(all.filter((a) => hour(a.at) >= 9 && hour(a.at) < 19).length / all.length).toBeGreaterThan(0.95);
    // worked leads did more than the ones that went nowhere; a win came after a call or an e-mail
    const mean = (xs: typeof leads) => xs.reduce((n, l) => n + l.activities.length, 0) / xs.length;
    expect(mean(leads.filter((l) => l.stage === 'won'))).toBeGreaterThan(2 * mean(leads.filter((l) => l.stage === 'disqualified')));
    for (const l of leads.filter((x) => x.stage === 'won')) expect(['电话沟通', '回复邮件']).toContain(l.activities.at(-1)!.type);
  });

  it('cycles add MQL → 培育池 → MQL rounds (the benchmark’s million entries)', () => {
    const plain = make(5).reduce((n, l) => n + l.transitions.length, 0);
    expect(make(5, 4).reduce((n, l) => n + l.transitions.length, 0)).toBeGreaterThan(plain * 1.5);
  });

  it('written to a store, the metrics read back what was made', async () => {
    const leads = make(3).slice(0, 120);
    const store = await testStore();
    try {
      const ids = await storeDemoHistory(store, journey.id, leads, { keyOf: (i) => `XS-${String(i + 1).padStart(6, '0')}` });
      const read = await store.metrics.histories();
      expect([...read.id]).toEqual(ids);
      expect(await store.metrics.histories({ page: 7 })).toEqual(read); // read in pages, the same
      for (let i = 0; i < read.size; i++) {
        expect(entriesOf(read, i)).toEqual(leads[i]!.transitions.map((t) => [t.to, t.at.getTime()]));
        expect(read.source[i]).toBe(leads[i]!.facts.source);
        expect(read.createdAt[i]).toBe(leads[i]!.createdAt.getTime());
        expect((await store.metrics.labels([read.id[i]!])).get(read.id[i]!)?.owner ?? null).toBe(leads[i]!.owner);
      }
      const assignments = await store.metrics.assignments();
      expect(assignments).toHaveLength(leads.reduce((n, l) => n + l.assignments.length, 0));
      expect(assignments.filter((a) => a.escalated.accept)).toHaveLength(leads.flatMap((l) => l.assignments).filter((a) => a.lateAccept).length);
    } finally {
      await store.close();
    }
  });
});
