import { describe, expect, it } from 'vitest';
import { signedRequest } from '../support/feishu-signed.js';
import { cellText as text, type SandboxCard, type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';

/**
 * Issue 22 item 8 on `npm start` (sandbox), its clock started on Wednesday 2026-09-30 16:00 Beijing time,
 * two working hours before 国庆 (1–7 October):
 * - simultaneous clicks on one card (several people, the same person several times, opposite choices):
 *   one decision, one stage move, one offer, one assignment card;
 * - record-change events duplicated and out of order: each stored once, each change applied once;
 * - one clock jump from before 国庆 to the Monday after: each SLA step that fell due fires once, in its
 *   order, and each pool step once; nothing twice for the days jumped over.
 */
const bj = (s: string) => new Date(`${s}+08:00`).getTime();
interface Click {
  toast?: { type?: string; content?: string };
}

describe('races and a clock jump on npm start', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let chat: string;
  let url: string;
  sandboxForFile(
    (run) => {
      ({ h, chat } = run);
      url = run.m.url;
    },
    { SANDBOX_START_AT: '2026-09-30T16:00:00+08:00' },
  );

  const cards = () => h.control<SandboxCard[]>('GET', `/im/cards?chat_id=${chat}`);
  const cardFor = (company: string, title: string) => h.until(`「${title}」 for ${company}`, async () => (await cards()).find((c) => c.card.header.title.content.includes(title) && c.card.header.title.content.includes(company)));
  const click = (messageId: string, as: string, sel: Record<string, unknown>) =>
    h.control<Click>('POST', '/cards/click', { message_id: messageId, operator_open_id: h.users[as], ...sel }).catch((e: Error) => ({ toast: { type: 'failed', content: e.message } }) as Click);
  const leadOf = async (company: string) => h.lead(text((await h.byCompany(company)).fields['线索编号']));
  const transitions = (leadId: number) => h.sql<{ from_stage: string; to_stage: string }>('SELECT from_stage, to_stage FROM stage_transitions WHERE lead_id = ? ORDER BY id', leadId);
  const assignments = (leadId: number) => h.sql<{ id: number; owner_id: string; status: string; accept_due_at: number }>('SELECT id, owner_id, status, accept_due_at FROM assignments WHERE lead_id = ? ORDER BY id', leadId);
  const nameOf = (openId: string) => Object.entries(h.users).find(([, id]) => id === openId)![0];
  const toMql = async (company: string) => {
    const row = await h.byCompany(company);
    await h.edit(row.record_id, '张伟', { 需求描述: '设备联网改造', 阶段: 'MQL' });
    await h.until(`${company} at MQL`, async () => text((await h.byCompany(company)).fields['进入阶段次数']) === 'MQL-01');
    return row.record_id;
  };

  it('simultaneous clicks: one approval, one offer; then one accept-or-return', async () => {
    const company = '南方医疗器械集团';
    const recordId = await toMql(company);
    await h.edit(recordId, '张伟', { 阶段: 'SQL' });
    const approval = await cardFor(company, '待审批');
    const lead = await leadOf(company);

    // the director four times at once, and a rep without the role twice, all in the same moment
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => click(approval.message_id, '王敏', { name: 'approve', form_value: { comment: '同意' } })),
      ...Array.from({ length: 2 }, () => click(approval.message_id, '李雷', { name: 'approve', form_value: { comment: '' } })),
    ]);
    expect(
      answers.filter((a) => a.toast?.type === 'success'),
      JSON.stringify(answers),
    ).toHaveLength(1);
    await h.until('SQL', async () => (await leadOf(company)).stage === 'sql');
    const offer = await h.until('offered', async () => assignments(lead.id)[0]);
    const assignment = await cardFor(company, '新线索');
    expect(transitions(lead.id).filter((t) => t.to_stage === 'sql')).toHaveLength(1);
    expect(assignments(lead.id)).toHaveLength(1);
    expect((await cards()).filter((c) => c.card.header.title.content.includes('新线索') && c.card.header.title.content.includes(company))).toHaveLength(1);

    // the rep accepts three times and returns twice at once; someone else accepts too
    const rep = nameOf(offer.owner_id);
    const other = ['李雷', '韩梅梅', '赵强'].find((n) => n !== rep && h.users[n])!;
    const second = await Promise.all([
      ...Array.from({ length: 3 }, () => click(assignment.message_id, rep, { value: { op: 'accept' } })),
      ...Array.from({ length: 2 }, () => click(assignment.message_id, rep, { name: 'return', form_value: { reason: '预计一年后采购', note: '明年再联系' } })),
      click(assignment.message_id, other, { value: { op: 'accept' } }),
    ]);
    expect(
      second.filter((a) => a.toast?.type === 'success'),
      JSON.stringify(second),
    ).toHaveLength(1);
    const decided = await h.until('decided', async () => {
      const a = assignments(lead.id)[0]!;
      return a.status !== 'offered' && a;
    });
    expect(['accepted', 'returned']).toContain(decided.status);
    expect(assignments(lead.id)).toHaveLength(1);
  });

  it('record-change events duplicated and out of order: each stored once, each change applied once', async () => {
    const company = '华东精密仪器有限公司';
    const row = await h.byCompany(company);
    const app = (await h.control<Array<{ app_id: string; encrypt_key: string; verification_token: string }>>('GET', '/apps'))[0]!;
    // two edits whose events Feishu does not deliver now: we deliver them ourselves, late, backwards and twice
    await h.control('POST', '/faults', { route: 'event.deliver', kind: 'drop', times: 2 });
    await h.edit(row.record_id, '张伟', { 需求描述: '产线数据采集', 阶段: 'MQL' });
    await h.edit(row.record_id, '张伟', { 需求描述: '产线数据采集，客户要求下周演示' });
    const now = (await h.control<{ now: number }>('GET', '/clock')).now;
    const event = (id: string, fields: string[]) =>
      signedRequest(
        {
          schema: '2.0',
          header: { event_id: id, event_type: 'drive.file.bitable_record_changed_v1', create_time: String(now), token: app.verification_token, app_id: app.app_id, tenant_key: 'sandbox' },
          event: {
            file_type: 'bitable',
            file_token: h.app,
            table_id: h.leads,
            revision: 1,
            operator_id: { open_id: h.users['张伟'] },
            action_list: [{ record_id: row.record_id, action: 'record_edited', before_value: [], after_value: fields.map((f) => ({ field_id: f })) }],
            subscriber_id_list: [],
            update_time: Math.floor(now / 1000),
          },
        },
        { key: app.encrypt_key, ts: now },
      );
    const first = event('chaos-order-1', ['需求描述', '阶段']);
    const second = event('chaos-order-2', ['需求描述']);
    const answers: number[] = [];
    for (const e of [second, first, second, first, first]) answers.push((await fetch(`${url}/feishu/events`, { method: 'POST', headers: e.headers, body: e.body })).status);
    expect(answers).toEqual([200, 200, 200, 200, 200]);
    const lead = await h.until('MQL', async () => {
      const l = await leadOf(company);
      return l.stage === 'mql' && l;
    });
    await h.until('both events handled', async () => h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM inbound_events WHERE event_id LIKE 'chaos-order-%' AND status = 'done'")[0]!.n === 2 || undefined);
    expect(h.sql<{ event_id: string }>("SELECT event_id FROM inbound_events WHERE event_id LIKE 'chaos-order-%' ORDER BY event_id")).toEqual([{ event_id: 'chaos-order-1' }, { event_id: 'chaos-order-2' }]);
    // reconciliation reads the same row again: still one move
    await new Promise((r) => setTimeout(r, 6_000));
    expect(transitions(lead.id).filter((t) => t.to_stage === 'mql')).toHaveLength(1);
    expect(text((await h.byCompany(company)).fields['进入阶段次数'])).toBe('MQL-01');
  });

  it('one clock jump across 国庆: each SLA step and pool step that fell due fires once, in order', async () => {
    const company = '华东精密仪器有限公司'; // at MQL since the last test
    const recordId = (await h.byCompany(company)).record_id;
    await h.edit(recordId, '张伟', { 阶段: 'SQL' });
    const approval = await cardFor(company, '待审批');
    expect((await click(approval.message_id, '王敏', { name: 'approve', form_value: { comment: '同意' } })).toast?.type).toBe('success');
    const lead = await leadOf(company);
    const offer = await h.until('offered', async () => assignments(lead.id)[0]);
    expect(offer.accept_due_at).toBeGreaterThan(bj('2026-10-08T09:00')); // 4 working hours: two before 国庆, two after
    const pool = await leadOf('蓝鲸教育');
    const poolSteps = () => h.sql<{ status: string }>("SELECT status FROM timers WHERE lead_id = ? AND kind = 'nurture.stage'", pool.id);
    await h.until('the pool steps planned', async () => poolSteps().length === 3 || undefined);

    // one jump: from Wednesday before 国庆 to Monday 12 October, noon
    const now = (await h.control<{ now: number }>('GET', '/clock')).now;
    await h.control('POST', '/clock/advance', { ms: bj('2026-10-12T12:00') - now });
    const escalations = () => h.sql<{ step: string; sla: string }>('SELECT step, sla FROM escalations WHERE lead_id = ? ORDER BY id', lead.id);
    await h.until('the ladder ran', async () => escalations().some((e) => e.step === 'reassign') || undefined, 30_000);
    await h.until('the pool steps fired', async () => poolSteps().every((s) => s.status !== 'pending') || undefined, 30_000);
    await new Promise((r) => setTimeout(r, 5_000)); // a few more sweeps: nothing more may come
    expect(escalations()).toEqual([
      { sla: 'accept', step: 'remind' },
      { sla: 'accept', step: 'manager' },
      { sla: 'accept', step: 'reassign' },
    ]);
    const nurtureCards = (await cards()).filter((c) => c.card.header.title.content.startsWith('培育提醒') && c.card.header.title.content.endsWith('· 蓝鲸教育'));
    expect(nurtureCards).toHaveLength(3);
    // the offer was taken back once; offered again (routing, another rep) with its own time starting
    // now, not in the holiday — or, with nobody fit for it, left for the manager
    const after = assignments(lead.id);
    expect(after[0]!.status).toBe('withdrawn');
    expect(after.length).toBeLessThanOrEqual(2);
    if (after[1]) {
      expect(after[1].status).toBe('offered');
      expect(after[1].accept_due_at).toBeGreaterThan(bj('2026-10-12T12:00'));
    }
  });
});
