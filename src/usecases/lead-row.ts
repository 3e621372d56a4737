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
/** Who follows the lead: its owner, else the 跟进人 typed in its row (null: nobody). */
export const followerOf = (lead: Pick<LeadRow, 'ownerId' | 'facts'>): string | null => lead.ownerId ?? (typeof lead.facts.owner === 'string' && lead.facts.owner ? lead.facts.owner : null);

/** The company as people name the lead in messages (its 线索编号 when the row has none). */
export const companyName = (lead: Pick<LeadRow, 'leadKey' | 'facts'>): string => (typeof lead.facts.company === 'string' && lead.facts.company ? lead.facts.company : lead.leadKey);

/**
 * Where a lead's row writes go: its record, or, for a lead whose row the server is creating (intake),
 * its 线索编号 (the writer sends those after the create has a record id).
 */
export function leadTargetOf(lead: Pick<LeadRow, 'baseToken' | 'tableId' | 'recordId' | 'leadKey'>): { target: string; row: { recordId: string } | { leadKey: string } } | undefined {
  if (!lead.baseToken || !lead.tableId) return undefined;
  return { target: bitableTarget(lead.baseToken, lead.tableId), row: lead.recordId ? { recordId: lead.recordId } : { leadKey: lead.leadKey } };
}

export async function writeLeadRow(store: Store, lead: Pick<LeadRow, 'baseToken' | 'tableId' | 'recordId' | 'leadKey'>, fields: Record<string, unknown>, key: string, now: Date): Promise<void> {
  const t = leadTargetOf(lead);
  if (t) await store.tableWrites.enqueueUpdate(t.target, { ...t.row, fields }, key, now);
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
export async function writeStageMove(
  store: Store,
  o: { lead: LeadRow; move: StageMove; actorId: string | undefined; historyTableId: string | undefined; writeStage: boolean; extra?: Record<string, unknown>; now: Date; key: string; historyKey?: string },
): Promise<void> {
  const { lead, move, now } = o;
  const t = leadTargetOf(lead);
  if (!t) return;
  const fields: Record<string, unknown> = { ...(o.writeStage ? { 阶段: move.to } : {}), 进入阶段次数: move.label, 待审批: null, ...o.extra };
  await store.tableWrites.enqueueUpdate(t.target, { ...t.row, fields }, o.key, now);
  await writeHistoryRow(store, lead, move, o.actorId, o.historyTableId, now, o.historyKey);
}

/**
 * A 阶段历史 row for a move: who (a person, not the server's own actors), which approval; once per entry
 * (`key`: once per something else, for a row that records an event within the stage, such as a recycle).
 */
async function writeHistoryRow(store: Store, lead: LeadRow, move: StageMove, actorId: string | undefined, historyTableId: string | undefined, now: Date, key?: string): Promise<void> {
  if (!historyTableId || !lead.baseToken) return;
  const row = stageHistoryRow({ leadKey: lead.leadKey, ...move, at: now, actorId: isPersonId(actorId) ? actorId : undefined });
  await store.tableWrites.enqueueCreate(bitableTarget(lead.baseToken, historyTableId), { fields: row }, key ?? `hist:${lead.id}:${move.label}`, now);
}

/**
 * The server's answer to a person's edit of a lead's row: the fields it writes back (put-backs guarded
 * by what the row showed, so a revert never overwrites a newer edit), and for a stage the edit moved,
 * the 阶段历史 row.
 */
export async function answerRowEdit(
  store: Store,
  o: { lead: LeadRow; fields: Record<string, unknown>; expect?: Record<string, unknown>; key: string; now: Date; moved?: { move: StageMove; editor: string; historyTableId: string | undefined } },
): Promise<void> {
  const t = leadTargetOf(o.lead);
  if (!t) return;
  await store.tableWrites.enqueueUpdate(t.target, { ...t.row, fields: o.fields, ...(o.expect && Object.keys(o.expect).length ? { force: true, expect: o.expect } : {}) }, o.key, o.now);
  if (o.moved) await writeHistoryRow(store, o.lead, o.moved.move, o.moved.editor, o.moved.historyTableId, o.now);
}
