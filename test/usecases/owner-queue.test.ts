import { describe, expect, it } from 'vitest';
import { cardWorld, queuedTexts, rosterOf, rowFields, type CardWorld } from '../support/card-world.js';

/**
 * Leads nobody can take wait visibly and are offered in arrival order when room appears (issue: a burst
 * of website inquiries with every rep at 跟进上限). In-memory store, fixed clock, the shipped 分配规则.
 */
const texts = queuedTexts;

describe('leads waiting for an owner (every rep at 跟进上限)', () => {
  const team = () => {
    const base = rosterOf();
    const members = rosterOf([
      { ...base.get('ou_lilei')!, capacity: 2 },
      { ...base.get('ou_hanmeimei')!, capacity: 2 },
    ]);
    return members;
  };
  const inquiry = (w: CardWorld, i: number) => w.newLead({ company: `官网客户${i}科技有限公司`, contact_name: `联系人${i}`, phone: `1380000${String(i).padStart(4, '0')}`, source: '官网咨询' });

  it('a burst beyond capacity: the rest wait with a note, the manager gets one summary, and they are offered in arrival order as room appears', async () => {
    const w = await cardWorld({ members: team() });
    const leads: Awaited<ReturnType<typeof inquiry>>[] = [];
    for (let i = 1; i <= 7; i++) leads.push(await inquiry(w, i));
    const owners = await Promise.all(leads.map(async (l) => (await w.store.assignments.current(l.id))?.ownerId));
    expect(owners.slice(0, 4).sort()).toEqual(['ou_hanmeimei', 'ou_hanmeimei', 'ou_lilei', 'ou_lilei']);
    expect(owners.slice(4)).toEqual([undefined, undefined, undefined]);
    // each waiting lead says so on its row: why, and what it waits for
    for (const l of leads.slice(4)) {
      const note = String((await rowFields(w, l.id)).旅程备注);
      expect(note).toContain('等待分配');
      expect(note).toContain('没有可分配的人（在岗、未休假、未达跟进上限和每日新线索上限）');
      expect(note).toContain('按到达顺序自动分配');
      expect((await rowFields(w, l.id)).SLA截止).toBeNull();
    }
    expect((await w.store.ownerQueue.list(10)).map((q) => q.leadId)).toEqual(leads.slice(4).map((l) => l.id));

    // one summary to the manager, a minute later — not one message per lead
    w.clock.advance(61_000);
    await w.sweep().kick();
    const summaries = async () => (await texts(w)).filter((t) => t.includes('条线索在等待分配'));
    expect(await summaries()).toHaveLength(1);
    expect((await summaries())[0]).toMatch(/^<at user_id="ou_chenjing"><\/at> 有 3 条线索在等待分配（最早 XS-000005 于 .*）：.*销售现状：李雷 2\/2，韩梅梅 2\/2/);
    await inquiry(w, 8); // another in the same wait: no second summary
    w.clock.advance(120_000);
    await w.sweep().kick();
    expect(await summaries()).toHaveLength(1);

    // nothing frees up: nothing moves
    expect(await w.ownerQueue.drain(w.members, w.clock.now())).toBe(0);

    // 李雷 returns one of his: his place goes to the lead that waited longest
    const lileis = leads.filter((_, i) => owners[i] === 'ou_lilei');
    const card = (await w.store.cards.openFor(lileis[0]!.id, 'assignment'))[0]!;
    await w.store.cards.setMessageId(card.uuid, 'om_ret', w.clock.now());
    expect((await w.click('om_ret', '李雷', { op: 'return', form: { reason: '需求不明确', note: '' } })).toast.type).toBe('success');
    expect(await w.ownerQueue.drain(w.members, w.clock.now())).toBe(1);
    expect(await w.store.assignments.current(leads[4]!.id)).toMatchObject({ ownerId: 'ou_lilei', status: 'offered' });
    expect(String((await rowFields(w, leads[4]!.id)).旅程备注)).toMatch(/等待分配（自 .*）后，已交给 李雷，等待认领/);
    expect(await w.store.assignments.current(leads[5]!.id)).toBeUndefined();

    // 韩梅梅's 跟进上限 raised to 4: the next two, in order
    w.members.set('ou_hanmeimei', { ...w.members.get('ou_hanmeimei')!, capacity: 4 });
    expect(await w.ownerQueue.drain(w.members, w.clock.now())).toBe(2);
    expect(await Promise.all([5, 6].map(async (i) => (await w.store.assignments.current(leads[i]!.id))?.ownerId))).toEqual(['ou_hanmeimei', 'ou_hanmeimei']);
    expect(await w.store.ownerQueue.list(10)).toHaveLength(1); // 官网客户8 still waits
    // a waiting lead that no longer needs an owner (disqualified by hand) leaves the queue
    const last = (await w.store.ownerQueue.list(1))[0]!.leadId;
    await w.store.transaction(async () => w.store.leads.setStage(last, (await w.store.leads.get(last))!.version, 'disqualified', w.clock.now()));
    expect(await w.ownerQueue.drain(w.members, w.clock.now())).toBe(0);
    expect((await w.store.ownerQueue.size()).count).toBe(0);
  });

  it('no rule for the lead (not a capacity problem) is not queued: it waits for its hand-off as before', async () => {
    const w = await cardWorld({ members: team() });
    const l = await w.newLead({ company: '线下客户有限公司', phone: '13900000000', source: '线下活动' });
    expect(await w.store.assignments.current(l.id)).toBeUndefined();
    expect((await w.store.ownerQueue.size()).count).toBe(0);
  });
});
