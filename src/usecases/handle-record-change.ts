import type { Team } from '../ports/team.js';
import { isPersonId } from '../domain/people.js';
import { findStage, findStageByLabel, findTransition, type Journey } from '../domain/journey.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { factsOf, type LeadTable, type RecordChange, type TableLayout, type TableRow, textOf } from '../ports/lead-table.js';
import { stableJson } from '../lib/stable-json.js';
import type { TableTemplate } from '../rules/base-template.js';
import { bitableTarget } from '../store/bitable-outbox-repo.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { createAdoptRecord } from './adopt-rows.js';
import { createChangeStage } from './change-stage.js';
import { journeyNote, stageHistoryRow } from './journey-notes.js';
import type { Offers } from './offers.js';
import type { LeadCards, Members } from './lead-cards.js';
import type { LeadEngine } from './lead-engine.js';
import { SLA_FOLLOW_UP } from './sla-ladder.js';

/**
 * A change in the leads table, whoever made it: the event (or a reconciliation pass) is only a trigger.
 * The rows are re-read and compared field by field with what SQLite knows:
 * - a value equal to what the server wrote (or is writing) is its own echo: ignored;
 * - a row nobody has seen becomes a lead (key assigned, journey started, server fields written back);
 * - human fields update the lead's facts (they feed guards);
 * - a stage edit runs the stage machine as the editor, with the roles 销售团队 gives them: allowed →
 *   history (SQLite and a 阶段历史 row) and the entry label; refused → the stage is put back with a note
 *   saying why and what is missing; gated → put back and 待审批 set;
 * - a server field a person changed is put back, with a note;
 * - a deleted row marks the lead deleted; its history stays.
 * Every put-back is guarded: it goes out only if the row still shows what was decided on.
 */
export interface RecordChangeDeps {
  store: Store;
  journey: Journey;
  clock: Clock;
  /** the leads table (and 活动记录): rows re-read as plain cells */
  table: LeadTable;
  team: Team;
  leadsTable: TableTemplate;
  log: Logger;
  /** approval and assignment cards, and @-mentions of refused edits (absent: no chat) */
  cards?: LeadCards;
  /** who a lead is offered to (absent: no offers) */
  offers?: Offers;
  /** scoring and what it moves (absent: facts are mirrored, nothing is scored) */
  engine?: LeadEngine;
}

/** @deprecated the port's name: TableLayout */
export type Layout = TableLayout;

export type { RecordChange } from '../ports/lead-table.js';

export interface ChangeSummary {
  adopted: number;
  moved: number;
  reverted: number;
  gated: number;
  facts: number;
  deleted: number;
  echoes: number;
  activities: number;
}

const STAGE = '阶段';

/** An 活动记录 row: which lead (线索编号), what (活动类型), when (发生时间), and the note (说明). */
function activityOfRow(row: TableRow): { leadKey: string; type: string; at: Date | undefined; detail: string | undefined } | undefined {
  const leadKey = textOf(row.cells, '线索编号');
  const type = textOf(row.cells, '活动类型');
  if (!leadKey || !type) return undefined;
  const when = row.cells['发生时间'];
  return { leadKey, type, at: typeof when === 'number' ? new Date(when) : undefined, detail: textOf(row.cells, '说明') };
}
const REASON = '变更原因';

export function createHandleRecordChange(deps: RecordChangeDeps) {
  const adoptRecord = createAdoptRecord(deps);
  const changeStage = createChangeStage(deps);
  const serverFields = deps.leadsTable.fields.filter((f) => f.owner === 'server').map((f) => f.field_name);
  const label = (stageId: string | null) => (stageId ? (findStage(deps.journey, stageId)?.label.zh ?? stageId) : '');

  async function handleRecord(w: TableLayout, rec: TableRow, operator: string | undefined, sum: ChangeSummary): Promise<void> {
    const { store } = deps;
    const target = bitableTarget(w.appToken, w.leadsTableId);
    const lead = store.leads.getByRecordId(rec.id);
    if (!lead) {
      const members = deps.engine ? await deps.team.members() : new Map();
      const r = store.tx(() => adoptRecord(w.appToken, w.leadsTableId, rec, members));
      if (r && 'adopted' in r) sum.adopted++;
      else if (r && 'draft' in r) deps.log.debug({ recordId: rec.id, missing: r.draft }, 'draft row: not a lead until it has the minimum facts');
      else if (r) deps.log.warn({ recordId: rec.id, why: r.skipped }, 'row not adopted');
      return;
    }
    if (lead.deletedAt) return;
    const editor = rec.editedBy ?? operator ?? 'unknown';
    const written = store.tableWrites.written(target, rec.id);
    const inFlight = store.tableWrites.inFlight(target, rec.id, lead.leadKey);
    /** the server wrote this value, or is writing it: its own echo, whoever the event names */
    const ours = (field: string, value: unknown) => {
      const n = deps.table.cellKey(value);
      const last = written.get(field);
      return (last !== undefined && deps.table.cellKey(JSON.parse(last)) === n) || [...(inFlight.get(field) ?? [])].some((v) => deps.table.cellKey(JSON.parse(v)) === n);
    };
    const shownStage = textOf(rec.cells, STAGE);
    const stageEdited = (shownStage ?? '') !== label(lead.stage) && !ours(STAGE, rec.cells[STAGE]);
    const members: Members = stageEdited || deps.engine ? await deps.team.members() : new Map();
    const roles = members.get(editor)?.roles ?? [];
    store.tx(() => {
      const factsChanged = decide(w, rec, lead, { editor, roles, members, ours, written, stageEdited, shownStage }, sum);
      if (factsChanged) deps.engine?.onFactsChanged(store.leads.get(lead.id)!, members, deps.clock.now());
    });
  }

  /** (inside a transaction) Returns whether the lead's facts changed. */
  function decide(
    w: TableLayout,
    rec: TableRow,
    lead: LeadRow,
    c: { editor: string; roles: string[]; members: Members; ours: (field: string, value: unknown) => boolean; written: Map<string, string>; stageEdited: boolean; shownStage: string | undefined },
    sum: ChangeSummary,
  ): boolean {
    const { store } = deps;
    const { editor, ours, written, shownStage } = c;
    const target = bitableTarget(w.appToken, w.leadsTableId);
    const now = deps.clock.now();
    const notes: string[] = [];
    const putBack: Record<string, unknown> = {};
    const expect: Record<string, unknown> = {};

    // Server-owned fields a person changed: put back what the server last wrote.
    for (const f of serverFields) {
      const shown = rec.cells[f];
      const last = written.get(f);
      if (ours(f, shown) || (last === undefined && deps.table.cellKey(shown) === 'null')) continue;
      putBack[f] = last === undefined ? null : JSON.parse(last);
      expect[f] = shown ?? null;
      notes.push(`「${f}」由系统维护，已恢复 / "${f}" is kept by the server; restored`);
    }
    if (Object.keys(putBack).length) sum.reverted++;

    // Human fields feed the facts the guards read; update them before deciding a stage move.
    const facts = factsOf(deps.leadsTable, rec.cells);
    let current: LeadRow = lead;
    const factsChanged = stableJson(facts) !== stableJson(lead.facts);
    if (factsChanged) {
      store.leads.setFacts(lead.id, facts, now, rec.editedAt);
      current = store.leads.get(lead.id)!;
      sum.facts++;
    }

    const leadLabel = label(current.stage);
    let moved: { from: string; to: string; label: string; entryIndex: number; reason: string | null; approvalId: string | null } | undefined;
    if (c.stageEdited) {
      const to = shownStage ? findStageByLabel(deps.journey, shownStage)?.id : undefined;
      const revert = () => {
        putBack[STAGE] = leadLabel;
        expect[STAGE] = rec.cells[STAGE] ?? null;
      };
      if (!to) {
        revert();
        notes.push(
          shownStage ? `「${shownStage}」不是这个旅程的阶段，已恢复为「${leadLabel}」 / not a stage of this journey; back to ${leadLabel}` : `阶段不能为空，已恢复为「${leadLabel}」 / the stage cannot be empty; back to ${leadLabel}`,
        );
        sum.reverted++;
      } else {
        const reason = textOf(rec.cells, REASON);
        const actor = { id: editor, roles: c.roles };
        // A holder of the gate's role moving the lead themselves: their edit is their approval.
        const gate = findTransition(deps.journey, current.stage ?? '', to)?.approval;
        const selfApproval = gate && c.roles.includes(gate.role) ? { id: `grid-${rec.id}-${rec.editedAt ?? now.getTime()}`, approverId: editor, approverRoles: c.roles } : undefined;
        const r = changeStage({ leadId: current.id, to, actor, ...(reason ? { reason } : {}), ...(selfApproval ? { approval: selfApproval } : {}) });
        const noticeKey = `${rec.id}:${rec.editedAt ?? now.getTime()}`;
        if (!r.ok) {
          if (r.error.code === 'conflict') throw new Error(`lead ${current.leadKey} changed while deciding; the event will be processed again`);
          revert();
          notes.push(`「${leadLabel}」→「${shownStage}」未生效：${r.error.message.zh} / not applied: ${r.error.message.en}`);
          deps.cards?.notify(editor, { zh: `${current.leadKey}「${leadLabel}」→「${shownStage}」未生效：${r.error.message.zh}`, en: `${current.leadKey} ${leadLabel} → ${shownStage} not applied: ${r.error.message.en}` }, noticeKey, now);
          sum.reverted++;
        } else if (r.value.outcome.status === 'pending_approval') {
          const gate = r.value.outcome.gate;
          revert();
          putBack['待审批'] = `待${gate.label.zh}审批：${leadLabel} → ${shownStage}`;
          notes.push(`「${leadLabel}」→「${shownStage}」需要${gate.label.zh}审批，审批通过前保持「${leadLabel}」 / needs the ${gate.label.en}'s approval; stays ${leadLabel} until then`);
          if (r.value.lead.pendingApproval) deps.cards?.requestApproval(r.value.lead, r.value.lead.pendingApproval, c.members, now);
          deps.cards?.notify(
            editor,
            { zh: `${current.leadKey}「${leadLabel}」→「${shownStage}」已提交${gate.label.zh}审批，通过前保持「${leadLabel}」`, en: `${current.leadKey} ${leadLabel} → ${shownStage} is waiting for the ${gate.label.en}'s approval` },
            noticeKey,
            now,
          );
          sum.gated++;
        } else {
          const rec2 = r.value.outcome.record;
          moved = { from: leadLabel, to: shownStage!, label: r.value.outcome.label, entryIndex: rec2.entryIndex, reason: rec2.reason, approvalId: rec2.approvalId };
          // the note says what is true now (an earlier refusal's note would otherwise stay)
          notes.push(`${c.members.get(editor)?.name ?? editor} 将阶段从「${leadLabel}」改为「${shownStage}」（${r.value.outcome.label}） / stage moved to ${shownStage}`);
          // Cards about the stage it left are void; a hand-off stage offers the lead to its owner.
          deps.cards?.voidOpenCards(r.value.lead, 'approval', c.members, now);
          deps.offers?.withdrawOffer(r.value.lead, current.stage ?? '', c.members, now);
          deps.offers?.offerAssignment(r.value.lead, c.members, now);
          // the owner moved the lead on: that is feedback, so the first-feedback SLA is met
          store.timers.cancelForLead(current.id, SLA_FOLLOW_UP);
          sum.moved++;
        }
      }
    } else if ((shownStage ?? '') !== leadLabel) {
      // The row shows a stage the server itself wrote, but the lead has moved on since: a write that was
      // already on its way when a person changed the row again. Show the lead's stage again.
      putBack[STAGE] = leadLabel;
      expect[STAGE] = rec.cells[STAGE] ?? null;
    }

    const fields: Record<string, unknown> = { ...putBack };
    if (moved) {
      // The row now shows the stage the lead is in: remember it as known, so a later edit back to a
      // value the server once wrote (a recycle) is not taken for the server's echo.
      store.tableWrites.recordWritten(target, rec.id, { [STAGE]: moved.to }, now);
      fields['进入阶段次数'] = moved.label;
      if (current.pendingApproval || deps.table.cellKey(rec.cells['待审批']) !== 'null') fields['待审批'] = null;
    }
    if (notes.length) fields['旅程备注'] = journeyNote(now, notes);
    if (!Object.keys(fields).length) {
      sum.echoes++;
      return factsChanged;
    }
    // The decision above and these writes commit together (this runs inside one transaction).
    const key = `rc:${rec.id}:${rec.editedAt ?? now.getTime()}:${stableJson(fields)}`;
    store.tableWrites.enqueueUpdate(target, { recordId: rec.id, fields, ...(Object.keys(putBack).length ? { force: true, expect } : {}) }, key, now);
    if (moved && w.historyTableId) {
      const row = stageHistoryRow({ leadKey: current.leadKey, ...moved, at: now, actorOpenId: isPersonId(editor) ? editor : undefined });
      store.tableWrites.enqueueCreate(bitableTarget(w.appToken, w.historyTableId), { fields: row }, `hist:${current.id}:${moved.label}`, now);
    }
    return factsChanged;
  }

  const emptySummary = (): ChangeSummary => ({ adopted: 0, moved: 0, reverted: 0, gated: 0, facts: 0, deleted: 0, echoes: 0, activities: 0 });

  /**
   * Rows of 活动记录 added or edited: each names its lead by 线索编号 and becomes one activity (keyed by
   * the row, so an edit of the row does not score it again). A row without a known 线索编号 waits for
   * the edit that fills it in.
   */
  async function handleActivities(w: TableLayout, ids: string[], sum: ChangeSummary): Promise<void> {
    if (!deps.engine || !w.activitiesTableId || !ids.length) return;
    const { rows: records } = await deps.table.read(w.activitiesTableId, ids);
    const members = await deps.team.members();
    for (const rec of records) {
      const a = activityOfRow(rec);
      const lead = a && deps.store.leads.getByKey(a.leadKey);
      if (!a || !lead || lead.deletedAt) continue;
      const now = deps.clock.now();
      const added = deps.store.tx(() => deps.engine!.onActivity(lead, { type: a.type, at: a.at ?? now, key: `bitable:${rec.id}`, ...(a.detail ? { detail: a.detail } : {}) }, members, now));
      if (added) sum.activities++;
    }
  }

  /** Rows already read (a reconciliation page): the same path as an event's re-read rows. */
  async function handleRows(records: TableRow[], sum: ChangeSummary = emptySummary()): Promise<ChangeSummary> {
    const w = deps.table.layout();
    if (!w) return sum;
    for (const rec of records) await handleRecord(w, rec, undefined, sum);
    return sum;
  }

  /** Leads whose rows are gone (a full reconciliation pass did not see them). */
  function markGone(recordIds: string[], sum: ChangeSummary = emptySummary()): ChangeSummary {
    const now = deps.clock.now();
    deps.store.tx(() => {
      for (const id of recordIds) {
        const lead = deps.store.leads.getByRecordId(id);
        if (lead && deps.store.leads.markDeleted(lead.id, now)) sum.deleted++;
      }
    });
    return sum;
  }

  /**
   * Several events at once (the processor hands over what is queued): their rows are re-read together,
   * up to 100 a call, so a burst of edits costs a few reads of the app's 20 a second, not one each.
   */
  async function handleRecordChanges(evs: RecordChange[]): Promise<ChangeSummary> {
    const sum = emptySummary();
    const w = deps.table.layout();
    if (!w) return sum;
    const mine = evs.filter((ev) => ev.appToken === w.appToken);
    if (mine.some((ev) => ev.tableId === w.repsTableId)) deps.team.invalidate();
    const activityIds = new Set(mine.filter((e) => w.activitiesTableId && e.tableId === w.activitiesTableId).flatMap((e) => e.actions.filter((a) => a.action !== 'record_deleted').map((a) => a.recordId)));
    await handleActivities(w, [...activityIds], sum);
    const gone = new Set<string>();
    const operatorOf = new Map<string, string | undefined>();
    for (const ev of mine.filter((e) => e.tableId === w.leadsTableId)) {
      for (const a of ev.actions) {
        if (a.action === 'record_deleted') gone.add(a.recordId);
        else operatorOf.set(a.recordId, ev.editorId);
      }
    }
    const ids = [...operatorOf.keys()].filter((id) => !gone.has(id));
    const { rows: records, absent } = await deps.table.read(w.leadsTableId, ids);
    markGone([...gone, ...absent], sum);
    for (const rec of records) await handleRecord(w, rec, operatorOf.get(rec.id), sum);
    return sum;
  }

  const handleRecordChange = (ev: RecordChange) => handleRecordChanges([ev]);
  return Object.assign(handleRecordChange, { handleRecordChanges, handleRows, markGone, emptySummary });
}

export type HandleRecordChange = ReturnType<typeof createHandleRecordChange>;
