import { describe, expect, it } from 'vitest';
import { approvalCard } from '../../src/cards/approval-card.js';
import { renderCard } from '../../src/cards/render.js';
import { feishuCardAnswer } from '../../src/feishu/inbound.js';
import { feishuCardUpdate, feishuMessage } from '../../src/im/sender.js';
import type { ChatSendPayload, ChatUpdatePayload } from '../../src/ports/chat.js';
import { asSent, cardWorld } from '../support/card-world.js';

/**
 * The chat port: the use cases queue card *state* (no Feishu JSON in the outbox); the Feishu adapter
 * renders JSON 2.0 when it sends, owns the <at> markup of notices and the callback answer's shape.
 */
describe('chat port: cards queued as state, rendered by the Feishu adapter at send time', () => {
  it('an approval card is queued as state with its names, and renders exactly as the card function does', async () => {
    const w = await cardWorld();
    const p = await w.pendingLead();
    const row = (await w.store.sql.get("SELECT payload_json FROM outbox WHERE kind = 'im.send' ORDER BY id LIMIT 1")) as { payload_json: string };
    const queued = JSON.parse(row.payload_json) as ChatSendPayload;
    expect(row.payload_json).not.toMatch(/"schema"|"tag"|<at |msgType/);
    expect(queued.card).toMatchObject({ card: { kind: 'approval' }, locale: 'zh-CN', names: { ou_wangmin: '王敏', ou_zhangwei: '张伟' } });
    const sent = feishuMessage(queued);
    expect(sent.msgType).toBe('interactive');
    // what Feishu gets equals the card function's output for the same state (after a JSON round trip)
    const direct = approvalCard(queued.card!.card.state as Parameters<typeof approvalCard>[0], { locale: 'zh-CN', nameOf: (id) => ({ ou_wangmin: '王敏', ou_zhangwei: '张伟' })[id] });
    expect(sent.content).toEqual(direct);
    expect(JSON.stringify(sent.content)).toContain('<at id=ou_wangmin></at>');
    expect(sent.names).toEqual({ ou_wangmin: '王敏' });
    expect((await w.store.cards.getByMessageId(p.approvalMessage))!.uuid).toBe(sent.uuid);
  });

  it('a notice carries the person and the words; the adapter adds the <at> mention', async () => {
    const w = await cardWorld();
    await w.store.transaction(() => w.cards.notify('ou_lilei', { zh: '请尽快处理', en: 'please act' }, 'k1', w.clock.now()));
    await w.store.transaction(() => w.cards.notify('system:score', { zh: '不是人', en: 'not a person' }, 'k2', w.clock.now()));
    const rows = (await w.store.sql.all("SELECT payload_json FROM outbox WHERE kind = 'im.send'")) as Array<{ payload_json: string }>;
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.payload_json)).toMatchObject({ chatId: 'oc_team', notice: { to: 'ou_lilei', text: '请尽快处理' } });
    expect(asSent('im.send', rows[0]!.payload_json)).toMatchObject({ msgType: 'text', content: { text: '<at user_id="ou_lilei"></at> 请尽快处理' } });
  });

  it('a card update is state too; rows queued in Feishu shape by earlier versions still go out as they are', async () => {
    const w = await cardWorld();
    const p = await w.pendingLead();
    const card = (await w.store.cards.getByMessageId(p.approvalMessage))!;
    const update: ChatUpdatePayload = { cardUuid: card.uuid, card: await w.cards.render(card, (await w.store.leads.get(p.leadId))!, w.members) };
    expect(feishuCardUpdate(update).content).toEqual(renderCard(update.card));
    const legacy = { chatId: 'oc_team', msgType: 'text' as const, content: { text: 'hi' }, uuid: 'lj-x' };
    expect(feishuMessage(legacy)).toBe(legacy);
    const legacyPatch = { cardUuid: 'c', content: { schema: '2.0' } };
    expect(feishuCardUpdate(legacyPatch)).toBe(legacyPatch);
  });

  it('the callback answer: a toast in the server language with both i18n texts, and the card as raw JSON 2.0', async () => {
    const w = await cardWorld();
    const p = await w.pendingLead();
    const answer = await w.act({ personId: 'ou_lilei', messageId: p.approvalMessage, value: undefined, name: 'approve', formValue: {} });
    expect(answer.toast).toEqual({ type: 'warning', text: { zh: expect.stringMatching(/^只有/), en: expect.stringMatching(/^Only /) } });
    expect(feishuCardAnswer(answer, 'en').toast).toEqual({ type: 'warning', content: answer.toast.text.en, i18n: { zh_cn: answer.toast.text.zh, en_us: answer.toast.text.en } });
    const ok = await w.act({ personId: 'ou_wangmin', messageId: p.approvalMessage, value: undefined, name: 'approve', formValue: {} });
    const shaped = feishuCardAnswer(ok);
    expect(shaped.toast.content).toBe('已通过');
    expect(shaped.card).toEqual({ type: 'raw', data: renderCard(ok.card!) });
    expect(JSON.stringify(shaped.card!.data)).not.toMatch(/"tag":"button"/);
  });
});
