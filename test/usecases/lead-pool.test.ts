import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PoolRule } from '../../src/domain/pool.js';
import type { LeadRow } from '../../src/store/leads-repo.js';
import { cardWorld, type CardWorld } from '../support/card-world.js';
import { tempDbPath } from '../support/temp-db.js';
import { TEST_STORE } from '../support/test-store.js';

/**
 * Claiming from the pool (公海), in-memory store and fixed clock (T0: Tuesday 2026-11-24 10:00 Beijing
 * time), the shipped 公海规则 unless a test sets its own: 培育池, 10 a day, 50 held, 7 days before a
 * lead given back may be claimed again.
 */
const DAY = 86_400_000;
const LI = 'ou_lilei';
const HAN = 'ou_hanmeimei';

const poolLead = async (w: CardWorld, n: number): Promise<LeadRow> => w.newLead({ company: `公海公司${n}`, source: '内容下载', phone: '13912345678' }, { stage: 'nurture' });
const claim = (w: CardWorld, lead: LeadRow, who: string) => w.store.transaction(async () => w.pool.claim((await w.store.leads.get(lead.id))!, who, w.members, w.clock.now()));
const setPool = (w: CardWorld, p: Partial<PoolRule>) => (w.ruleSet.pools = [{ name: '培育池公海', stages: ['nurture'], perDay: 10, holding: 50, reclaimAfterDays: 7, announce: 'returned', ...p }]);
/** What a return does to ownership (apply-return.ts): the assignment ends, nobody owns the lead. */
async function giveBack(w: CardWorld, lead: LeadRow) {
  await w.store.transaction(async () => {
    const a = (await w.store.assignments.current(lead.id))!;
    await w.store.assignments.markReturned(a.id, '需求不明确', null, w.clock.now());
    const fresh = (await w.store.leads.get(lead.id))!;
    await w.store.leads.setOwner(lead.id, null, w.clock.now());
    const { owner: _o, ...facts } = fresh.facts;
    await w.store.leads.setFacts(lead.id, facts, w.clock.now());
  });
}

describe('claiming a lead from the pool (公海)', () => {
  it('a pool lead nobody follows becomes the rep’s: owner, an accepted claim, the first-feedback SLA, the row fields', async () => {
    const w = await cardWorld();
    const lead = await poolLead(w, 1);
    expect(lead.ownerId).toBeNull();
    const out = await claim(w, lead, LI);
    expect(out).toMatchObject({ won: true, pool: '培育池公海', fields: { 跟进人: LI, 领取: false } });
    if (!out.won) throw new Error('not won');
    expect(out.note).toMatch(/^李雷 从公海「培育池公海」领取，首次跟进反馈截止 /);
    const after = (await w.store.leads.get(lead.id))!;
    expect([after.ownerId, after.facts.owner, after.stage]).toEqual([LI, LI, 'nurture']);
    expect(await w.store.assignments.current(lead.id)).toMatchObject({ ownerId: LI, status: 'accepted', source: 'claim' });
    expect((await w.store.timers.pendingForLead(lead.id)).map((t) => t.kind)).toContain('sla.follow_up');
  });

  it.each([
    ['a lead someone follows', async (w: CardWorld, lead: LeadRow) => void (await claim(w, lead, HAN)), LI, '这条线索已由 韩梅梅 跟进，不在公海中'],
    ['a lead whose stage is in no pool', async (w: CardWorld, lead: LeadRow) => void (await w.store.leads.setStage(lead.id, (await w.store.leads.get(lead.id))!.version, 'mql', w.clock.now())), LI, '这条线索不在公海中'],
    ['someone who does not take leads (an SDR)', async () => {}, 'ou_zhangwei', '只有销售团队中可分配线索的成员才能领取'],
    ['someone not on the team', async () => {}, 'ou_stranger', '只有销售团队中可分配线索的成员才能领取'],
  ])('refused: %s', async (_what, arrange, who, says) => {
    const w = await cardWorld();
    const lead = await poolLead(w, 1);
    await arrange(w, lead);
    const before = (await w.store.leads.get(lead.id))!.ownerId;
    const out = await claim(w, lead, who);
    expect(out.won).toBe(false);
    if (!out.won) expect(out.why.zh).toContain(says);
    expect((await w.store.leads.get(lead.id))!.ownerId).toBe(before);
  });

  it('每日领取上限: the third claim of the day is refused; the next day it goes through', async () => {
    const w = await cardWorld();
    setPool(w, { perDay: 2 });
    const leads = [await poolLead(w, 1), await poolLead(w, 2), await poolLead(w, 3)];
    expect((await claim(w, leads[0]!, LI)).won).toBe(true);
    expect((await claim(w, leads[1]!, LI)).won).toBe(true);
    const third = await claim(w, leads[2]!, LI);
    expect(third.won ? '' : third.why.zh).toBe('今天已领取 2 条，达到「培育池公海」的每日领取上限 2 条，明天再来');
    expect((await claim(w, leads[2]!, HAN)).won).toBe(true); // another rep's day is their own
    const fourth = await poolLead(w, 4);
    w.clock.set(Date.parse('2026-11-24T16:00:00Z')); // 00:00 Wednesday in Beijing: a new day
    expect((await claim(w, fourth, LI)).won).toBe(true);
  });

  it('持有上限: a rep holding as many open leads as the cap claims no more until one goes', async () => {
    const w = await cardWorld();
    setPool(w, { holding: 2, perDay: undefined });
    const leads = [await poolLead(w, 1), await poolLead(w, 2), await poolLead(w, 3)];
    await claim(w, leads[0]!, LI);
    await claim(w, leads[1]!, LI);
    const third = await claim(w, leads[2]!, LI);
    expect(third.won ? '' : third.why.zh).toBe('你正在跟进 2 条线索，达到持有上限 2 条：先推进或退回一些再领取');
    await giveBack(w, leads[0]!);
    expect((await claim(w, leads[2]!, LI)).won).toBe(true);
  });

  it('退回后禁领天数: a lead given back cannot be claimed back by the same rep for 7 days; others may at once', async () => {
    const w = await cardWorld();
    const lead = await poolLead(w, 1);
    await claim(w, lead, LI);
    await giveBack(w, lead);
    w.clock.advance(2 * DAY);
    const again = await claim(w, lead, LI);
    expect(again.won ? '' : again.why.zh).toBe('你退回这条线索不到 7 天，5 天后才能再领取');
    w.clock.advance(5 * DAY);
    expect((await claim(w, lead, LI)).won).toBe(true);
    await giveBack(w, lead);
    expect((await claim(w, lead, HAN)).won).toBe(true);
  });

  it('two reps claim the same lead at once: exactly one wins, the other is told who', async () => {
    const w = await cardWorld();
    const lead = await poolLead(w, 1);
    const [a, b] = await Promise.all([claim(w, lead, LI), claim(w, lead, HAN)]);
    expect([a.won, b.won].filter(Boolean)).toHaveLength(1);
    const lost = (a.won ? b : a) as Extract<typeof a, { won: false }>;
    const winner = a.won ? '李雷' : '韩梅梅';
    expect(lost.why.zh).toContain(winner);
    expect((await w.store.assignments.listForLead(lead.id)).filter((x) => x.status === 'accepted')).toHaveLength(1);
  });

  // 10,000 steps on SQLite; on PGlite and PostgreSQL (slower a statement) the same property over fewer
  const runs = TEST_STORE === 'sqlite' ? 50 : 4;
  it(`property: over random claims, give-backs, follow-ups and recycles (${runs * 200} steps, a restart in the middle) no rep passes a cap, no lead has two owners, none outlives its 保护期`, async () => {
    const reps = [LI, HAN];
    const perDay = 3;
    const holding = 4;
    const op = fc.record({
      kind: fc.constantFrom('claim', 'claim', 'claim', 'back', 'tick', 'follow', 'days'),
      rep: fc.integer({ min: 0, max: 1 }),
      lead: fc.integer({ min: 0, max: 7 }),
      hours: fc.integer({ min: 0, max: 30 }),
      days: fc.integer({ min: 1, max: 12 }),
    });
    let steps = 0;
    let recycled = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 200, maxLength: 200 }), async (ops) => {
        const db = tempDbPath();
        try {
          let w = await cardWorld({ dbPath: db.path });
          setPool(w, { perDay, holding, reclaimAfterDays: 1 });
          const leads: LeadRow[] = [];
          for (let i = 0; i < 8; i++) leads.push(await poolLead(w, i));
          for (const [i, o] of ops.entries()) {
            if (i === ops.length / 2) {
              // the server restarts on the same database
              const at = w.clock.now().getTime();
              await w.store.close();
              w = await cardWorld({ dbPath: db.path, at });
              setPool(w, { perDay, holding, reclaimAfterDays: 1 });
            }
            const lead = (await w.store.leads.get(leads[o.lead]!.id))!;
            if (o.kind === 'claim') await claim(w, lead, reps[o.rep]!);
            else if (o.kind === 'back' && lead.ownerId === reps[o.rep]) await giveBack(w, lead);
            else if (o.kind === 'tick') w.clock.advance(o.hours * 3_600_000);
            else if (o.kind === 'follow' && lead.ownerId) await w.store.transaction(() => w.engine.onActivity(lead, { type: '电话沟通', at: w.clock.now(), key: `f${i}` }, w.members, w.clock.now()));
            else if (o.kind === 'days') {
              // days pass: the timer sweep recycles whatever ran out (15 days after the last follow-up, at most 60)
              w.clock.advance(o.days * DAY);
              await w.sweep().kick();
              for (const l of leads) {
                const span = await w.protection.spanOf((await w.store.leads.get(l.id))!, w.clock.now());
                if (span) expect(span.until.getTime()).toBeGreaterThan(w.clock.now().getTime());
              }
            }
            steps++;
            // invariants, after every step
            for (const l of leads) {
              const live = (await w.store.assignments.listForLead(l.id)).filter((a) => a.status === 'offered' || a.status === 'accepted');
              expect(live.length).toBeLessThanOrEqual(1);
              expect(live[0]?.ownerId ?? null).toBe((await w.store.leads.get(l.id))!.ownerId);
            }
            for (const r of reps) expect(await w.store.assignments.holding(r, ['nurture'])).toBeLessThanOrEqual(holding);
          }
          // per rep and Beijing day, claims never passed the daily cap
          const claims = (await w.store.sql.all("SELECT owner_id, offered_at FROM assignments WHERE source = 'claim'")) as Array<{ owner_id: string; offered_at: number }>;
          const perRepDay = new Map<string, number>();
          for (const c of claims) {
            const k = `${c.owner_id}:${new Date(Number(c.offered_at) + 8 * 3_600_000).toISOString().slice(0, 10)}`;
            perRepDay.set(k, (perRepDay.get(k) ?? 0) + 1);
          }
          expect(Math.max(0, ...perRepDay.values())).toBeLessThanOrEqual(perDay);
          recycled += Number(((await w.store.sql.get("SELECT COUNT(*) AS n FROM assignments WHERE return_reason = '保护期到期'")) as { n: number }).n);
          await w.store.close();
        } finally {
          db.remove();
        }
      }),
      { numRuns: runs, seed: 20261203 },
    );
    expect(steps).toBe(runs * 200);
    expect(recycled).toBeGreaterThan(0); // the runs did recycle leads
  }, 240_000);
});
