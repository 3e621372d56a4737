import { renderCard } from '../../src/cards/render.js';
import { describe, expect, it } from 'vitest';
import { cardWorld } from '../support/card-world.js';

/**
 * Feishu takes clicks on a card for 14 days after it was sent (card JSON 2.0 release notes). A card
 * still open on day 13 is sent again with the same state; the old one says so and a click on it is
 * told where to act; the new one works.
 */
const DAY = 86_400_000;

describe('cards sent again before Feishu’s 14 days are up', () => {
  it('an approval nobody decided for 13 days: a new card, the old one marked, a late click told, the new card approves', async () => {
    const w = await cardWorld();
    const p = await w.pendingLead();
    const old = (await w.store.cards.getByMessageId(p.approvalMessage))!;
    w.clock.advance(13 * DAY - 60_000);
    await w.sweep().kick();
    expect((await w.store.cards.openFor(p.leadId, 'approval')).map((c) => c.id)).toEqual([old.id]); // not yet
    w.clock.advance(60_000);
    await w.sweep().kick();
    const open = await w.store.cards.openFor(p.leadId, 'approval');
    expect(open).toHaveLength(1);
    expect(open[0]!.id).not.toBe(old.id);
    expect(open[0]!.subject).toEqual(old.subject);
    expect(await w.store.cards.get(old.id)).toMatchObject({ status: 'void', action: 'renewed', detail: { renewedTo: open[0]!.id } });
    // the old card, updated in place, says where to act; a click on it changes nothing
    const oldCard = JSON.stringify(renderCard(await w.cards.render((await w.store.cards.get(old.id))!, (await w.store.leads.get(p.leadId))!, w.members)));
    expect(oldCard).toContain('已重新发出');
    const late = await w.click(p.approvalMessage, '王敏', { op: 'approve', form: {} });
    expect(late.toast.i18n.zh_cn).toContain('已在群里重新发出：请在最新的卡片上操作');
    expect((await w.store.leads.get(p.leadId))!.stage).toBe('mql');
    // the new card works
    await w.store.cards.setMessageId(open[0]!.uuid, 'om_renewed', w.clock.now());
    expect((await w.click('om_renewed', '王敏', { op: 'approve', form: {} })).toast.type).toBe('success');
    expect((await w.store.leads.get(p.leadId))!.stage).toBe('sql');
    // and the decided card is not sent again
    w.clock.advance(14 * DAY);
    await w.sweep().kick();
    expect(await w.store.cards.openFor(p.leadId, 'approval')).toEqual([]);
  });

  it('an assignment card still open: the offer now points at the new card; a card closed in time is never sent again', async () => {
    const w = await cardWorld();
    const a = await w.assignedLead();
    const b = await w.assignedLead();
    expect((await w.click(b.assignmentMessage, '李雷', { op: 'accept' })).toast.type).toBe('success');
    // an offer still open on day 13 (a team whose ladder has no reassign step: here its timers are gone)
    await w.store.timers.cancelForLead(a.leadId, 'sla.accept');
    const offer = (await w.store.assignments.current(a.leadId))!;
    w.clock.advance(13 * DAY);
    await w.sweep().kick();
    const cards = (await w.store.sql.all("SELECT id, status, action FROM cards WHERE lead_id = ? AND kind = 'assignment' ORDER BY id", [a.leadId])) as Array<{ id: number; status: string; action: string | null }>;
    expect(cards.map((c) => [c.status, c.action])).toEqual([
      ['void', 'renewed'],
      ['open', null],
    ]);
    expect((await w.store.assignments.get(offer.id))!.cardId).toBe(cards[1]!.id);
    // past 14 days: a click on the old card changes nothing and says where to act
    w.clock.advance(2 * DAY);
    const before = await w.snapshot();
    const late = await w.click(a.assignmentMessage, '李雷', { op: 'accept' });
    expect(late.toast.i18n.zh_cn).toContain('已在群里重新发出：请在最新的卡片上操作');
    expect(await w.snapshot()).toEqual(before);
    // the renewed card takes the click: 李雷 accepts from it
    await w.store.cards.setMessageId((await w.store.cards.get(cards[1]!.id))!.uuid, 'om_assign_renewed', w.clock.now());
    expect((await w.click('om_assign_renewed', '李雷', { op: 'accept' })).toast.type).toBe('success');
    expect((await w.store.assignments.get(offer.id))!.status).toBe('accepted');
    expect(await w.store.cards.openFor(b.leadId, 'assignment')).toEqual([]);
    expect(await w.store.sql.get("SELECT COUNT(*) AS n FROM cards WHERE lead_id = ? AND kind = 'assignment'", [b.leadId])).toEqual({ n: 1 });
  });
});
