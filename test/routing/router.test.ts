import fc from 'fast-check';
import type { Member } from '../../src/bitable/roster.js';
import { describe, expect, it } from 'vitest';
import { companyKey, route, weightedTurn, type Rep, type RouteInput, type RoutingRule } from '../../src/domain/routing.js';
import { openStages } from '../../src/domain/journey.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { loadJourney } from '../../src/rules/load-journey.js';
import { checkRoutingRows, loadRoutingRules } from '../../src/rules/routing-rules.js';
import { ruleRouter } from '../../src/routing/router.js';
import { openDb } from '../../src/store/db.js';
import { createStore, type SqliteStore } from '../../src/store/store.js';
import { tempDbPath } from '../support/temp-db.js';

const template = loadBaseTemplate();
const rules = loadRoutingRules(template);
const NOW = Date.UTC(2026, 10, 24, 2);
const rep = (id: string, o: Partial<Rep> = {}): Rep => ({ id, name: id.replace('ou_', ''), roles: ['sales'], onDuty: true, ...o });
const reps = (...rs: Rep[]) => new Map(rs.map((r) => [r.id, r]));

function input(facts: Record<string, unknown>, o: Partial<RouteInput> = {}): RouteInput {
  return {
    facts: facts as RouteInput['facts'],
    score: 0,
    when: 'handoff',
    rules,
    reps: reps(rep('ou_li', { regions: ['华东'], industries: ['制造业'] }), rep('ou_han', { regions: ['华北'] })),
    candidateRoles: ['sales'],
    loads: new Map(),
    credits: () => new Map(),
    companyOwner: undefined,
    now: NOW,
    ...o,
  };
}

describe('the shipped 分配规则, table-driven', () => {
  it.each([
    ['a sales-shared lead goes to the sharer', { source: '销售分享', shared_by: 'ou_han', region: '华东' }, 'new', 0, 'person', 'ou_han'],
    ['a website inquiry goes to the rep of its region at once', { source: '官网咨询', region: '华北' }, 'new', 0, 'person', 'ou_han'],
    ['a search lead with no rep for its region goes round the sales team', { source: '搜索引擎（SEM）', region: '海外' }, 'new', 0, 'person', 'ou_han'],
    ['a low-score content download goes to the pool', { source: '内容下载' }, 'new', 20, 'pool', undefined],
    ['a content download scoring 40 is not pooled (no new-lead rule)', { source: '内容下载' }, 'new', 40, 'none', undefined],
    ['an event lead waits for the hand-off (no new-lead rule)', { source: '线下活动', region: '华东' }, 'new', 0, 'none', undefined],
    ['at the hand-off, territory: 华东 制造业 → 李', { source: '线下活动', region: '华东', industry: '制造业' }, 'handoff', 70, 'person', 'ou_li'],
    ['at the hand-off, 华东 but 金融: no territory fits → round the team', { source: '线下活动', region: '华东', industry: '金融' }, 'handoff', 70, 'person', 'ou_han'],
  ])('%s', (_name, facts, when, score, kind, owner) => {
    const d = route(input(facts, { when: when as 'new' | 'handoff', score }));
    expect(d.kind).toBe(kind);
    if (d.kind === 'person') expect(d.ownerId).toBe(owner);
    expect(d.why.length).toBeGreaterThan(4);
  });

  it('a sharer on leave: the next matching rule places the lead, and says why', () => {
    const d = route(input({ source: '销售分享', shared_by: 'ou_han', region: '华东', industry: '制造业' }, { reps: reps(rep('ou_li', { regions: ['华东'] }), rep('ou_han', { leaveUntil: NOW + 1 })) }));
    expect(d).toMatchObject({ kind: 'person', ownerId: 'ou_li' });
    expect(d.why).toContain('han休假中');
  });

  it('people off duty, on leave, at capacity or without a candidate role are never picked', () => {
    const team = reps(rep('ou_a', { onDuty: false }), rep('ou_b', { leaveUntil: NOW + 3_600_000 }), rep('ou_c', { capacity: 2 }), rep('ou_d', { roles: ['sdr'] }), rep('ou_e', { leaveUntil: NOW - 1 }));
    const d = route(input({ source: '其他' }, { reps: team, loads: new Map([['ou_c', 2]]) }));
    expect(d).toMatchObject({ kind: 'person', ownerId: 'ou_e' }); // leave ended
    const none = route(input({ source: '其他' }, { reps: reps(rep('ou_a', { onDuty: false })) }));
    expect(none.kind).toBe('none');
    expect(none.why).toContain('没有可分配的人');
  });

  it('the same company keeps its owner; an SDR qualified lead goes to the reps the SDR feeds', () => {
    const team = reps(rep('ou_li'), rep('ou_han', { sdrId: 'ou_sdr' }), rep('ou_wu', { sdrId: 'ou_sdr' }), rep('ou_sdr', { roles: ['sdr'] }));
    expect(route(input({ source: '其他' }, { reps: team, companyOwner: 'ou_li' }))).toMatchObject({ kind: 'person', ownerId: 'ou_li', why: '同一公司的线索由 li 跟进' });
    const picks = new Set<string>();
    let credits = new Map<string, number>();
    for (let i = 0; i < 6; i++) {
      const d = route(input({ source: '其他', owner: 'ou_sdr' }, { reps: team, credits: () => credits }));
      if (d.kind !== 'person') throw new Error(d.why);
      picks.add(d.ownerId);
      credits = d.credits!.values;
      expect(d.why).toContain('对接该 SDR 的销售中');
    }
    expect([...picks].sort()).toEqual(['ou_han', 'ou_wu']);
  });

  it.each([
    ['华东精密仪器有限公司', '华东精密仪器'],
    ['华东精密仪器股份有限公司', '华东精密仪器'],
    ['华东精密仪器（上海）有限公司', '华东精密仪器'],
    ['南方医疗器械集团', '南方医疗器械'],
    [' 星河云 科技 ', '星河云科技'],
    ['ＡＢＣ Co., Ltd.', 'abc'],
  ])('company key of %s is %s', (name, key) => {
    expect(companyKey(name)).toBe(key);
  });
});

describe('分配规则 rows are validated one by one', () => {
  it('a wrong row is reported with why, the others stand', () => {
    const checked = checkRoutingRows(
      [
        { 规则: '好规则', 适用: '移交', 分配方式: '全部销售' },
        { 规则: '坏方式', 适用: '移交', 分配方式: '随便' },
        { 规则: '坏团队', 适用: '移交', 分配方式: '团队', 团队: '火星组' },
        { 规则: '坏来源', 适用: '新线索', 来源渠道: '抖音', 分配方式: '线索池' },
        { 规则: '回池', 适用: '移交', 分配方式: '线索池' },
        { 规则: '分数', 适用: '移交', 最低分: 80, 最高分: 10, 分配方式: '全部销售' },
        { 规则: '好规则', 适用: '移交', 分配方式: '全部销售' },
        { 规则: '夜班', 适用: '移交', 分配方式: '全部销售', 分配时段: '夜里' },
      ],
      template,
    );
    expect(checked.values.map((v) => v.value.name)).toEqual(['好规则']);
    expect(checked.problems.map((p) => [p.row, p.message.zh])).toEqual([
      [2, '「分配方式」须为 团队、按地区行业、全部销售、线索池、分享人、指定成员 之一'],
      [3, '分配方式为「团队」时须选择团队（可选：华东销售组、华北销售组、华南销售组、SDR组、市场部、财务部、法务部）'],
      [4, '「抖音」不是「来源渠道」的选项（可选：官网咨询、搜索引擎（SEM）、线下活动、直播/网络研讨会、内容下载、销售分享、转介绍、其他）'],
      [5, '「线索池」只适用于新线索（已移交的线索不回池，请用退回原因）'],
      [6, '「最低分」不能大于「最高分」'],
      [7, '与第 1 行重复（同一条件只能有一行）'],
      [8, '「分配时段」须为 工作时间、全天 之一，或留空（全天）'],
    ]);
  });

  it('分配时段: 工作时间 offers only in working time; 全天 or empty at any hour', () => {
    const hours = (cell: string) => checkRoutingRows([{ 规则: 'A', 适用: '移交', 分配方式: '全部销售', 分配时段: cell }], template).values[0]!.value.hours;
    expect([hours('工作时间'), hours('全天'), hours('')]).toEqual(['working', undefined, undefined]);
  });
});

describe('weighted round robin: properties over 10,000 assignments (fast-check)', () => {
  const ALL: RoutingRule[] = [{ name: '全部', when: ['handoff'], sources: [], regions: [], industries: [], sizes: [], mode: 'all' }];

  /** The state the store keeps, in memory: credits, open leads per rep, the owner per company. */
  function simulate(team: Rep[], leads: Array<{ company: number; closes: boolean }>, o: { leaveAt?: Map<number, string> } = {}) {
    const credits = new Map<string, Map<string, number>>();
    const loads = new Map<string, number>();
    const companies = new Map<number, string>();
    const picks: string[] = [];
    const open: Array<{ owner: string }> = [];
    const onLeave = new Set<string>();
    const violations: string[] = [];
    leads.forEach((l, i) => {
      const leaving = o.leaveAt?.get(i);
      if (leaving) onLeave.add(leaving);
      const roster = new Map(team.map((r) => [r.id, onLeave.has(r.id) ? { ...r, leaveUntil: NOW + 1 } : r]));
      const d = route({ facts: {}, score: 0, when: 'handoff', rules: ALL, reps: roster, candidateRoles: ['sales'], loads, credits: (p) => credits.get(p) ?? new Map(), companyOwner: companies.get(l.company), now: NOW });
      if (d.kind !== 'person') {
        picks.push('-');
        return;
      }
      const r = roster.get(d.ownerId)!;
      if (r.capacity !== undefined && (loads.get(r.id) ?? 0) >= r.capacity) violations.push(`capacity of ${r.id} at lead ${i}`);
      if (onLeave.has(r.id)) violations.push(`${r.id} picked on leave at lead ${i}`);
      const before = companies.get(l.company);
      if (before && before !== d.ownerId && !onLeave.has(before) && (roster.get(before)!.capacity ?? Infinity) > (loads.get(before) ?? 0)) violations.push(`company ${l.company} moved from ${before} to ${d.ownerId}`);
      if (d.credits) credits.set(d.credits.pool, d.credits.values);
      companies.set(l.company, d.ownerId);
      picks.push(d.ownerId);
      if (l.closes) return; // worked and closed at once: does not count against capacity
      loads.set(d.ownerId, (loads.get(d.ownerId) ?? 0) + 1);
      open.push({ owner: d.ownerId });
    });
    return { picks, violations };
  }

  const teamArb = fc
    .uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 2, maxLength: 8 })
    .chain((ids) => fc.tuple(...ids.map((id) => fc.record({ id: fc.constant(`ou_${String(id).padStart(2, '0')}`), weight: fc.integer({ min: 1, max: 5 }) }))));

  it('each rep’s share is within 1% of their weight share (no capacity, all distinct companies)', () => {
    fc.assert(
      fc.property(teamArb, (team) => {
        const rs = team.map((t) => rep(t.id, { weight: t.weight }));
        const { picks } = simulate(
          rs,
          Array.from({ length: 10_000 }, (_, i) => ({ company: i, closes: true })),
        );
        const total = rs.reduce((s, r) => s + r.weight!, 0);
        for (const r of rs) {
          const share = picks.filter((p) => p === r.id).length / picks.length;
          expect(Math.abs(share - r.weight! / total)).toBeLessThanOrEqual(0.01);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('capacity is never exceeded, leave is respected, a company never changes owner while its owner can take it', () => {
    fc.assert(
      fc.property(
        teamArb,
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 10_000, maxLength: 10_000 }),
        fc.array(fc.boolean(), { minLength: 10_000, maxLength: 10_000 }),
        fc.integer({ min: 0, max: 9_999 }),
        (team, companies, closes, leaveAt) => {
          const rs = team.map((t, i) => rep(t.id, { weight: t.weight, ...(i % 2 ? { capacity: 50 + i } : {}) }));
          const leads = companies.map((c, i) => ({ company: c, closes: closes[i]! }));
          const { violations } = simulate(rs, leads, { leaveAt: new Map([[leaveAt, rs[0]!.id]]) });
          expect(violations).toEqual([]);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('a single turn gives each a share within one pick of their weight, for any credits it starts from', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 200 }), (weights, n) => {
        const ids = weights.map((_, i) => `ou_${i}`);
        let credits = new Map<string, number>();
        const counts = new Map<string, number>();
        for (let k = 0; k < n; k++) {
          const t = weightedTurn(ids, (id) => weights[Number(id.slice(3))]!, credits);
          credits = t.values;
          counts.set(t.pick, (counts.get(t.pick) ?? 0) + 1);
        }
        const total = weights.reduce((s, w) => s + w, 0);
        ids.forEach((id, i) => {
          expect(Math.abs((counts.get(id) ?? 0) - (n * weights[i]!) / total)).toBeLessThanOrEqual(1 + 1e-9);
        });
      }),
    );
  });
});

describe('the router over SQLite: a restart in the middle changes nothing', () => {
  const journey = loadJourney('default');
  const member = (id: string, o: Partial<Member>): Member => ({ id, name: id, roles: ['sales'], managerId: undefined, onDuty: true, ...o });
  const team = new Map([member('ou_a', { weight: 3 }), member('ou_b', { weight: 1 }), member('ou_c', { weight: 2, capacity: 40 }), member('ou_d', { weight: 2 })].map((m) => [m.id, m]));

  async function assignAll(store: SqliteStore, from: number, to: number, out: string[]) {
    const router = await ruleRouter({ store, rules: () => rules, candidateRoles: ['sales'], openStages: openStages(journey) });
    const now = new Date(NOW);
    for (let i = from; i < to; i++) {
      await store.transaction(async () => {
        const lead = await store.leads.insert({ leadKey: `XS-${String(i + 1).padStart(6, '0')}`, journeyId: 'default', facts: { company: `公司${i % 97}有限公司`, source: '其他' }, now });
        await store.leads.setStage(lead.id, lead.version, 'sql', now);
        const d = await router.pick((await store.leads.get(lead.id))!, team, { when: 'handoff', now });
        if (d.kind !== 'person') throw new Error(d.why);
        const a = await store.assignments.offer({ leadId: lead.id, ownerId: d.ownerId, source: `routing:${d.rule}`, acceptDueAt: null, why: d.why, now });
        if (i % 3 === 0) await store.leads.setStage(lead.id, (await store.leads.get(lead.id))!.version, 'won', now); // some leave the rep's plate (won: no longer open)
        void a;
        out.push(d.ownerId);
      });
    }
  }

  it('the picks with a restart at 1,234 equal the picks without one; capacity and same-company hold', async () => {
    const a = tempDbPath();
    const b = tempDbPath();
    try {
      const straight: string[] = [];
      const sa = createStore(openDb(a.path));
      await assignAll(sa, 0, 3000, straight);
      sa.db.close();

      const restarted: string[] = [];
      const first = createStore(openDb(b.path));
      await assignAll(first, 0, 1234, restarted);
      first.db.close(); // the process ends; a new one opens the same file
      const second = createStore(openDb(b.path));
      await assignAll(second, 1234, 3000, restarted);
      expect(restarted).toEqual(straight);
      const loads = await second.routing.loads();
      expect(loads.get('ou_c') ?? 0).toBeLessThanOrEqual(40);
      // companies whose first owner never ran out of room stay with them (ou_c's overflow when it is full)
      const owners = second.db
        .prepare(
          `SELECT l.company_key AS k, COUNT(DISTINCT a.owner_id) AS n, (SELECT a2.owner_id FROM assignments a2 JOIN leads l2 ON l2.id = a2.lead_id WHERE l2.company_key = l.company_key ORDER BY a2.id LIMIT 1) AS first
         FROM assignments a JOIN leads l ON l.id = a.lead_id GROUP BY l.company_key`,
        )
        .all() as Array<{ n: number; first: string }>;
      expect(owners.length).toBe(97);
      expect(owners.filter((o) => o.first !== 'ou_c').every((o) => o.n === 1)).toBe(true);
      expect(owners.some((o) => o.first === 'ou_c' && o.n > 1)).toBe(true); // capacity did bind
      second.db.close();
    } finally {
      a.remove();
      b.remove();
    }
  });
});
