import { describe, expect, it } from 'vitest';
import { e164, emailKey } from '../../src/domain/contact-keys.js';
import { decideDuplicate, fillEmpty } from '../../src/domain/dedupe.js';
import { intakeWorld, serverRow } from '../support/intake-world.js';

const count = async (w: { store: { sql: { get: (s: string) => Promise<unknown> } } }) => ((await w.store.sql.get('SELECT COUNT(*) AS n FROM leads')) as { n: number }).n;

/** Dedupe and merge on Chinese data (issue 10 item 2): one person is one lead however they write themselves. */
describe('intake dedupe', () => {
  it.each([
    ['13912345678', '+8613912345678'],
    ['139 1234 5678', '+8613912345678'],
    ['139-1234-5678', '+8613912345678'],
    ['+86 139 1234 5678', '+8613912345678'],
    ['+86-13912345678', '+8613912345678'],
    ['86 13912345678', '+8613912345678'],
    ['0086 139 1234 5678', '+8613912345678'],
    ['（021）6123-4567', '+862161234567'],
    ['021-61234567 转 8001', '+862161234567'],
    ['+86 (0)21 6123 4567', '+862161234567'],
    ['+1 (415) 555-0100', '+14155550100'],
    ['12345', undefined],
    ['1391234567', undefined],
    ['电话 13912345678', undefined],
  ])('the phone %o is %o in E.164', (phone, key) => {
    expect(e164(phone)).toBe(key);
  });

  it('e-mails are keyed in lower case; company names without their suffixes decide nothing alone', () => {
    expect(emailKey(' Zhou.Min@XingHe-Cloud.COM ')).toBe('zhou.min@xinghe-cloud.com');
    expect(emailKey('zhou@')).toBeUndefined();
    expect(decideDuplicate([])).toEqual({ kind: 'new' });
    const a = { id: 1 };
    const b = { id: 2 };
    expect(
      decideDuplicate([
        { lead: a, by: ['phone'] },
        { lead: a, by: ['email'] },
      ]),
    ).toEqual({ kind: 'same', lead: a, by: ['phone', 'email'] });
    expect(
      decideDuplicate([
        { lead: a, by: ['phone'] },
        { lead: b, by: ['email'] },
      ]).kind,
    ).toBe('ambiguous');
    expect(fillEmpty({ company: '星河云科技有限公司', phone: '13912345678', size: '50-199人' }, { company: '星河云科技', phone: '+86 139 1234 5678', size: '200-999人', email: 'z@x.cn' })).toEqual({
      filled: { email: 'z@x.cn' },
      differing: ['size'],
    });
  });

  it('the same phone written +86 / 86 / 0086 / with spaces or dashes is one lead: each later submission is an activity that fills what it lacked', async () => {
    const w = await intakeWorld();
    const first = await w.post({ company: '星河云科技有限公司', contact_name: '周敏', phone: '13912345678', size: '50-199人' });
    expect(first.json.status).toBe('created');
    const forms = ['+86 139 1234 5678', '86-139-1234-5678', '0086 13912345678', '139 1234 5678'];
    for (const [i, phone] of forms.entries()) {
      const r = await w.post({ contact_name: '周敏', phone, ...(i === 0 ? { email: 'Zhou.Min@XingHe.cn', size: '200-999人' } : {}), activity: '下载资料' });
      expect(r.status).toBe(202);
      expect(r.json).toEqual({ id: first.json.id, status: 'merged' });
    }
    expect(await count(w)).toBe(1);
    const lead = (await w.store.leads.getByKey(first.json.id))!;
    expect(lead.facts).toMatchObject({ company: '星河云科技有限公司', phone: '13912345678', email: 'Zhou.Min@XingHe.cn', size: '50-199人' }); // filled the e-mail, kept the size
    const row = await serverRow(w, first.json.id);
    expect(row.邮箱).toBe('Zhou.Min@XingHe.cn');
    expect(row.公司规模).toBe('50-199人');
    expect(String(row.旅程备注)).toContain('「官网表单」再次提交（按电话识别为同一线索）');
    await w.sweepNow();
    expect((await w.store.activities.forLead(lead.id)).map((a) => a.type)).toEqual(['下载资料', '下载资料', '下载资料', '下载资料']);
    // the e-mail now names the same lead, whatever its case
    expect((await w.post({ contact_name: '周敏', email: 'zhou.min@xinghe.CN' })).json).toEqual({ id: first.json.id, status: 'merged' });
  });

  it('the first merge notes what it filled and what it did not overwrite', async () => {
    const w = await intakeWorld();
    const first = await w.post({ company: '青松家居', contact_name: '林涛', phone: '13700001111', size: '50-199人' });
    await w.post({ company: '青松家居有限公司', contact_name: '林涛', phone: '+86 137 0000 1111', email: 'lin@qingsong.com', size: '200-999人' });
    const note = String((await serverRow(w, first.json.id)).旅程备注);
    expect(note).toContain('补充了 邮箱');
    expect(note).toContain('新提交的 公司规模「200-999人」 与现有不同，未覆盖');
    expect(note).not.toContain('公司名称「'); // 青松家居有限公司 is 青松家居
  });

  it('the same company with and without its suffix and the same contact is one lead; another contact there is a new lead', async () => {
    const w = await intakeWorld();
    const first = await w.post({ company: '华瑞精密机械（苏州）有限公司', contact_name: '王强', wechat: 'wq_2026' });
    const same = await w.post({ company: '华瑞精密机械', contact_name: '王强', wechat: 'wangqiang' });
    expect(same.json).toEqual({ id: first.json.id, status: 'merged' });
    const colleague = await w.post({ company: '华瑞精密机械股份有限公司', contact_name: '李娜', wechat: 'lina88' });
    expect(colleague.json.status).toBe('created');
    expect(await count(w)).toBe(2);
  });

  it('an ambiguous match (the phone says one lead, the e-mail another) is a new lead flagged for a person, never merged', async () => {
    const w = await intakeWorld();
    const a = await w.post({ company: '星河云科技', contact_name: '周敏', phone: '13912345678' });
    const b = await w.post({ company: '星河云计算', contact_name: '周敏', email: 'zhou@xinghe.cn' }); // another company: not company + contact
    expect(b.json.status).toBe('created');
    const both = await w.post({ company: '星河云科技', contact_name: '周敏', phone: '+86 13912345678', email: 'ZHOU@xinghe.cn' });
    expect(both.status).toBe(202);
    expect(both.json.status).toBe('flagged');
    expect(both.json.id).not.toBe(a.json.id);
    expect(both.json.id).not.toBe(b.json.id);
    expect((await serverRow(w, both.json.id)).重复待确认).toBe(`可能与 ${a.json.id}（电话相同）、${b.json.id}（邮箱相同） 是同一客户，未自动合并，请人工确认`);
    expect((await w.store.leads.getByKey(a.json.id))!.facts.email).toBeUndefined(); // untouched
    expect((await w.store.leads.getByKey(b.json.id))!.facts.phone).toBeUndefined();
  });

  it('a lead whose row was deleted is not merged into', async () => {
    const w = await intakeWorld();
    const a = await w.post({ company: '星河云科技', contact_name: '周敏', phone: '13912345678' });
    await w.store.leads.markDeleted((await w.store.leads.getByKey(a.json.id))!.id, w.clock.now());
    expect((await w.post({ company: '星河云科技', contact_name: '周敏', phone: '13912345678' })).json.status).toBe('created');
  });
});
