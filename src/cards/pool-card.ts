import { button, card, hr, markdown, nameOrDash, t, text, when, type CardCtx, type CardJson } from './card-kit.js';
import { CLAIM, type PoolCardState } from '../ports/chat.js';
import { companyOf, leadLines } from './lead-view.js';

export type { PoolCardState } from '../ports/chat.js';

/**
 * A lead back in the pool (公海), offered to the group: why it is there (returned, recycled, handed
 * over), its facts (phone masked), the pool's caps, and one 领取 button; the first who may take leads
 * gets it. After: who claimed it and when (from the card or the grid), that it left the pool, or (near the
 * card's 14 days; it is not sent again) where to claim it instead.
 */
export function poolCard(s: PoolCardState, ctx: CardCtx): CardJson {
  const o = s.outcome;
  const title = !o
    ? t(ctx, { zh: '公海线索待领取', en: 'Lead in the pool' })
    : o.action === 'claim'
      ? t(ctx, { zh: '已被领取', en: 'Claimed' })
      : o.expired
        ? t(ctx, { zh: '卡片已过期', en: 'Card expired' })
        : t(ctx, { zh: '已离开公海', en: 'Left the pool' });
  const elements: CardJson[] = [text(t(ctx, { zh: `进入公海「${s.pool}」（${s.why.zh}）`, en: `In the pool "${s.pool}" (${s.why.en})` })), ...leadLines(s.lead, ctx)];
  if (!o) {
    elements.push(
      hr(),
      markdown(t(ctx, { zh: '先到先得：可分配线索的销售点「领取」即成为跟进人', en: 'First come, first served: a rep who takes leads clicks Claim to own it' })),
      ...(s.limits ? [text(t(ctx, s.limits))] : []),
      button({ label: t(ctx, { zh: '领取', en: 'Claim' }), name: CLAIM, kind: 'primary', value: { op: CLAIM } }),
    );
  } else if (o.action === 'claim') {
    elements.push(hr(), text(t(ctx, { zh: `${nameOrDash(ctx, o.by)} 于 ${when(o.at)} 领取，成为跟进人`, en: `Claimed by ${nameOrDash(ctx, o.by)} at ${when(o.at)}` })));
  } else if (o.expired) {
    elements.push(
      hr(),
      text(
        t(ctx, {
          zh: '飞书卡片只能在发出后 14 天内操作：这条线索仍在公海中，请在「线索」表的「公海」视图中勾选「领取」',
          en: 'Feishu cards can be used for 14 days after sending: the lead is still in the pool; tick 领取 on its row in the 公海 view of 线索',
        }),
      ),
    );
  } else {
    elements.push(hr(), text(t(ctx, { zh: `${when(o.at)} 线索已离开公海（已分配或阶段已变化），无需领取`, en: `${when(o.at)}: the lead left the pool (assigned, or its stage changed); nothing to claim` })));
  }
  return card({ title: `${title} · ${companyOf(s.lead)}`, color: !o ? 'turquoise' : o.action === 'claim' ? 'green' : 'grey', elements });
}
