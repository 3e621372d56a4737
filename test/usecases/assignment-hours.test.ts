import { describe, expect, it } from 'vitest';
import type { LeadRow } from '../../src/store/leads-repo.js';
import { cardWorld, rosterOf, type CardWorld } from '../support/card-world.js';

/**
 * Assignment hours, daily caps and batches (issue 24 item 4), on the card world with the shipped 分配规则
 * (官网咨询 → sales at once, 分配时段 工作时间) and the working calendar (09:00–12:00, 13:30–18:00 on
 * working days, Beijing time). 李雷 has 分配权重 2, 韩梅梅 1.
 */
const bj = (local: string) => new Date(`${local}:00+08:00`).getTime();
const LI = 'ou_lilei';
const HAN = 'ou_hanmeimei';

function team() {
  const m = rosterOf();
  m.set(LI, { ...m.get(LI)!, weight: 2 });
  return m;
}
const inquiry = (w: CardWorld, n: number) => w.newLead({ company: `询价公司${n}`, source: '官网咨询', phone: `1380000${String(1000 + n)}`, need: '报价' });
const ownerOf = async (w: CardWorld, id: number) => (await w.store.assignments.current(id))?.ownerId ?? null;

describe('assignment hours: a lead arriving outside working time waits for the next working period', () => {
  it('at 20:00 nobody is offered it (no turn used, no summary to the managers); at 09:00 the night leads are offered in arrival order, by the same rotation as by day', async () => {
    const night = await cardWorld({ members: team(), at: bj('2026-11-24T20:00') });
    const ids: number[] = [];
    for (let n = 1; n <= 6; n++) {
      ids.push((await inquiry(night, n)).id);
      night.clock.advance(10 * 60_000);
    }
    for (const id of ids) expect(await ownerOf(night, id)).toBeNull();
    const queued = (await night.store.ownerQueue.list(10)).map((q) => [q.leadId, q.why]);
    expect(queued.map(([id]) => id)).toEqual(ids);
    expect(String(queued[0]![1])).toBe('规则「官网咨询和搜索线索立即分配」只在工作时间分配：11-25 09:00 起按到达顺序分配；规则「官网咨询和搜索线索（无对口销售时轮流）」只在工作时间分配：11-25 09:00 起按到达顺序分配');
    expect((await night.store.sql.all("SELECT id FROM timers WHERE kind = 'owner_queue.summary'")).length).toBe(0);
    // 08:59 still nothing; 09:00 the queue drains, oldest first
    night.clock.set(bj('2026-11-25T08:59'));
    expect(await night.ownerQueue.drain(night.members, night.clock.now())).toBe(0);
    night.clock.set(bj('2026-11-25T09:00'));
    expect(await night.ownerQueue.drain(night.members, night.clock.now())).toBe(6);
    const nightOwners = await Promise.all(ids.map((id) => ownerOf(night, id)));
    const offeredAt = (await night.store.sql.all('SELECT lead_id, offered_at FROM assignments ORDER BY id')) as Array<{ lead_id: number; offered_at: number }>;
    expect(offeredAt.map((a) => Number(a.lead_id))).toEqual(ids); // in arrival order

    // the same six, one by one in working hours: the same owners (weights 2:1)
    const day = await cardWorld({ members: team(), at: bj('2026-11-25T10:00') });
    const dayOwners: Array<string | null> = [];
    for (let n = 1; n <= 6; n++) dayOwners.push(await ownerOf(day, (await inquiry(day, n)).id));
    expect(nightOwners).toEqual(dayOwners);
    expect(dayOwners.filter((o) => o === LI)).toHaveLength(4);
  });

  it('a rule for 全天 assigns at any hour', async () => {
    const w = await cardWorld({ members: team(), at: bj('2026-11-24T23:30') });
    for (const r of w.ruleSet.routing) delete (r as { hours?: string }).hours;
    expect(await ownerOf(w, (await inquiry(w, 1)).id)).not.toBeNull();
  });

  it('at 18:00 sharp, the end of the day, it is still working time (a deadline counted in working hours lands there)', async () => {
    const w = await cardWorld({ members: team(), at: bj('2026-11-24T18:00') });
    expect(await ownerOf(w, (await inquiry(w, 1)).id)).not.toBeNull();
    w.clock.set(bj('2026-11-24T18:01'));
    expect(await ownerOf(w, (await inquiry(w, 2)).id)).toBeNull();
  });
});

describe('每日新线索上限: a rep gets at most so many routed leads a day, beside 跟进上限', () => {
  it('韩梅梅 (cap 1) gets one lead today, the rest go to 李雷; tomorrow she is back in the rotation', async () => {
    const members = team();
    members.set(HAN, { ...members.get(HAN)!, dailyCap: 1 });
    const w = await cardWorld({ members, at: bj('2026-11-24T10:00') });
    const owners: Array<string | null> = [];
    for (let n = 1; n <= 5; n++) owners.push(await ownerOf(w, (await inquiry(w, n)).id));
    expect(owners.filter((o) => o === HAN)).toHaveLength(1);
    expect(owners.filter((o) => o === LI)).toHaveLength(4);
    w.clock.set(bj('2026-11-25T10:00'));
    const tomorrow: Array<string | null> = [];
    for (let n = 6; n <= 8; n++) tomorrow.push(await ownerOf(w, (await inquiry(w, n)).id));
    expect(tomorrow.filter((o) => o === HAN)).toHaveLength(1);
  });

  it('nobody under their cap: the lead waits, and the managers hear of it', async () => {
    const members = team();
    for (const id of [LI, HAN]) members.set(id, { ...members.get(id)!, dailyCap: 1 });
    const w = await cardWorld({ members, at: bj('2026-11-24T10:00') });
    await inquiry(w, 1);
    await inquiry(w, 2);
    const third = await inquiry(w, 3);
    expect(await ownerOf(w, third.id)).toBeNull();
    expect((await w.store.ownerQueue.list(10)).map((q) => q.why).join()).toContain('未达跟进上限和每日新线索上限');
    expect((await w.store.sql.all("SELECT id FROM timers WHERE kind = 'owner_queue.summary'")).length).toBe(1);
  });
});

describe('a batch arriving at once is spread like one-by-one arrivals', () => {
  it('six leads decided in one transaction get the owners six separate arrivals get', async () => {
    const batch = await cardWorld({ members: team(), at: bj('2026-11-24T10:00') });
    const started: LeadRow[] = [];
    for (let n = 1; n <= 6; n++) {
      const s = await batch.startLead({
        leadKey: `XS-B${n}`,
        facts: { company: `批量公司${n}`, source: '官网咨询', phone: `1390000${1000 + n}` },
        actor: { id: 'ou_zhangwei', roles: ['sdr'] },
        record: { baseToken: 'bascnTest', tableId: 'tblLeads', recordId: `recB${n}` },
      });
      if (!s.ok) throw new Error(s.error.code);
      started.push(s.value.lead);
    }
    await batch.store.transaction(async () => {
      for (const lead of started) await batch.engine.onNewLead(lead, batch.members, batch.clock.now());
    });
    const batchOwners = await Promise.all(started.map((l) => ownerOf(batch, l.id)));
    const single = await cardWorld({ members: team(), at: bj('2026-11-24T10:00') });
    const singleOwners: Array<string | null> = [];
    for (let n = 1; n <= 6; n++) singleOwners.push(await ownerOf(single, (await inquiry(single, n)).id));
    expect(batchOwners).toEqual(singleOwners);
    expect(new Set(batchOwners)).toEqual(new Set([LI, HAN]));
  });
});
