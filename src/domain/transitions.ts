import { unmetGuards } from './guards.js';
import { findStage, findTransition, type ApprovalGate, type Journey, type TransitionKind } from './journey.js';
import type { LeadFacts } from './lead-facts.js';
import { err, ok, type Result } from './result.js';
import type { Text } from './text.js';

export interface Actor {
  /** open_id of a person, or 'system' / 'rule:<name>' for automatic moves */
  id: string;
  roles: readonly string[];
}

/** An approval someone gave for a gated transition (e.g. the marketing director approving MQL→SQL). */
export interface Approval {
  id: string;
  approverId: string;
  approverRoles: readonly string[];
}

/** One entry into a stage. History keeps every one, not only the last. */
export interface TransitionRecord {
  from: string | null;
  to: string;
  at: Date;
  actorId: string;
  reason: string | null;
  approvalId: string | null;
  /** 1 for the first entry into `to`, 2 for the second ("MQL-02") … */
  entryIndex: number;
  kind: TransitionKind | 'create';
}

export interface LeadState {
  /** null only for a lead that has not entered the journey yet */
  stage: string | null;
  facts: LeadFacts;
  score?: number;
  history: readonly TransitionRecord[];
}

export interface TransitionRequest {
  to: string;
  actor: Actor;
  now: Date;
  reason?: string;
  approval?: Approval;
}

export type TransitionOutcome =
  | { status: 'applied'; record: TransitionRecord; label: string }
  /** allowed, guards met, but a role must approve first: the lead stays where it is */
  | { status: 'pending_approval'; from: string; to: string; gate: ApprovalGate };

export type RefusalCode = 'unknown_stage' | 'already_in_stage' | 'not_allowed' | 'reason_required' | 'guard_failed' | 'approval_role_mismatch' | 'already_started';

export interface Refusal {
  code: RefusalCode;
  message: Text;
  /** for guard_failed: what is missing, readable */
  missing?: Text[];
}

const label = (j: Journey, id: string | null): Text => {
  if (id === null) return { zh: '（无）', en: '(none)' };
  return findStage(j, id)?.label ?? { zh: id, en: id };
};

/** How many times the lead has entered `stage` so far. */
export function entryCount(history: readonly TransitionRecord[], stage: string): number {
  return history.reduce((n, r) => (r.to === stage ? n + 1 : n), 0);
}

/** "MQL-02" for the 2nd entry into the stage with code MQL. */
export function entryLabel(j: Journey, stage: string, entryIndex: number): string {
  const code = findStage(j, stage)?.code ?? stage;
  return `${code}-${String(entryIndex).padStart(2, '0')}`;
}

/** Put a new lead into the journey's initial stage (or a given one, for imports). */
export function startJourney(j: Journey, lead: LeadState, req: { actor: Actor; now: Date; stage?: string; reason?: string }): Result<{ record: TransitionRecord; label: string }, Refusal> {
  const to = req.stage ?? j.initial;
  if (lead.stage !== null || lead.history.length > 0) {
    return err({ code: 'already_started', message: { zh: '该线索已在旅程中', en: 'This lead is already on the journey' } });
  }
  if (!findStage(j, to)) return err(unknownStage(to));
  const record: TransitionRecord = {
    from: null,
    to,
    at: req.now,
    actorId: req.actor.id,
    reason: req.reason ?? null,
    approvalId: null,
    entryIndex: 1,
    kind: 'create',
  };
  return ok({ record, label: entryLabel(j, to, 1) });
}

/**
 * Decide a stage change. Pure: never throws for a user-caused problem, returns a refusal with a code
 * and a message in zh-CN and en. An allowed move that needs approval returns `pending_approval` until
 * it is asked again with an approval from the right role.
 */
export function requestTransition(j: Journey, lead: LeadState, req: TransitionRequest): Result<TransitionOutcome, Refusal> {
  if (!findStage(j, req.to)) return err(unknownStage(req.to));
  const from = lead.stage;
  if (from === null) {
    return err({ code: 'not_allowed', message: { zh: '线索尚未进入旅程，无法变更阶段', en: 'The lead has not entered the journey yet' } });
  }
  if (from === req.to) {
    const l = label(j, from);
    return err({ code: 'already_in_stage', message: { zh: `线索已处于「${l.zh}」阶段`, en: `The lead is already in ${l.en}` } });
  }
  const t = findTransition(j, from, req.to);
  const fromL = label(j, from);
  const toL = label(j, req.to);
  if (!t) {
    const allowed = j.transitions.filter((x) => x.from === from).map((x) => label(j, x.to));
    return err({
      code: 'not_allowed',
      message: {
        zh: `不允许从「${fromL.zh}」直接变更为「${toL.zh}」${allowed.length ? `；可变更为：${allowed.map((a) => a.zh).join('、')}` : ''}`,
        en: `Cannot move from ${fromL.en} to ${toL.en}${allowed.length ? `; allowed: ${allowed.map((a) => a.en).join(', ')}` : ''}`,
      },
    });
  }
  const reason = req.reason?.trim() ?? '';
  if (t.reasonRequired && reason === '') {
    return err({ code: 'reason_required', message: { zh: `从「${fromL.zh}」变更为「${toL.zh}」需要填写原因`, en: `Moving from ${fromL.en} to ${toL.en} needs a reason` } });
  }
  const unmet = unmetGuards(t.guards, lead.facts, lead.score);
  if (unmet.length > 0) {
    const missing = unmet.map((g) => g.label);
    return err({
      code: 'guard_failed',
      message: {
        zh: `进入「${toL.zh}」前还缺少：${missing.map((m) => m.zh).join('、')}`,
        en: `Before ${toL.en}, the lead still needs: ${missing.map((m) => m.en).join(', ')}`,
      },
      missing,
    });
  }
  if (t.approval) {
    if (!req.approval) return ok({ status: 'pending_approval', from, to: req.to, gate: t.approval });
    if (!req.approval.approverRoles.includes(t.approval.role)) {
      return err({
        code: 'approval_role_mismatch',
        message: {
          zh: `「${fromL.zh}」→「${toL.zh}」需要${t.approval.label.zh}审批`,
          en: `${fromL.en} → ${toL.en} must be approved by the ${t.approval.label.en}`,
        },
      });
    }
  }
  const entryIndex = entryCount(lead.history, req.to) + 1;
  const record: TransitionRecord = {
    from,
    to: req.to,
    at: req.now,
    actorId: req.actor.id,
    reason: reason === '' ? null : reason,
    approvalId: req.approval?.id ?? null,
    entryIndex,
    kind: t.kind,
  };
  return ok({ status: 'applied', record, label: entryLabel(j, req.to, entryIndex) });
}

function unknownStage(id: string): Refusal {
  return { code: 'unknown_stage', message: { zh: `未知阶段「${id}」`, en: `Unknown stage "${id}"` } };
}
