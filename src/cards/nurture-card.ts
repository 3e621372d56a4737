import type { Text } from '../domain/text.js';
import { card, field, hr, markdown, mentions, nameOrDash, t, text, type CardCtx, type CardJson } from './card-kit.js';
import type { NurtureCardState } from '../ports/chat.js';
import { companyOf, leadLines } from './lead-view.js';

export type { NurtureCardState } from '../ports/chat.js';

/**
 * A nurture reminder in the team's group: @ the people who should act, what to send or do (the 培育步骤
 * row's 内容, plain text: the team typed it), why now (day 3 in the pool, 30 days silent, the re-engage
 * date a return set), and the lead's facts. Nothing to click: the next activity or assignment is what
 * ends the sequence.
 */
export function nurtureCard(s: NurtureCardState, ctx: CardCtx): CardJson {
  const title = s.kind === 'reengage' ? t(ctx, { zh: `重新激活：${s.name}`, en: `Re-engage: ${s.name}` }) : t(ctx, { zh: `培育提醒：${s.name}`, en: `Nurture step: ${s.name}` });
  const ask: Text = s.kind === 'reengage' ? { zh: '约定的重新激活时间到了，请重新联系客户', en: 'the agreed re-engage date has come: contact the customer again' } : { zh: '请完成这一步培育触达', en: 'please do this nurture step' };
  const who = mentions(s.to);
  return card({
    title: `${title} · ${companyOf(s.lead)}`,
    color: s.kind === 'reengage' ? 'orange' : 'wathet',
    elements: [
      who ? markdown(`${who} ${t(ctx, ask)}`) : text(t(ctx, { zh: '没有可提醒的人：请在线索上填写跟进人，或在销售团队中设置 SDR', en: 'nobody to remind: set an owner on the lead, or an SDR in the roster' })),
      field(ctx, { zh: '要做的事', en: 'To do' }, s.content),
      field(ctx, { zh: '序列', en: 'Sequence' }, `${s.sequence} · ${t(ctx, s.why)}`),
      hr(),
      ...leadLines(s.lead, ctx, [[{ zh: '跟进人', en: 'Owner' }, nameOrDash(ctx, s.owner)]]),
    ],
  });
}
