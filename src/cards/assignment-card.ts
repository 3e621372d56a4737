import type { Text } from '../domain/text.js';
import { button, card, field, form, hr, input, markdown, mentions, nameOrDash, RENEWED, select, t, text, when, type CardCtx, type CardJson } from './card-kit.js';
import { ACCEPT, type AssignmentCardState, RETURN, RETURN_FORM, RETURN_NOTE, RETURN_REASON } from '../ports/chat.js';
import { companyOf, leadLines } from './lead-view.js';

export type { AssignmentCardState } from '../ports/chat.js';

/**
 * The assignment card in the team's group: @ the owner, the lead's facts (phone masked), score and its
 * top reasons when scoring exists, stage, SLA due; 认领 and 退回 (a reason from the configured list and an
 * optional note). After the action: who did what and when, buttons gone.
 */
export { ACCEPT, RETURN, RETURN_FORM, RETURN_NOTE, RETURN_REASON } from '../ports/chat.js';

export function assignmentCard(s: AssignmentCardState, ctx: CardCtx): CardJson {
  const o = s.outcome;
  const owner = nameOrDash(ctx, s.owner);
  const title = !o
    ? t(ctx, { zh: '新线索待认领', en: 'New lead to accept' })
    : o.action === 'accept'
      ? t(ctx, { zh: '已认领', en: 'Accepted' })
      : o.action === 'return'
        ? t(ctx, { zh: '已退回', en: 'Returned' })
        : o.renewed
          ? t(ctx, { zh: '已重新发出', en: 'Sent again' })
          : o.handedOver
            ? t(ctx, { zh: '已离职交接', en: 'Handed over' })
            : t(ctx, { zh: '已撤回', en: 'Withdrawn' });
  const color = !o ? 'blue' : o.action === 'accept' ? 'green' : 'grey';
  const elements: CardJson[] = [];
  if (!o) {
    const due = s.acceptDueAt ? when(s.acceptDueAt) : undefined;
    elements.push(
      markdown(
        `${mentions([s.owner])} ${t(ctx, due ? { zh: `分配给你，请在 ${due} 前认领或退回`, en: `this lead is yours: accept or return it before ${due}` } : { zh: '分配给你，请认领或退回', en: 'this lead is yours: accept or return it' })}`,
      ),
    );
  }
  // the owner line only while it is true: a returned or withdrawn offer is nobody's lead any more
  const ownerLine: Array<[Text, string]> = !o || o.action === 'accept' ? [[{ zh: '跟进人', en: 'Owner' }, owner]] : [];
  elements.push(...leadLines(s.lead, ctx, [...ownerLine, ...(s.acceptDueAt && !o ? ([[{ zh: 'SLA截止', en: 'SLA due' }, when(s.acceptDueAt)]] as Array<[Text, string]>) : [])]));
  for (const e of s.escalations ?? []) {
    const to = nameOrDash(ctx, e.to);
    const line: Text =
      e.step === 'remind'
        ? { zh: `⏰ ${when(e.at)} 认领超时，已提醒 ${to}`, en: `⏰ ${when(e.at)} not accepted in time; ${to} reminded` }
        : e.step === 'manager'
          ? { zh: `⏰ ${when(e.at)} 仍未认领，已通知直属上级 ${to}`, en: `⏰ ${when(e.at)} still not accepted; manager ${to} told` }
          : { zh: `⏰ ${when(e.at)} 超时未认领，已改派给 ${to}`, en: `⏰ ${when(e.at)} not accepted; reassigned to ${to}` };
    elements.push(text(t(ctx, line)));
  }
  if (!o) {
    elements.push(
      hr(),
      button({ label: t(ctx, { zh: '认领', en: 'Accept' }), name: ACCEPT, kind: 'primary', value: { op: ACCEPT } }),
      form(RETURN_FORM, [
        select({ name: RETURN_REASON, placeholder: t(ctx, { zh: '退回原因（必选）', en: 'Reason for returning (required)' }), required: true, options: s.returnReasons.map((r) => ({ label: t(ctx, r.label), value: r.value })) }),
        input({ name: RETURN_NOTE, placeholder: t(ctx, { zh: '补充说明（选填）', en: 'Note (optional)' }), maxLength: 200 }),
        button({ label: t(ctx, { zh: '退回', en: 'Return' }), name: RETURN, kind: 'danger', submit: true }),
      ]),
    );
  } else if (o.action === 'accept') {
    const by = nameOrDash(ctx, o.by);
    const onBehalf = o.by !== s.owner;
    elements.push(
      hr(),
      text(t(ctx, onBehalf ? { zh: `${by} 于 ${when(o.at)} 代 ${owner} 认领`, en: `Accepted for ${owner} by ${by} at ${when(o.at)}` } : { zh: `${by} 于 ${when(o.at)} 认领`, en: `Accepted by ${by} at ${when(o.at)}` })),
      ...(o.followUpDueAt ? [text(t(ctx, { zh: `首次跟进反馈截止：${when(o.followUpDueAt)}`, en: `First feedback due: ${when(o.followUpDueAt)}` }))] : []),
    );
  } else if (o.action === 'return') {
    const by = nameOrDash(ctx, o.by);
    elements.push(
      hr(),
      text(t(ctx, { zh: `${by} 于 ${when(o.at)} 退回：${o.reason.zh}`, en: `Returned by ${by} at ${when(o.at)}: ${o.reason.en}` })),
      ...(o.note ? [field(ctx, { zh: '说明', en: 'Note' }, o.note)] : []),
      field(ctx, { zh: '后续', en: 'Next' }, t(ctx, o.next)),
    );
  } else if (o.renewed) {
    elements.push(hr(), text(t(ctx, { zh: `${when(o.at)} ${RENEWED.zh}`, en: `${when(o.at)}: ${RENEWED.en}` })));
  } else if (o.handedOver || o.timedOut) {
    // who has it now (or nobody), after the owner left or let the accept SLA lapse
    const next = o.reassignedTo ? nameOrDash(ctx, o.reassignedTo) : undefined;
    const at = when(o.at);
    const line: Text = o.handedOver
      ? next
        ? { zh: `${at} ${owner} 已离职，线索已移交给 ${next}`, en: `${at}: ${owner} is leaving; the lead went to ${next}` }
        : { zh: `${at} ${owner} 已离职，线索已回到公海`, en: `${at}: ${owner} is leaving; the lead went back to the pool` }
      : next
        ? { zh: `${at} ${owner} 认领超时，已改派给 ${next}`, en: `${at}: ${owner} did not accept in time; reassigned to ${next}` }
        : { zh: `${at} ${owner} 认领超时，暂无其他销售可接，已请销售主管分配`, en: `${at}: ${owner} did not accept in time; nobody else can take it, the sales manager is asked to assign it` };
    elements.push(hr(), text(t(ctx, line)));
  } else {
    elements.push(hr(), text(t(ctx, { zh: `${when(o.at)} 线索已另行处理，此分配撤回`, en: `${when(o.at)}: the lead was handled otherwise; this assignment is withdrawn` })));
  }
  return card({ title: `${title} · ${companyOf(s.lead)}`, color, elements });
}
