import type { SlowdownCardState } from '../ports/chat.js';
import { card, field, hr, markdown, mentions, t, text, when, type CardCtx, type CardJson } from './card-kit.js';
import { companyOf, leadLines } from './lead-view.js';

export type { SlowdownCardState } from '../ports/chat.js';

const days = (ctx: CardCtx, d: number) => (ctx.locale === 'en' ? `${d.toFixed(1)} days` : `${d.toFixed(1)} 天`);

/**
 * 推进变慢 in the team's group, @ the lead's owner: the lead has been in its stage longer than the stage
 * usually takes (the 75th percentile of the stays that ended there), with the figures, and the lead's
 * facts. Nothing to click: moving the lead on, or back, is the answer (docs/metrics.md#slow-down-alerts).
 */
export function slowdownCard(s: SlowdownCardState, ctx: CardCtx): CardJson {
  const who = mentions([s.owner]);
  const ask = t(ctx, { zh: '这条线索推进变慢了：请跟进客户，或在表格中更新阶段', en: 'this lead has slowed down: follow up with the customer, or update its stage in the table' });
  return card({
    title: t(ctx, { zh: `推进变慢：${companyOf(s.lead)}`, en: `Slowing down: ${companyOf(s.lead)}` }),
    color: 'orange',
    elements: [
      who ? markdown(`${who} ${ask}`) : text(ask),
      text(
        t(ctx, {
          zh: `已在「${t(ctx, s.stage)}」停留 ${days(ctx, s.days)}，超过该阶段的常规时长 ${days(ctx, s.usualDays)}（已结束的 ${s.sample} 次停留的第 ${s.percentile} 百分位）`,
          en: `In ${t(ctx, s.stage)} for ${days(ctx, s.days)}, longer than the stage usually takes, ${days(ctx, s.usualDays)} (the ${s.percentile}th percentile of ${s.sample} stays that ended)`,
        }),
      ),
      field(ctx, { zh: '进入该阶段', en: 'Entered the stage' }, when(s.enteredAt)),
      hr(),
      ...leadLines(s.lead, ctx),
    ],
  });
}
