import type { HandoverCardState } from '../ports/chat.js';
import { card, hr, markdown, mentions, nameOrDash, t, text, type CardCtx, type CardJson } from './card-kit.js';

export type { HandoverCardState } from '../ports/chat.js';

const SHOWN = 20;
const paren = (ctx: CardCtx, s: string) => (ctx.locale === 'en' ? ` (${s})` : `（${s}）`);

/**
 * 离职交接 in the team's group, @ the leaver's manager: how many of the leaver's open leads went to whom
 * (the named 交接给, the manager for opportunities, or back to the pool), each lead on a line (the first
 * 20), and what could not be handed over. Nothing to click: the new owners have their own cards.
 */
export function handoverCard(s: HandoverCardState, ctx: CardCtx): CardJson {
  const leaver = nameOrDash(ctx, s.leaver);
  const total = s.leads.length + s.kept.length;
  const counts = new Map<string | null, number>();
  for (const l of s.leads) counts.set(l.to, (counts.get(l.to) ?? 0) + 1);
  const who = mentions(s.to);
  const elements: CardJson[] = [
    who
      ? markdown(`${who} ${t(ctx, { zh: `${leaver} 已离职，其 ${total} 条未结束的线索已交接如下`, en: `${leaver} is leaving: their ${total} open leads were handed over as follows` })}`)
      : text(
          t(ctx, { zh: `${leaver} 已离职，其 ${total} 条未结束的线索已交接如下（没有直属上级或销售总监可通知）`, en: `${leaver} is leaving: their ${total} open leads were handed over as follows (no manager or sales director to tell)` }),
        ),
  ];
  if (s.successorProblem) elements.push(text(t(ctx, s.successorProblem)));
  for (const [to, n] of counts) {
    elements.push(text(to === null ? t(ctx, { zh: `回到公海：${n} 条`, en: `Back to the pool: ${n}` }) : t(ctx, { zh: `移交给 ${nameOrDash(ctx, to)}：${n} 条`, en: `To ${nameOrDash(ctx, to)}: ${n}` })));
  }
  if (s.kept.length)
    elements.push(text(t(ctx, { zh: `仍在 ${leaver} 名下：${s.kept.length} 条（无人可接手：请在销售团队中为其填写「交接给」）`, en: `Still with ${leaver}: ${s.kept.length} (nobody could take them: set 交接给 on their 销售团队 row)` })));
  elements.push(hr());
  for (const l of s.leads.slice(0, SHOWN)) {
    const dest = l.to === null ? t(ctx, { zh: '公海', en: 'the pool' }) : nameOrDash(ctx, l.to);
    elements.push(text(`${l.key} ${l.company}${paren(ctx, t(ctx, l.stage))} → ${dest}`));
  }
  if (s.leads.length > SHOWN) elements.push(text(t(ctx, { zh: `…… 另有 ${s.leads.length - SHOWN} 条，见「线索」表的跟进人`, en: `… ${s.leads.length - SHOWN} more: see 跟进人 in 线索` })));
  for (const l of s.kept) elements.push(text(`${l.key} ${l.company}${paren(ctx, t(ctx, l.stage))} → ${leaver}`));
  return card({ title: t(ctx, { zh: `离职交接：${leaver} 的 ${total} 条线索`, en: `Handover: ${leaver}'s ${total} leads` }), color: 'indigo', elements });
}
