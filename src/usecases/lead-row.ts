import { isPersonId } from '../domain/people.js';
import { bitableTarget } from '../store/bitable-outbox-repo.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { stageHistoryRow } from './journey-notes.js';

/**
 * Writes to a lead's Bitable row and to 阶段历史, queued in the outbox inside the caller's transaction
 * (so they commit with the decision that caused them). A lead without a row yet writes nothing: its
 * row is created with the current state when it is linked.
 */
export function leadTargetOf(lead: Pick<LeadRow, 'baseToken' | 'tableId' | 'recordId'>): { target: string; recordId: string } | undefined {
  return lead.baseToken && lead.tableId && lead.recordId ? { target: bitableTarget(lead.baseToken, lead.tableId), recordId: lead.recordId } : undefined;
}

export function writeLeadRow(store: Store, lead: Pick<LeadRow, 'baseToken' | 'tableId' | 'recordId'>, fields: Record<string, unknown>, key: string, now: Date): void {
  const t = leadTargetOf(lead);
  if (t) store.tableWrites.enqueueUpdate(t.target, { recordId: t.recordId, fields }, key, now);
}

export interface StageMove {
  from: string;
  to: string;
  /** entry label such as MQL-02 */
  label: string;
  reason: string | null;
  approvalId?: string | null;
}

/**
 * What a stage move shows in the Bitable: the row's 进入阶段次数 (and 阶段 itself when the move did not
 * come from the row: an approval), 待审批 cleared, and a 阶段历史 row naming who and which approval.
 */
export function writeStageMove(store: Store, o: { lead: LeadRow; move: StageMove; actorOpenId: string | undefined; historyTableId: string | undefined; writeStage: boolean; extra?: Record<string, unknown>; now: Date; key: string }): void {
  const { lead, move, now } = o;
  const t = leadTargetOf(lead);
  if (!t) return;
  const fields: Record<string, unknown> = { ...(o.writeStage ? { 阶段: move.to } : {}), 进入阶段次数: move.label, 待审批: null, ...o.extra };
  store.tableWrites.enqueueUpdate(t.target, { recordId: t.recordId, fields }, o.key, now);
  if (o.historyTableId && lead.baseToken) {
    const row = stageHistoryRow({ leadKey: lead.leadKey, ...move, at: now, actorOpenId: isPersonId(o.actorOpenId) ? o.actorOpenId : undefined });
    store.tableWrites.enqueueCreate(bitableTarget(lead.baseToken, o.historyTableId), { fields: row }, `hist:${lead.id}:${move.label}`, now);
  }
}
