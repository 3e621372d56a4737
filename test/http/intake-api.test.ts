import { describe, expect, it } from 'vitest';
import { INTAKE_NEW } from '../../src/usecases/intake.js';
import { FORM_ORIGIN, intakeWorld, serverRow } from '../support/intake-world.js';

const lead = { company: '星河云科技有限公司', contact_name: '周敏', title: 'IT经理', phone: '139 1234 5678', industry: '制造业', size: '200-999人', need: '想了解设备联网方案' };

/** POST /api/leads: web forms and other systems (issue 10 item 1). */
describe('POST /api/leads', () => {
  it('accepts a lead: 202 with its 线索编号; the row is queued for the Bitable; scored and routed at once', async () => {
    const w = await intakeWorld();
    const r = await w.post({ ...lead, activity: '申请演示' });
    expect(r.status).toBe(202);
    expect(r.json).toEqual({ id: expect.stringMatching(/^XS-\d{6}$/), status: 'created' });
    expect(w.accepted()).toBe(1);
    const stored = (await w.store.leads.getByKey(r.json.id))!;
    expect(stored.facts).toMatchObject({ company: '星河云科技有限公司', phone: '13912345678', source: '官网咨询' }); // the source's channel; the phone written one way
    expect(stored.phoneKey).toBe('+8613912345678');
    expect(stored.stage).toBe('lead');
    expect(await serverRow(w, r.json.id)).toMatchObject({ 公司名称: '星河云科技有限公司', 联系人: '周敏', 电话: '13912345678', 来源渠道: '官网咨询', 线索编号: r.json.id, 阶段: '线索' });
    expect((await w.store.timers.dueOfKinds(w.clock.now(), [INTAKE_NEW])).map((t) => t.leadId)).toEqual([stored.id]);

    await w.sweepNow();
    const routed = (await w.store.leads.get(stored.id))!;
    expect(routed.score).toBeGreaterThanOrEqual(25 + 10 + 12 + 25); // 官网咨询, 制造业, 200-999人 and 申请演示 (behaviour)
    expect((await w.store.activities.forLead(stored.id)).map((a) => a.type)).toEqual(['申请演示']);
    expect(await w.store.cards.openFor(stored.id, 'assignment')).toHaveLength(1); // 官网咨询 is offered to a rep at once
    expect((await serverRow(w, r.json.id)).线索评分).toBe(routed.score); // written by 线索编号 until the row has its record id
  });

  it("takes a form-encoded body with the Base's own column names", async () => {
    const w = await intakeWorld();
    const body = new URLSearchParams({ 公司名称: '青松家居', 联系人: '林涛', 电话: '0755-8888 6666', 来源渠道: '线下活动', utm_source: 'baidu' }).toString();
    const r = await w.post(body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(202);
    expect(r.json.ignored).toEqual(['utm_source']);
    expect((await w.store.leads.getByKey(r.json.id))!.facts).toMatchObject({ company: '青松家居', source: '线下活动', phone: '+8675588886666' }); // what a Bitable phone cell takes
  });

  it('refuses a missing, wrong or revoked credential (401), before reading the body', async () => {
    const w = await intakeWorld();
    const none = await w.post(lead, { authorization: '' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await w.post(lead, { authorization: `Bearer ${w.key.slice(0, -2)}xx` })).status).toBe(401);
    expect((await w.post(lead, { authorization: `Bearer lj_aaaaaaaaaa_${'a'.repeat(43)}` })).status).toBe(401);
    expect((await w.post(lead, { authorization: '', 'x-api-key': w.key })).status).toBe(202);
    await w.store.intake.revoke(w.form.id, w.clock.now());
    const revoked = await w.post(lead);
    expect(revoked.status).toBe(401);
    expect(revoked.json.message).toBe('来源凭证无效或已停用');
  });

  it('a signing source: a valid Standard Webhooks signature is accepted; a forged or stale one is not; its webhook-id is its idempotency key', async () => {
    const w = await intakeWorld();
    const ok = await w.postSigned(lead, { id: 'msg_1' });
    expect(ok.status).toBe(202);
    expect((await w.store.leads.getByKey(ok.json.id))!.facts.source).toBe('线下活动');
    const again = await w.postSigned(lead, { id: 'msg_1' }); // the sender retried
    expect(again.status).toBe(202);
    expect(again.json.id).toBe(ok.json.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await w.postSigned(lead, { secret: `whsec_${Buffer.from('forged key of 32 bytes..........').toString('base64')}` })).json).toMatchObject({ error: 'bad_signature' });
    const stale = await w.postSigned(lead, { at: new Date(Date.now() - 10 * 60_000) });
    expect(stale.status).toBe(401);
    expect(stale.json.error).toBe('stale_signature');
    // a signature without the source it belongs to, or for a source that does not sign
    expect((await w.postSigned(lead, { headers: { 'x-source-id': w.form.id } })).status).toBe(401);
  });

  it('names every problem per field, in Chinese by default and in English when asked', async () => {
    const w = await intakeWorld();
    const bad = { company: '星河云', phone: '12345', email: 'zhou@', industry: '航天', size: 300, contact_name: '周\u0007敏' };
    const zh = await w.post(bad);
    expect(zh.status).toBe(422);
    expect(zh.json.error).toBe('invalid');
    const byField = Object.fromEntries(zh.json.errors.map((e: { field: string; message: string }) => [e.field, e.message]));
    expect(byField.phone).toBe('电话号码无法识别（手机号 11 位，座机请带区号）');
    expect(byField.email).toBe('邮箱格式不正确');
    expect(byField.industry).toContain('行业只能是：制造业、信息技术');
    expect(byField.contact_name).toBe('联系人包含不可见的控制字符');
    expect(byField.size).toBe('公司规模只能是：1-49人、50-199人、200-999人、1000人以上');
    const en = await w.post(bad, { 'accept-language': 'en-US,en;q=0.9' });
    expect(en.json.errors.find((e: { field: string }) => e.field === 'phone').message).toBe('not a phone number (11 digits for a mobile; a landline with its area code)');
    const missing = await w.post({ need: '想了解一下' });
    expect(missing.json.errors.map((e: { field: string; message: string }) => [e.field, e.message])).toEqual([
      ['company|contact_name', '缺少公司名称或联系人'],
      ['phone|email|wechat', '缺少联系方式（电话/邮箱/微信）'],
    ]);
    const wrongType = await w.post({ company: { $ne: 1 }, phone: ['13912345678'] });
    expect(wrongType.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(['company', 'phone']);
    expect((await w.post({ ...lead, need: '长'.repeat(2001) })).json.errors[0].message).toBe('需求描述最多 2000 个字');
    expect((await w.post({ ...lead, occurred_at: 'yesterday', activity: '申请演示' })).json.errors[0].field).toBe('occurred_at');
    expect((await w.post({ ...lead, activity: '打高尔夫' })).json.errors[0].message).toContain('活动类型只能是：下载资料');
    expect(await w.store.sql.get('SELECT COUNT(*) AS n FROM leads')).toEqual({ n: 0 }); // nothing half-made
  });

  it('refuses what is not JSON or a form, not UTF-8, or not an object', async () => {
    const w = await intakeWorld();
    expect((await w.post('{"company": "星河', {})).json.error).toBe('invalid_json');
    expect((await w.post('[1,2]')).json.error).toBe('not_an_object');
    expect((await w.post(new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]))).json.error).toBe('bad_encoding');
    expect((await w.post(JSON.stringify(lead), { 'content-type': 'application/json; charset=gbk' })).status).toBe(415);
    expect((await w.post(JSON.stringify(lead), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await w.post('company=%E6%98%9F%FF&phone=13912345678', { 'content-type': 'application/x-www-form-urlencoded' })).json.error).toBe('bad_encoding');
    expect((await w.post('company=a&company=b&phone=13912345678', { 'content-type': 'application/x-www-form-urlencoded' })).json.error).toBe('duplicate_field');
  });

  it('honours Idempotency-Key: the same body again gets the same lead; another body under it is refused', async () => {
    const w = await intakeWorld();
    const first = await w.post(lead, { 'idempotency-key': 'form-7f3a' });
    const again = await w.post(lead, { 'idempotency-key': 'form-7f3a' });
    expect(again.status).toBe(202);
    expect(again.json.id).toBe(first.json.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await w.post({ ...lead, company: '另一家公司', phone: '13800001111' }, { 'idempotency-key': 'form-7f3a' });
    expect(other.status).toBe(422);
    expect(other.json.error).toBe('idempotency_key_reused');
    expect((await w.post(lead, { 'idempotency-key': 'bad key with spaces' })).status).toBe(400);
    expect(await w.store.sql.get('SELECT COUNT(*) AS n FROM leads')).toEqual({ n: 1 });
    expect(w.accepted()).toBe(1); // a replay wakes nothing
  });

  it('limits each source to its rate (429 with Retry-After)', async () => {
    const w = await intakeWorld({ rate: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await w.post({ ...lead, phone: `1391234000${i}` })).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const last = await w.post(lead);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(last.json.message).toContain('每分钟最多 3 次');
  });

  it('refuses a body over 64 KB by its length, without reading it (the connection: test/http/keep-alive-refusals.test.ts)', async () => {
    const w = await intakeWorld();
    const big = JSON.stringify({ ...lead, need: 'x'.repeat(70_000) });
    const r = await w.post(big, { 'content-length': String(Buffer.byteLength(big)) });
    expect(r.status).toBe(413);
    expect(r.json.error).toBe('too_large');
  });

  it('CORS: a browser form on an allowed origin may post; other origins get no CORS headers', async () => {
    const w = await intakeWorld();
    const pre = await w.app.request('/api/leads', { method: 'OPTIONS', headers: { origin: FORM_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(FORM_ORIGIN);
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const other = await w.app.request('/api/leads', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const posted = await w.post(lead, { origin: FORM_ORIGIN });
    expect(posted.headers.get('access-control-allow-origin')).toBe(FORM_ORIGIN);
  });
});
