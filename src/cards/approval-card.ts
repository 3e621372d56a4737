import { button, buttonRow, card, field, form, hr, input, markdown, mentions, nameOrDash, RENEWED, t, text, when, type CardCtx, type CardJson } from './card-kit.js';
import { APPROVAL_FORM, APPROVE, type ApprovalCardState, COMMENT, REJECT } from '../ports/chat.js';
import { companyOf, leadLines } from './lead-view.js';

export type { ApprovalCardState, ApprovalSubject } from '../ports/chat.js';

/**
 * The approval card for a gated transition (MQL→SQL by default): @ the holders of the gate's role, who
 * asked, from → to, the guard checklist and the lead's facts; 通过 / 驳回 with a comment. Once acted on,
 * the same function shows who did what and when, without buttons.
 */
export { APPROVAL_FORM, APPROVE, COMMENT, REJECT } from '../ports/chat.js';

export function approvalCard(s: ApprovalCardState, ctx: CardCtx): CardJson {
  const move = `${t(ctx, s.subject.from)} → ${t(ctx, s.subject.to)}`;
  const o = s.outcome;
  const title = !o
    ? t(ctx, { zh: `待审批：${move}`, en: `Approval needed: ${move}` })
    : o.action === 'approve'
      ? t(ctx, { zh: `已通过：${move}`, en: `Approved: ${move}` })
      : o.action === 'reject'
        ? t(ctx, { zh: `已驳回：${move}`, en: `Rejected: ${move}` })
        : o.renewed
          ? t(ctx, { zh: `已重新发出：${move}`, en: `Sent again: ${move}` })
          : t(ctx, { zh: `已失效：${move}`, en: `No longer needed: ${move}` });
  const color = !o ? 'orange' : o.action === 'approve' ? 'green' : o.action === 'reject' ? 'red' : 'grey';
  const who = mentions(s.approvers);
  const elements: CardJson[] = [];
  if (!o) {
    elements.push(
      who
        ? markdown(`${who} ${t(ctx, { zh: `请${s.subject.gate.zh}审批`, en: `the ${s.subject.gate.en}'s approval is needed` })}`)
        : text(t(ctx, { zh: `销售团队表中没有「${s.subject.gate.zh}」角色的成员，请先补充`, en: `Nobody in 销售团队 holds the ${s.subject.gate.en} role; add them first` })),
    );
  }
  elements.push(text(t(ctx, { zh: `申请人：${nameOrDash(ctx, s.subject.requestedBy)}（${when(new Date(s.subject.requestedAt))}）`, en: `Requested by ${nameOrDash(ctx, s.subject.requestedBy)} (${when(new Date(s.subject.requestedAt))})` })));
  elements.push(text(t(ctx, { zh: `阶段变更：${move}`, en: `Stage change: ${move}` })));
  if (s.checklist.length) {
    elements.push(field(ctx, { zh: '条件检查', en: 'Checklist' }, s.checklist.map((c) => `${c.met ? '✅' : '❌'} ${t(ctx, c.label)}`).join('  ')));
  }
  elements.push(hr(), ...leadLines(s.lead, ctx));
  for (const e of s.escalations ?? []) {
    const to = nameOrDash(ctx, e.to);
    elements.push(
      text(
        t(
          ctx,
          e.step === 'remind'
            ? { zh: `⏰ ${when(e.at)} 审批超时，已再次提醒 ${to}`, en: `⏰ ${when(e.at)} approval overdue; ${to} reminded again` }
            : { zh: `⏰ ${when(e.at)} 仍未审批，已通知 ${to}`, en: `⏰ ${when(e.at)} still waiting; ${to} told` },
        ),
      ),
    );
  }
  if (!o) {
    elements.push(
      form(APPROVAL_FORM, [
        input({ name: COMMENT, placeholder: t(ctx, { zh: '审批意见（驳回时必填）', en: 'Comment (required to reject)' }), maxLength: 200 }),
        buttonRow([button({ label: t(ctx, { zh: '通过', en: 'Approve' }), name: APPROVE, kind: 'primary', submit: true }), button({ label: t(ctx, { zh: '驳回', en: 'Reject' }), name: REJECT, kind: 'danger', submit: true })]),
      ]),
    );
  } else {
    const by = nameOrDash(ctx, o.by);
    const at = when(o.at);
    const done =
      o.action === 'approve'
        ? { zh: `${by} 于 ${at} 通过`, en: `Approved by ${by} at ${at}` }
        : o.action === 'reject'
          ? { zh: `${by} 于 ${at} 驳回`, en: `Rejected by ${by} at ${at}` }
          : o.renewed
            ? { zh: `${at} ${RENEWED.zh}`, en: `${at}: ${RENEWED.en}` }
            : { zh: `${at} 线索阶段已变化，此审批不再需要`, en: `${at}: the lead's stage changed; this approval is no longer needed` };
    elements.push(hr(), text(t(ctx, done)));
    if (o.comment) elements.push(field(ctx, { zh: '意见', en: 'Comment' }, o.comment));
  }
  return card({ title: `${title} · ${companyOf(s.lead)}`, color, elements });
}
