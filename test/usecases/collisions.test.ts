import { describe, expect, it } from 'vitest';
import { phoneKey } from '../../src/domain/duplicates.js';
import { cardWorld, queuedTexts, rowFields, type CardWorld } from '../support/card-world.js';

/**
 * 撞单 on the card world: 李雷 follows 星海科技有限公司 (phone 13912345678); 张伟 (SDR) types new leads.
 */
async function liLeiFollows(w: CardWorld) {
  const a = await w.assignedLead({ company: '星海科技有限公司', phone: '13912345678' });
  expect((await w.click(a.assignmentMessage, '李雷', { op: 'accept' })).toast.type).toBe('success');
  return (await w.store.leads.get(a.leadId))!;
}
const texts = async (w: CardWorld, who: string) => (await queuedTexts(w)).filter((t) => t.startsWith(`<at user_id="${who}"></at>`) && t.includes('撞单'));

describe('撞单: a new lead matching one someone else follows', () => {
  it('the same company (suffix and region aside): the row says who follows it; the creator is told who, not the details; the managers get both leads', async () => {
    const w = await cardWorld();
    const theirs = await liLeiFollows(w);
    const lead = await w.newLead({ company: '星海科技（上海）有限公司', phone: '13700001111', source: '线下活动' });
    expect((await rowFields(w, lead.id)).撞单提醒).toBe('撞单：同一公司已由 李雷 跟进，请与其或直属上级确认归属');
    const [maker] = await texts(w, 'ou_zhangwei');
    expect(maker).toBe(`<at user_id="ou_zhangwei"></at> ${lead.leadKey}「星海科技（上海）有限公司」撞单：同一公司已由 李雷 跟进，请先与其确认归属`);
    expect(maker).not.toContain(theirs.leadKey);
    const [manager] = await texts(w, 'ou_chenjing');
    expect(manager).toContain(`${lead.leadKey}「星海科技（上海）有限公司」与 李雷 跟进的 ${theirs.leadKey}「星海科技有限公司」（同一公司）重复`);
  });

  it('the same phone written another way: 同一电话, the phone masked for the managers', async () => {
    const w = await cardWorld();
    await liLeiFollows(w);
    const lead = await w.newLead({ company: '完全不同的公司', phone: '+86 139-1234-5678', source: '线下活动' });
    expect((await rowFields(w, lead.id)).撞单提醒).toBe('撞单：同一电话已由 李雷 跟进，请与其或直属上级确认归属');
    const [manager] = await texts(w, 'ou_chenjing');
    expect(manager).toContain('（同一电话 139****5678）');
    expect(manager).not.toContain('13912345678');
  });

  it('a lead whose 跟进人 was only typed counts as followed', async () => {
    const w = await cardWorld();
    await w.newLead({ company: '手填公司', phone: '13600006666', source: '线下活动', owner: 'ou_hanmeimei' });
    const lead = await w.newLead({ company: '手填公司有限公司', phone: '13600007777', source: '线下活动' });
    expect((await rowFields(w, lead.id)).撞单提醒).toBe('撞单：同一公司已由 韩梅梅 跟进，请与其或直属上级确认归属');
  });

  it.each([
    ['another company and phone', { company: '别的公司', phone: '13600002222' }],
    ['a lead nobody follows yet', { company: '无人公司', phone: '13500003333' }],
  ])('no collision: %s', async (_what, facts) => {
    const w = await cardWorld();
    await liLeiFollows(w);
    await w.newLead({ company: '无人公司', phone: '13500003333', source: '内容下载' }); // in the pool, nobody's
    const lead = await w.newLead({ ...facts, source: '线下活动' });
    expect((await rowFields(w, lead.id)).撞单提醒).toBeUndefined();
    expect(await texts(w, 'ou_chenjing')).toEqual([]);
  });

  it.each([
    ['13912345678', '+8613912345678'],
    ['+86 139 1234 5678', '+8613912345678'],
    ['0086-139-1234-5678', '+8613912345678'],
    ['8613912345678', '+8613912345678'],
    ['021-6123 4567', '+862161234567'],
    ['6123 4567', '61234567'],
    ['12345', undefined],
    ['', undefined],
  ])('phone key of %o is %o', (phone, key) => {
    expect(phoneKey(phone)).toBe(key);
  });

  it('leads stored before their contact keys (E.164 phone, e-mail) are keyed at start (a page at a time)', async () => {
    const w = await cardWorld();
    const old = await liLeiFollows(w);
    await w.store.sql.run('UPDATE leads SET phone_key = NULL, email_key = NULL, facts_json = REPLACE(facts_json, \'"phone"\', \'"email":"Li@Example.com","phone"\')');
    expect(await w.store.transaction(() => w.store.leads.backfillContactKeys(500))).toBeGreaterThan(0);
    expect((await w.store.leads.get(old.id))!.phoneKey).toBe('+8613912345678');
    expect((await w.store.leads.get(old.id))!.emailKey).toBe('li@example.com');
    expect(await w.store.transaction(() => w.store.leads.backfillContactKeys(500))).toBe(0);
  });
});
