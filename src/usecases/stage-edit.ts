import { findTransition, type Journey } from '../domain/journey.js';
import type { Clock } from '../lib/clock.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { createChangeStage } from './change-stage.js';
import type { LeadCards, Members } from './lead-cards.js';
import type { StageMove } from './lead-row.js';
import type { Offers } from './offers.js';
import type { Protection } from './protection.js';
import { stageLabel } from './row-edit.js';
import { SLA_FOLLOW_UP } from './sla-ladder.js';

/** What became of a person's stage edit in the grid. */
export type StageEditOutcome =
  /** refused (not a stage, not allowed, a guard unmet) or held for approval: the row is put back */
  { kind: 'reverted' | 'gated'; show: string; extra: Record<string, unknown>; note: string } | { kind: 'moved'; move: StageMove & { entryIndex: number }; lead: LeadRow; note: string };

/**
 * (inside a transaction) A person's edit of 阶段 runs the stage machine as that person, with the roles
 * 销售团队 gives them. Allowed → the move (cards about the stage it left void, a hand-off stage offers the
 * lead, the first-feedback SLA met); refused → why, told to the editor; gated → held, an approval card
 * asked for. A holder of the gate's role moving the lead themselves: their edit is their approval.
 */
export function createStageEdit(deps: { store: Store; journey: Journey; clock: Clock; cards?: LeadCards; offers?: Offers; protection?: Protection }) {
  const changeStage = createChangeStage(deps);
  return async function applyStageEdit(
    lead: LeadRow,
    edit: { shown: string | undefined; to: string | undefined; reason: string | undefined },
    by: { editor: string; roles: string[]; members: Members /** keys this edit: its notices, and its approval when the editor holds the gate's role */; noticeKey: string; approvalId: string },
    now: Date,
  ): Promise<StageEditOutcome> {
    const at = stageLabel(deps.journey, lead.stage);
    const { shown, to } = edit;
    if (!to) {
      return {
        kind: 'reverted',
        show: at,
        extra: {},
        note: shown ? `「${shown}」不是这个旅程的阶段，已恢复为「${at}」 / not a stage of this journey; back to ${at}` : `阶段不能为空，已恢复为「${at}」 / the stage cannot be empty; back to ${at}`,
      };
    }
    const { editor, roles, members } = by;
    const gate = findTransition(deps.journey, lead.stage ?? '', to)?.approval;
    const selfApproval = gate && roles.includes(gate.role) ? { id: by.approvalId, approverId: editor, approverRoles: roles } : undefined;
    const r = await changeStage({ leadId: lead.id, to, actor: { id: editor, roles }, ...(edit.reason ? { reason: edit.reason } : {}), ...(selfApproval ? { approval: selfApproval } : {}) });
    if (!r.ok) {
      if (r.error.code === 'conflict') throw new Error(`lead ${lead.leadKey} changed while deciding; the event will be processed again`);
      await deps.cards?.notify(editor, { zh: `${lead.leadKey}「${at}」→「${shown}」未生效：${r.error.message.zh}`, en: `${lead.leadKey} ${at} → ${shown} not applied: ${r.error.message.en}` }, by.noticeKey, now);
      return { kind: 'reverted', show: at, extra: {}, note: `「${at}」→「${shown}」未生效：${r.error.message.zh} / not applied: ${r.error.message.en}` };
    }
    if (r.value.outcome.status === 'pending_approval') {
      const g = r.value.outcome.gate;
      if (r.value.lead.pendingApproval) await deps.cards?.requestApproval(r.value.lead, r.value.lead.pendingApproval, members, now);
      await deps.cards?.notify(editor, { zh: `${lead.leadKey}「${at}」→「${shown}」已提交${g.label.zh}审批，通过前保持「${at}」`, en: `${lead.leadKey} ${at} → ${shown} is waiting for the ${g.label.en}'s approval` }, by.noticeKey, now);
      return { kind: 'gated', show: at, extra: { 待审批: `待${g.label.zh}审批：${at} → ${shown}` }, note: `「${at}」→「${shown}」需要${g.label.zh}审批，审批通过前保持「${at}」 / needs the ${g.label.en}'s approval; stays ${at} until then` };
    }
    const t = r.value.outcome.record;
    const moved = r.value.lead;
    // Cards about the stage it left are void; a hand-off stage offers the lead to its owner.
    await deps.cards?.voidOpenCards(moved, 'approval', members, now);
    await deps.cards?.voidOpenCards(moved, 'pool', members, now);
    await deps.offers?.withdrawOffer(moved, lead.stage ?? '', members, now);
    await deps.offers?.offerAssignment(moved, members, now);
    await deps.protection?.refresh(moved, now); // a stage move is a follow-up (or, into 商机, the end of recycling)
    // the owner moved the lead on: that is feedback, so the first-feedback SLA is met
    await deps.store.timers.cancelForLead(lead.id, SLA_FOLLOW_UP);
    return {
      kind: 'moved',
      lead: moved,
      move: { from: at, to: shown!, label: r.value.outcome.label, entryIndex: t.entryIndex, reason: t.reason, approvalId: t.approvalId },
      // the note says what is true now (an earlier refusal's note would otherwise stay)
      note: `${members.get(editor)?.name ?? editor} 将阶段从「${at}」改为「${shown}」（${r.value.outcome.label}） / stage moved to ${shown}`,
    };
  };
}
