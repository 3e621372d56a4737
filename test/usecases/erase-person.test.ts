import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../src/compose/rule-set.js';
import { createManualClock } from '../../src/lib/clock.js';
import { templateTable } from '../../src/rules/base-template.js';
import { bitableTarget } from '../../src/store/bitable-outbox-repo.js';
import { createErasure, maskedSubject } from '../../src/usecases/erase-person.js';
import { testStore } from '../support/test-store.js';

/** Erasing a person (PIPL), on each store engine: what goes, what stays, the audit; retention. */
const rules = loadRuleSet('default');
const leadsTable = templateTable(rules.template, 'leads');
const T0 = new Date('2026-11-24T02:00:00Z');
const target = bitableTarget('app1', 'tblLeads');

async function world() {
  const store = await testStore();
  const clock = createManualClock(T0.getTime());
  const erasure = createErasure({ store, leadsTable, clock });
  const lead = (key: string, facts: Record<string, string>) =>
    store.transaction(async () => {
      const l = await store.leads.insert({ leadKey: key, journeyId: 'default', facts, now: T0 });
      await store.leads.linkRecord(l.id, { baseToken: 'app1', tableId: 'tblLeads', recordId: `rec${key.slice(3)}` }, T0);
      return l;
    });
  return { store, clock, erasure, lead };
}

describe('erasing a person', () => {
  it('by phone: every lead with that number loses its contact data; other leads and the rest of the lead stay', async () => {
    const { store, erasure, lead } = await world();
    const a = await lead('XS-000001', { company: '星河云', contact_name: '周敏', phone: '13912345678', email: 'zhou@xinghe.cn', wechat: 'zm_wx', need: '请打 139 1234 5678 联系周敏' });
    const b = await lead('XS-000002', { company: '星河云华东', contact_name: '周敏', phone: '+86 139-1234-5678' });
    const other = await lead('XS-000003', { company: '青松家居', contact_name: '周敏', phone: '13800001111', need: '周敏介绍' });
    // copies of the data elsewhere: a queued create, a message, an activity
    await store.tableWrites.enqueueCreate(target, { leadKey: 'XS-000001', fields: { 公司名称: '星河云', 联系人: '周敏', 电话: '13912345678' } }, 'c1', T0);
    await store.messages.enqueue({ kind: 'webhook.deliver', target: 'crm', payload: { lead: { key: 'XS-000001', phone: '13912345678', contact_name: '周敏', company: '星河云' } }, idempotencyKey: 'w1', now: T0 });
    await store.messages.enqueue({ kind: 'webhook.deliver', target: 'crm', payload: { lead: { key: 'XS-000003', contact_name: '周敏' } }, idempotencyKey: 'w3', now: T0 });

    const r = await erasure.erase({ kind: 'phone', value: '139 1234 5678' }, '数据保护专员');
    expect(r.leadKeys.sort()).toEqual(['XS-000001', 'XS-000002']);
    const ea = (await store.leads.get(a.id))!;
    expect(ea.facts).toEqual({ company: '星河云', need: '请打 [已删除] 联系[已删除]' });
    expect(ea.phoneKey).toBeNull(); // no key: 撞单 and dedupe no longer find it
    expect(ea.erasedAt).toEqual(T0);
    expect((await store.leads.get(b.id))!.facts).toEqual({ company: '星河云华东' });
    // someone else called 周敏 keeps their name: only rows tied to the erased leads lose it
    expect((await store.leads.get(other.id))!.facts).toEqual({ company: '青松家居', contact_name: '周敏', phone: '13800001111', need: '周敏介绍' });
    const payloads = JSON.stringify(await store.messages.listByStatus('pending'));
    expect(payloads).not.toContain('13912345678');
    expect(payloads).toContain('"key":"XS-000003","contact_name":"周敏"');
    expect(payloads).toContain('"key":"XS-000001","phone":null,"contact_name":null,"company":"星河云"');
    const creates = await store.tableWrites.pending(target, 'bitable.create', new Date(T0.getTime() + 1), 10);
    expect(creates[0]!.payload.fields).toEqual({ 公司名称: '星河云', 联系人: null, 电话: null });
    // the Base: each erased row's personal cells, written now whatever the server's clock says
    const updates = await store.tableWrites.pending(target, 'bitable.update', new Date(1), 10);
    expect(updates.map((u) => u.payload as { recordId?: string }).sort((x, y) => String(x.recordId).localeCompare(String(y.recordId)))).toEqual([
      { recordId: 'rec000001', fields: { 联系人: null, 电话: null, 邮箱: null, 微信: null }, force: true },
      { recordId: 'rec000002', fields: { 联系人: null, 电话: null, 邮箱: null, 微信: null }, force: true },
    ]);
    const [audit] = await store.privacy.list(1);
    expect(audit).toMatchObject({ operator: '数据保护专员', selector: 'phone', subject: '139****5678', leadKeys: expect.arrayContaining(['XS-000001', 'XS-000002']) });
    expect(JSON.stringify(audit)).not.toContain('13912345678');
    await store.close();
  });

  it('by e-mail and by 线索编号; an unknown value erases nothing but is audited; a selector that is no phone is refused', async () => {
    const { store, erasure, lead } = await world();
    await lead('XS-000010', { company: '甲', email: 'Li.Lei@Example.cn', phone: '13700001234' });
    await lead('XS-000011', { company: '乙', contact_name: '韩梅梅', phone: '13600004321' });
    expect((await erasure.erase({ kind: 'email', value: 'li.lei@example.cn' }, 'ops')).leadKeys).toEqual(['XS-000010']);
    expect((await store.leads.getByKey('XS-000010'))!.facts).toEqual({ company: '甲' });
    expect((await erasure.erase({ kind: 'lead', value: 'XS-000011' }, 'ops')).leadKeys).toEqual(['XS-000011']);
    expect((await store.leads.getByKey('XS-000011'))!.facts).toEqual({ company: '乙' });
    expect((await erasure.erase({ kind: 'phone', value: '13500000000' }, 'ops')).leadKeys).toEqual([]);
    await expect(erasure.erase({ kind: 'phone', value: 'abc' }, 'ops')).rejects.toThrow(/not a phone/);
    expect((await store.privacy.list()).slice(0, 3).map((a) => a.subject)).toEqual(['135****0000', 'XS-000011', 'l***@example.cn']);
    expect(maskedSubject({ kind: 'email', value: 'zhou@xinghe.cn' })).toBe('z***@xinghe.cn');
    await store.close();
  });

  it('retention: lost and disqualified leads past the days lose their contact data; open, won and recent ones keep it', async () => {
    const { store, erasure, lead } = await world();
    const old = new Date(T0.getTime() - 400 * 86_400_000);
    const mk = async (key: string, stage: string, at: Date) => {
      const l = await lead(key, { company: key, contact_name: '某人', phone: `1390000${key.slice(-4)}` });
      await store.leads.setStage(l.id, l.version, stage, at);
      return l;
    };
    await mk('XS-000101', 'lost', old);
    await mk('XS-000102', 'disqualified', old);
    await mk('XS-000103', 'won', old);
    await mk('XS-000104', 'lost', new Date(T0.getTime() - 10 * 86_400_000));
    await mk('XS-000105', 'mql', old);
    const closed = rules.journey.stages.filter((s) => s.kind === 'lost' || s.kind === 'disqualified').map((s) => s.id);
    const before = new Date(T0.getTime() - 365 * 86_400_000);
    expect(await erasure.eraseClosedBefore('default', closed, before, { batch: 1 })).toBe(2);
    expect(await erasure.eraseClosedBefore('default', closed, before)).toBe(0); // once
    const facts = async (k: string) => (await store.leads.getByKey(k))!.facts;
    expect(await facts('XS-000101')).toEqual({ company: 'XS-000101' });
    expect(await facts('XS-000102')).toEqual({ company: 'XS-000102' });
    for (const k of ['XS-000103', 'XS-000104', 'XS-000105']) expect((await facts(k)).contact_name).toBe('某人');
    expect((await store.privacy.list()).slice(0, 3).map((a) => [a.operator, a.selector])).toEqual([['retention', 'retention'], ['retention', 'retention'], ...(await store.privacy.list()).slice(2, 3).map((a) => [a.operator, a.selector])]);
    expect((await store.privacy.list()).slice(2, 3).every((a) => a.operator !== 'retention')).toBe(true);
    await store.close();
  });
});
