import { describe, expect, it } from 'vitest';
import { cellText as text, type sandboxHarness, sandboxForFile, type Fields } from '../support/sandbox-main.js';

/**
 * Leads as people really type them, on `npm start` (sandbox): 「+ 新增记录」 makes an empty row, and a
 * person fills it cell by cell, each cell its own record event. The row is a draft (no 线索编号, no
 * lead, nothing written into it) until it has the journey's minimum facts (a company or a contact, and
 * a way to reach them); then it becomes a lead, and it is routed on what it says when its source is
 * typed: a website inquiry gets an assignment card, a content download goes to the 培育池. An abandoned
 * empty row never becomes a lead, however often reconciliation reads it.
 */
interface CardInfo {
  card: { header: { title: { content: string } }; body: unknown };
}

describe('a row typed cell by cell in the sandbox grid', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let chat: string;

  const cards = async () => h.control<CardInfo[]>('GET', `/im/cards?chat_id=${chat}`);
  const cardsFor = async (company: string) => (await cards()).filter((c) => c.card.header.title.content.includes(company));
  /** the server has taken every event about the row so far (each cell typed is one event) */
  const processed = (recordId: string, events: number) =>
    h.until(`${events} event(s) of ${recordId} processed`, async () => {
      const [r] = h.sql<{ n: number; open: number }>("SELECT COUNT(*) AS n, SUM(status != 'done') AS open FROM inbound_events WHERE event_type = 'drive.file.bitable_record_changed_v1' AND payload_json LIKE ?", `%${recordId}%`);
      return r!.n >= events && !r!.open;
    });
  const row = async (recordId: string) => (await h.rows()).find((r) => r.record_id === recordId)!;
  const leadOf = (recordId: string) => h.sql<{ lead_key: string; stage: string; owner_id: string | null }>('SELECT lead_key, stage, owner_id FROM leads WHERE record_id = ?', recordId)[0];

  /** 「+ 新增记录」 as 张伟: an empty row, then each cell as its own edit, checking after each one. */
  async function typeRow(cells: Fields[], afterCell: (typed: number, recordId: string) => Promise<void>): Promise<string> {
    const made = await h.control<{ record: { record_id: string } } | { record_id: string }>('POST', `/bases/${h.app}/tables/${h.leads}/records`, { operator_open_id: h.users['张伟'], fields: {} });
    const recordId = 'record' in made ? made.record.record_id : made.record_id;
    await processed(recordId, 1);
    await afterCell(0, recordId);
    for (let i = 0; i < cells.length; i++) {
      await h.edit(recordId, '张伟', cells[i]!);
      await processed(recordId, i + 2);
      await afterCell(i + 1, recordId);
    }
    return recordId;
  }

  sandboxForFile((run) => ({ h, chat } = run));

  it('a website inquiry: a draft until it has a name and a phone, then a lead, and offered to a rep once its source is typed', async () => {
    const recordId = await typeRow([{ 公司名称: '云帆物流' }, { 联系人: '周经理' }, { 电话: '13900001234' }, { 来源渠道: '官网咨询' }, { 地区: '华东' }], async (typed, id) => {
      const r = await row(id);
      if (typed < 3) {
        // a draft: not a lead, and the server wrote nothing into the row
        expect(leadOf(id)).toBeUndefined();
        expect(text(r.fields['线索编号'])).toBe('');
        expect(text(r.fields['旅程备注'])).toBe('');
        return;
      }
      const lead = await h.until('the row is a lead', async () => leadOf(id));
      await h.until('线索编号 in the row', async () => text((await row(id)).fields['线索编号']) === lead.lead_key);
      if (typed === 3) {
        // a lead with no source yet: scored, not routed (no rule for it), no card
        expect(lead.stage).toBe('lead');
        expect(await cardsFor('云帆物流')).toEqual([]);
      }
    });
    const key = leadOf(recordId)!.lead_key;
    const card = await h.until('an assignment card', async () => (await cardsFor('云帆物流')).find((c) => c.card.header.title.content.includes('新线索待认领')));
    expect(JSON.stringify(card.card.body)).toMatch(/<at id=ou_[\w-]+><\/at>/);
    // offered once: the later edit (地区) did not route it again
    expect(h.sql<{ n: number }>('SELECT COUNT(*) AS n FROM assignments a JOIN leads l ON l.id = a.lead_id WHERE l.lead_key = ?', key)[0]!.n).toBe(1);
    expect((await cardsFor('云帆物流')).filter((c) => c.card.header.title.content.includes('新线索待认领'))).toHaveLength(1);
  });

  it('a content download typed cell by cell goes to the 培育池; an abandoned empty row never becomes a lead', async () => {
    const empty = await h.control<{ record: { record_id: string } } | { record_id: string }>('POST', `/bases/${h.app}/tables/${h.leads}/records`, { operator_open_id: h.users['张伟'], fields: {} });
    const emptyId = 'record' in empty ? empty.record.record_id : empty.record_id;
    const recordId = await typeRow([{ 来源渠道: '内容下载' }, { 邮箱: 'li@qingshan.cn' }, { 联系人: '李工' }], async () => {});
    await h.until('in the 培育池', async () => leadOf(recordId)?.stage === 'nurture');
    await h.until('阶段 shows 培育池', async () => text((await row(recordId)).fields['阶段']) === '培育池');
    // several reconciliation passes later (every 5 s here), the empty row is still not a lead
    const pass = () => h.sql<{ v: number }>("SELECT COALESCE(MAX(updated_at), 0) AS v FROM sync_cursors WHERE name = 'reconcile.leads'")[0]!.v;
    const before = pass();
    await h.until('a reconciliation pass', async () => pass() > before, 20_000);
    expect(leadOf(emptyId)).toBeUndefined();
    expect(text((await row(emptyId)).fields['线索编号'])).toBe('');
  });
});
