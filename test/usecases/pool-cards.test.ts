import { describe, expect, it } from 'vitest';
import type { PoolRule } from '../../src/domain/pool.js';
import { cardWorld, rosterOf, type CardWorld } from '../support/card-world.js';

/**
 * Pool cards (公海卡片): a lead that comes back to the pool is offered in the group with one 领取 button;
 * the first rep who may take leads gets it, within the pool's caps; the card then says who. In-memory
 * store, fixed clock, the shipped 公海规则 (培育池, 10 a day, 50 held, 7 days, 群内推送 回流时) unless set.
 */
const WANG = { id: 'ou_wangfang', name: '王芳', roles: ['sales'], managerId: 'ou_chenjing', onDuty: true };
const setPool = (w: CardWorld, p: Partial<PoolRule>) => (w.ruleSet.pools = [{ name: '培育池公海', stages: ['nurture'], perDay: 10, holding: 50, reclaimAfterDays: 7, announce: 'returned', ...p }]);

/** An assigned lead 李雷 returns with 需求不明确 (→ 培育池): its pool card, "sent" with a message id. */
async function returnedLead(w: CardWorld) {
  const a = await w.assignedLead();
  const r = await w.click(a.assignmentMessage, '李雷', { op: 'return', form: { reason: '需求不明确', note: '' } });
  expect(r.toast.type).toBe('success');
  const cards = await w.store.cards.openFor(a.leadId, 'pool');
  const message = `om_pool_${a.leadId}`;
  if (cards[0]) await w.store.cards.setMessageId(cards[0].uuid, message, w.clock.now());
  return { leadId: a.leadId, cards, message };
}

const sentPoolCards = async (w: CardWorld) =>
  ((await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'im.send' ORDER BY id")) as Array<{ payload_json: string }>)
    .map((r) => JSON.parse(r.payload_json) as { card?: { card: { kind: string; state: Record<string, unknown> } } })
    .filter((p) => p.card?.card.kind === 'pool')
    .map((p) => p.card!.card.state);

describe('pool cards (公海卡片)', () => {
  it('a returned lead is offered to the group: why, the caps, one 领取 button', async () => {
    const w = await cardWorld();
    const { cards, leadId } = await returnedLead(w);
    expect(cards).toHaveLength(1);
    expect(cards[0]!.subject).toMatchObject({ pool: '培育池公海', why: { zh: '李雷 退回：需求不明确' } });
    const [sent] = await sentPoolCards(w);
    expect(sent).toMatchObject({ pool: '培育池公海', limits: { zh: '每人每天最多领取 10 条；跟进中的线索达到 50 条时不能再领取；自己退回的线索 7 天内不能领回。' } });
    expect((await w.store.leads.get(leadId))!.ownerId).toBeNull();
  });

  it('领取 on the card: refusals say why and leave the card open; the first rep allowed gets it; later clicks are told who', async () => {
    const w = await cardWorld({ members: rosterOf([WANG]) });
    const { leadId, message } = await returnedLead(w);
    const before = await w.snapshot();
    // the rep who gave it back waits 7 days; an SDR and a stranger never claim
    for (const [who, says] of [
      ['李雷', '你退回这条线索不到 7 天'],
      ['张伟', '只有销售团队中可分配线索的成员才能领取'],
      ['外人', '只有销售团队中可分配线索的成员才能领取'],
    ] as const) {
      const r = await w.click(message, who, { op: 'claim' });
      expect(r.toast.type).toBe('warning');
      expect(r.toast.content).toContain(says);
    }
    expect(await w.snapshot()).toEqual(before);
    const won = await w.click(message, '韩梅梅', { op: 'claim' });
    expect(won.toast).toMatchObject({ type: 'success' });
    expect(won.toast.content).toMatch(/^已领取，首次跟进反馈截止 /);
    expect(JSON.stringify(won.card)).toContain('韩梅梅 于');
    const lead = (await w.store.leads.get(leadId))!;
    expect([lead.ownerId, lead.facts.owner]).toEqual(['ou_hanmeimei', 'ou_hanmeimei']);
    expect(await w.store.assignments.current(leadId)).toMatchObject({ ownerId: 'ou_hanmeimei', status: 'accepted', source: 'claim' });
    const late = await w.click(message, 'ou_wangfang', { op: 'claim' });
    expect(late.toast).toMatchObject({ type: 'info' });
    expect(late.toast.content).toMatch(/^韩梅梅 已于 .* 领取，无需重复操作$/);
    expect((await w.store.leads.get(leadId))!.ownerId).toBe('ou_hanmeimei');
  });

  it('two reps click 领取 at once on two instances: exactly one gets the lead, the other is told who', async () => {
    const w = await cardWorld({ members: rosterOf([WANG]) });
    const { leadId, message } = await returnedLead(w);
    const other = await w.anotherInstance();
    try {
      const [a, b] = await Promise.all([w.click(message, '韩梅梅', { op: 'claim' }), other.click(message, 'ou_wangfang', { op: 'claim' })]);
      expect([a.toast.type, b.toast.type].filter((t) => t === 'success')).toHaveLength(1);
      const winner = a.toast.type === 'success' ? '韩梅梅' : '王芳';
      expect((a.toast.type === 'success' ? b : a).toast.content).toContain(winner);
      expect((await w.store.assignments.listForLead(leadId)).filter((x) => x.status === 'accepted' && x.source === 'claim')).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('claimed in the grid, or offered to a rep: the open card says so in place', async () => {
    const w = await cardWorld();
    const first = await returnedLead(w);
    await w.store.transaction(async () => w.pool.claim((await w.store.leads.get(first.leadId))!, 'ou_hanmeimei', w.members, w.clock.now()));
    expect(await w.store.cards.get(first.cards[0]!.id)).toMatchObject({ status: 'done', action: 'claim', actedBy: 'ou_hanmeimei' });
    const second = await returnedLead(w);
    await w.store.transaction(async () => w.offers.offerAssignment((await w.store.leads.get(second.leadId))!, w.members, w.clock.now(), { anyStage: true }));
    expect(await w.store.cards.get(second.cards[0]!.id)).toMatchObject({ status: 'void', action: 'superseded' });
    const patches = ((await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'im.patch' ORDER BY id")) as Array<{ payload_json: string }>).map(
      (r) => JSON.parse(r.payload_json) as { card: { card: { kind: string; state: { outcome?: { action: string; by?: string } } } } },
    );
    expect(patches.filter((p) => p.card.card.kind === 'pool').map((p) => p.card.card.state.outcome)).toEqual([
      { action: 'claim', by: 'ou_hanmeimei', at: expect.anything() },
      { action: 'void', at: expect.anything() },
    ]);
    // a click on the withdrawn card changes nothing
    const r = await w.click(second.message, '韩梅梅', { op: 'claim' });
    expect(r.toast.type).toBe('info');
  });

  it('群内推送: 不推送 sends no card; 全部 also offers a new lead routed to the pool; 回流时 does not', async () => {
    const none = await cardWorld();
    setPool(none, { announce: 'none' });
    expect((await returnedLead(none)).cards).toEqual([]);

    const all = await cardWorld();
    setPool(all, { announce: 'all' });
    const routed = await all.newLead({ company: '下载公司', source: '内容下载', contact_name: '孙丽', phone: '13912345678' });
    expect(routed.stage).toBe('nurture');
    const [card] = await all.store.cards.openFor(routed.id, 'pool');
    expect(card?.subject).toMatchObject({ pool: '培育池公海' });

    const returned = await cardWorld();
    const quiet = await returned.newLead({ company: '下载公司', source: '内容下载', contact_name: '孙丽', phone: '13912345678' });
    expect(quiet.stage).toBe('nurture');
    expect(await returned.store.cards.openFor(quiet.id, 'pool')).toEqual([]);
  });

  it('a lead that left the pool unheard of (its stage moved): a click closes the card and says so', async () => {
    const w = await cardWorld();
    const { leadId, message, cards } = await returnedLead(w);
    const lead = (await w.store.leads.get(leadId))!;
    await w.store.leads.setStage(leadId, lead.version, 'mql', w.clock.now()); // moved by a path that sends no card update
    const r = await w.click(message, '韩梅梅', { op: 'claim' });
    expect(r.toast).toMatchObject({ type: 'info', content: '这条线索已不在公海中' });
    expect(await w.store.cards.get(cards[0]!.id)).toMatchObject({ status: 'void' });
    expect((await w.store.leads.get(leadId))!.ownerId).toBeNull();
  });

  it('near its 14 days a pool card is closed, not sent again (a lead may wait in the pool for months): it says to claim in the grid', async () => {
    const w = await cardWorld();
    const { cards } = await returnedLead(w);
    const sends = async () => (await sentPoolCards(w)).length;
    expect(await sends()).toBe(1);
    w.clock.advance(13 * 86_400_000);
    await w.sweep().kick();
    expect(await w.store.cards.get(cards[0]!.id)).toMatchObject({ status: 'void', action: 'expired' });
    expect(await sends()).toBe(1);
    const patch = ((await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'im.patch' ORDER BY id DESC LIMIT 1")) as Array<{ payload_json: string }>)[0]!;
    expect(JSON.parse(patch.payload_json).card.card.state.outcome).toMatchObject({ action: 'void', expired: true });
  });

  it('a pool lead whose activities cross the MQL threshold moves on: its open pool card says it left the pool', async () => {
    const w = await cardWorld();
    setPool(w, { announce: 'all' });
    const lead = await w.newLead({ company: '蓝鲸教育', contact_name: '李老师', wechat: 'lanjing_edu', need: '排课系统', source: '内容下载', industry: '教育' });
    const [card] = await w.store.cards.openFor(lead.id, 'pool');
    expect(card).toBeDefined();
    const add = (type: string, key: string) => w.store.transaction(async () => w.engine.onActivity((await w.store.leads.get(lead.id))!, { type, at: w.clock.now(), key }, w.members, w.clock.now()));
    for (const [i, type] of ['参加直播', '申请演示', '申请演示'].entries()) await add(type, `k${i}`);
    expect((await w.store.leads.get(lead.id))!.stage).toBe('mql');
    expect(await w.store.cards.get(card!.id)).toMatchObject({ status: 'void' });
  });
});
