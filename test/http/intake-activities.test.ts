import { describe, expect, it } from 'vitest';
import { intakeWorld } from '../support/intake-world.js';

const lead = { company: '星河云科技有限公司', contact_name: '周敏', phone: '13912345678', email: 'zhou@xinghe.cn' };

/** POST /api/activities: behaviour from marketing tools feeds scoring (issue 10 item 3). */
describe('POST /api/activities', () => {
  it('an activity naming a lead by 线索编号, phone or e-mail is recorded once and scored', async () => {
    const w = await intakeWorld();
    const { json: made } = await w.post(lead);
    await w.sweepNow();
    const before = (await w.store.leads.getByKey(made.id))!.score;
    const byKey = await w.postActivity({ event_id: 'evt-1', type: '申请演示', lead_id: made.id, occurred_at: '2026-11-24T09:30:00+08:00' });
    expect(byKey.status).toBe(202);
    expect(byKey.json).toEqual({ event_id: 'evt-1', status: 'recorded', lead_id: made.id });
    expect((await w.postActivity({ event_id: 'evt-2', type: '下载资料', phone: '+86 139-1234-5678' })).json).toMatchObject({ status: 'recorded', lead_id: made.id });
    expect((await w.postActivity({ event_id: 'evt-3', 活动类型: '参加直播', email: 'ZHOU@XINGHE.CN', detail: '12 月直播：设备联网' })).json).toMatchObject({ status: 'recorded', lead_id: made.id });
    await w.sweepNow();
    const after = (await w.store.leads.getByKey(made.id))!;
    expect(after.score).toBe(before + 25 + 5 + 10);
    const acts = await w.store.activities.forLead(after.id);
    expect(acts.map((a) => [a.type, a.detail])).toEqual([
      ['申请演示', null],
      ['下载资料', null],
      ['参加直播', '12 月直播：设备联网'],
    ]);
    expect(acts[0]!.occurredAt.toISOString()).toBe('2026-11-24T01:30:00.000Z');

    // the sender retried evt-1: the same activity, not scored again
    const again = await w.postActivity({ event_id: 'evt-1', type: '申请演示', lead_id: made.id });
    expect(again.json).toEqual({ event_id: 'evt-1', status: 'duplicate', lead_id: made.id });
    await w.sweepNow();
    expect((await w.store.leads.getByKey(made.id))!.score).toBe(after.score);
    expect(await w.store.activities.forLead(after.id)).toHaveLength(3);
  });

  it("an activity for a lead we do not have yet is kept, and is the lead's (scored) when the lead appears", async () => {
    const w = await intakeWorld();
    const early = await w.postActivity({ event_id: 'wx-77', type: '参加直播', email: 'Lin@QingSong.com' });
    expect(early.json).toEqual({ event_id: 'wx-77', status: 'pending' });
    const byPhone = await w.postActivity({ event_id: 'wx-78', type: '下载资料', phone: '137 0000 1111' });
    expect(byPhone.json.status).toBe('pending');
    const { json: made } = await w.post({ company: '青松家居', contact_name: '林涛', email: 'lin@qingsong.com', phone: '13700001111' });
    await w.sweepNow();
    const l = (await w.store.leads.getByKey(made.id))!;
    expect((await w.store.activities.forLead(l.id)).map((a) => a.sourceKey).sort()).toEqual([`api:${w.form.id}:wx-77`, `api:${w.form.id}:wx-78`]);
    const ledger = await w.store.scores.listForLead(l.id);
    expect(
      ledger
        .filter((e) => e.reasonCode.startsWith('behaviour:'))
        .map((e) => [e.reasonCode, e.delta])
        .sort(),
    ).toEqual([
      ['behaviour:下载资料', 5],
      ['behaviour:参加直播', 10],
    ]);
    // a lead typed in the grid (through the same engine) picks up what waited for its phone too
    await w.postActivity({ event_id: 'wx-79', type: '电话沟通', phone: '13600002222' });
    const typed = await w.startLead({
      leadKey: 'XS-900001',
      facts: { company: '云帆教育', contact_name: '吴经理', phone: '136-0000-2222' },
      actor: { id: 'ou_zhangwei', roles: ['sdr'] },
      record: { baseToken: 'bascnTest', tableId: 'tblLeads', recordId: 'recTyped' },
    });
    if (!typed.ok) throw new Error(typed.error.code);
    await w.store.transaction(() => w.engine.onNewLead(typed.value.lead, w.members, w.clock.now()));
    expect((await w.store.activities.forLead(typed.value.lead.id)).map((a) => a.type)).toEqual(['电话沟通']);
  });

  it('a phone naming one lead and an e-mail another: kept, attached to neither, never guessed', async () => {
    const w = await intakeWorld();
    const a = await w.post({ company: '甲公司', contact_name: '周敏', phone: '13912345678' });
    const b = await w.post({ company: '乙公司', contact_name: '周敏', email: 'zhou@xinghe.cn' });
    const r = await w.postActivity({ event_id: 'e-9', type: '访问价格页', phone: '13912345678', email: 'zhou@xinghe.cn' });
    expect(r.json).toEqual({ event_id: 'e-9', status: 'ambiguous' });
    await w.sweepNow();
    for (const k of [a.json.id, b.json.id]) expect(await w.store.activities.forLead((await w.store.leads.getByKey(k))!.id)).toEqual([]);
    expect(await w.store.activities.getByKey(`api:${w.form.id}:e-9`)).toMatchObject({ leadId: null, leadRef: 'ambiguous:phone:+8613912345678' });
  });

  it('refuses an activity without its event id, a known type, a lead, or a sane time — per field, zh or en — and a missing key', async () => {
    const w = await intakeWorld();
    const bad = await w.postActivity({ type: '打高尔夫', phone: '123', occurred_at: '2026-13-01' });
    expect(bad.status).toBe(422);
    const byField = Object.fromEntries(bad.json.errors.map((e: { field: string; message: string }) => [e.field, e.message]));
    expect(byField.event_id).toBe('缺少事件编号 event_id（发送方系统中的唯一编号）');
    expect(byField.type).toContain('活动类型只能是：下载资料、参加直播');
    expect(byField.phone).toBe('电话号码无法识别');
    expect(byField.occurred_at).toContain('发生时间须为带时区的 ISO 8601 时间');
    const noLead = await w.postActivity({ event_id: 'x', type: '下载资料' }, { 'accept-language': 'en' });
    expect(noLead.json.errors).toEqual([{ field: 'lead_id|phone|email', code: 'required', message: 'name the lead by lead_id, phone or email' }]);
    const future = await w.postActivity({ event_id: 'x', type: '下载资料', lead_id: 'XS-000001', occurred_at: '2030-01-01T00:00:00+08:00' });
    expect(future.json.errors[0].code).toBe('in_future');
    expect((await w.postActivity({ event_id: 'x', type: '下载资料', lead_id: 'XS-000001' }, { authorization: '' })).status).toBe(401);
    expect(await w.store.sql.get('SELECT COUNT(*) AS n FROM activities')).toEqual({ n: 0 });
  });
});
