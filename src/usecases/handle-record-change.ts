import type { Team } from '../ports/team.js';
import type { Journey } from '../domain/journey.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { type LeadTable, type RecordChange, type TableLayout, type TableRow, textOf } from '../ports/lead-table.js';
import { stableJson } from '../lib/stable-json.js';
import type { TableTemplate } from '../rules/base-template.js';
import { bitableTarget } from '../store/bitable-outbox-repo.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import { createAdoptRecord } from './adopt-rows.js';
import { journeyNote } from './journey-notes.js';
import { answerRowEdit } from './lead-row.js';
import { type OwnWrites, readRow, STAGE, stageEdited, stageLabel } from './row-edit.js';
import { createStageEdit, type StageEditOutcome } from './stage-edit.js';
import type { Offers } from './offers.js';
import type { LeadCards, Members } from './lead-cards.js';
import type { LeadEngine } from './lead-engine.js';
import type { LeadPool } from './lead-pool.js';
import type { Protection } from './protection.js';

/**
 * A change in the leads table, whoever made it: the event (or a reconciliation pass) is only a trigger.
 * The rows are re-read (this file), read against what SQLite knows (row-edit.ts, pure), decided
 * (stage-edit.ts runs the stage machine) and answered in the row (lead-row.ts):
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
  /** claims from the pool (领取 ticked; absent: the tick is ignored) */
  pool?: LeadPool;
  /** 保护期: a stage moved in the grid is a follow-up */
  protection?: Protection;
}

/** The 线索 checkbox a rep ticks to claim a pool lead. */
export const CLAIM = '领取';

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

/** An 活动记录 row: which lead (线索编号), what (活动类型), when (发生时间), and the note (说明). */
function activityOfRow(row: TableRow): { leadKey: string; type: string; at: Date | undefined; detail: string | undefined } | undefined {
  const leadKey = textOf(row.cells, '线索编号');
  const type = textOf(row.cells, '活动类型');
  if (!leadKey || !type) return undefined;
  const when = row.cells['发生时间'];
  return { leadKey, type, at: typeof when === 'number' ? new Date(when) : undefined, detail: textOf(row.cells, '说明') };
}

export function createHandleRecordChange(deps: RecordChangeDeps) {
  const adoptRecord = createAdoptRecord(deps);
  const applyStageEdit = createStageEdit(deps);

  /** What the server wrote to the row or is writing: its own echo, whoever the event names. */
  async function ownWrites(w: TableLayout, rowId: string, leadKey: string): Promise<OwnWrites> {
    const target = bitableTarget(w.appToken, w.leadsTableId);
    const written = await deps.store.tableWrites.written(target, rowId);
    const inFlight = await deps.store.tableWrites.inFlight(target, rowId, leadKey);
    const key = deps.table.cellKey;
    return {
      written,
      ours: (field, value) => {
        const n = key(value);
        const last = written.get(field);
        return (last !== undefined && key(JSON.parse(last)) === n) || [...(inFlight.get(field) ?? [])].some((v) => key(JSON.parse(v)) === n);
      },
      pending: (field) => inFlight.has(field),
    };
  }

  /** `operators`: the people the row's events name, oldest first (none: a reconciliation pass). */
  async function handleRecord(w: TableLayout, rec: TableRow, operators: readonly string[], sum: ChangeSummary): Promise<void> {
    const operator = operators.at(-1);
    const { store } = deps;
    const lead = await store.leads.getByRecordId(rec.id);
    if (!lead) {
      const members = deps.engine ? await deps.team.members() : new Map();
      const r = await store.transaction(() => adoptRecord(w.appToken, w.leadsTableId, rec, members));
      if (r && 'adopted' in r) sum.adopted++;
      else if (r && 'draft' in r) deps.log.debug({ recordId: rec.id, missing: r.draft }, 'draft row: not a lead until it has the minimum facts');
      else if (r) deps.log.warn({ recordId: rec.id, why: r.skipped }, 'row not adopted');
      return;
    }
    if (lead.deletedAt) return;
    const editor = rec.editedBy ?? operator ?? 'unknown';
    // the team is read (outside the transaction) only when a decision needs it
    const own = await ownWrites(w, rec.id, lead.leadKey);
    const members: Members = stageEdited(deps.journey, rec, lead, own) || deps.engine || rec.cells[CLAIM] === true ? await deps.team.members() : new Map();
    // A claim is the act of a person on the team the events name (the latest; the row's last editor when a
    // pass re-reads it): an event of the server's own write, read after a person ticked, names the app.
    const claimer = [...operators, ...(rec.editedBy ? [rec.editedBy] : [])].reverse().find((id) => members.has(id));
    await store.transaction(async () => {
      const factsChanged = await decide(w, rec, lead, own, { editor, claimer }, members, sum);
      if (factsChanged) await deps.engine?.onFactsChanged((await store.leads.get(lead.id))!, members, deps.clock.now());
    });
  }

  /**
   * (inside a transaction) Read the row against the lead (row-edit.ts), apply what a person changed
   * (facts; a stage edit through the stage machine, stage-edit.ts) and answer in the row (lead-row.ts).
   * Returns whether the lead's facts changed.
   */
  async function decide(w: TableLayout, rec: TableRow, lead: LeadRow, own: OwnWrites, who: { editor: string; claimer: string | undefined }, members: Members, sum: ChangeSummary): Promise<boolean> {
    const { editor, claimer } = who;
    const { store } = deps;
    const now = deps.clock.now();
    const reading = readRow({ journey: deps.journey, leadsTable: deps.leadsTable, row: rec, lead, own, cellKey: deps.table.cellKey });
    const { putBack, expect, notes } = reading;
    if (Object.keys(putBack).length) sum.reverted++;
    // Human fields feed the facts the guards read; update them before deciding a stage move.
    let current: LeadRow = lead;
    if (reading.factsChanged) {
      await store.leads.setFacts(lead.id, reading.facts, now, rec.editedAt);
      current = (await store.leads.get(lead.id))!;
      sum.facts++;
    }
    const shownBefore = rec.cells[STAGE] ?? null;
    const rowKey = `${rec.id}:${rec.editedAt ?? now.getTime()}`;
    let moved: Extract<StageEditOutcome, { kind: 'moved' }> | undefined;
    if (reading.stage.kind === 'edit') {
      const out = await applyStageEdit(current, reading.stage, { editor, roles: members.get(editor)?.roles ?? [], members, noticeKey: rowKey, approvalId: `grid-${rec.id}-${rec.editedAt ?? now.getTime()}` }, now);
      notes.push(out.note);
      if (out.kind === 'moved') {
        moved = out;
        sum.moved++;
      } else {
        putBack[STAGE] = out.show;
        expect[STAGE] = shownBefore;
        Object.assign(putBack, out.extra);
        if (out.kind === 'gated') sum.gated++;
        else sum.reverted++;
      }
    } else if (reading.stage.kind === 'stale') {
      // The row shows a stage the server itself wrote, but the lead has moved on since: a write that was
      // already on its way when a person changed the row again. Show the lead's stage again.
      putBack[STAGE] = stageLabel(deps.journey, current.stage);
      expect[STAGE] = shownBefore;
    }

    const fields: Record<string, unknown> = { ...putBack };
    if (moved) {
      // The row now shows the stage the lead is in: remember it as known, so a later edit back to a
      // value the server once wrote (a recycle) is not taken for the server's echo.
      await store.tableWrites.recordWritten(bitableTarget(w.appToken, w.leadsTableId), rec.id, { [STAGE]: moved.move.to }, now);
      fields['进入阶段次数'] = moved.move.label;
      if (current.pendingApproval || deps.table.cellKey(rec.cells['待审批']) !== 'null') fields['待审批'] = null;
    }
    // 领取 ticked: the person claims the lead; either way the tick is cleared. A tick the server is already
    // answering (its clearing write not landed yet) is not a new claim; nor is one by the lead's owner.
    // Without a team member to claim it (only the app's own write named) the tick waits for its event.
    if (deps.pool && claimer && rec.cells[CLAIM] === true && !own.pending?.(CLAIM)) {
      const out = current.ownerId === claimer ? undefined : await deps.pool.claim(current, claimer, members, now);
      expect[CLAIM] = true; // clear the tick only while it is still ticked (and past the writer's "already written" check)
      if (!out) fields[CLAIM] = false;
      else if (out.won) {
        Object.assign(fields, out.fields);
        notes.push(out.note);
      } else {
        fields[CLAIM] = false;
        notes.push(`${members.get(claimer)?.name || claimer} 领取未成功：${out.why.zh}`);
        const company = typeof current.facts.company === 'string' ? current.facts.company : current.leadKey;
        await deps.cards?.notify(claimer, { zh: `${current.leadKey}「${company}」领取未成功：${out.why.zh}`, en: `${current.leadKey} ${company}: not claimed — ${out.why.en}` }, `claim:${rowKey}`, now);
      }
    }
    if (notes.length) fields['旅程备注'] = journeyNote(now, notes);
    if (!Object.keys(fields).length) {
      sum.echoes++;
      return reading.factsChanged;
    }
    // The decision above and these writes commit together (this runs inside one transaction).
    const key = `rc:${rec.id}:${rec.editedAt ?? now.getTime()}:${stableJson(fields)}`;
    await answerRowEdit(store, { lead: current, fields, expect, key, now, ...(moved ? { moved: { move: moved.move, editor, historyTableId: w.historyTableId } } : {}) });
    return reading.factsChanged;
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
      const lead = a && (await deps.store.leads.getByKey(a.leadKey));
      if (!a || !lead || lead.deletedAt) continue;
      const now = deps.clock.now();
      const added = await deps.store.transaction(() => deps.engine!.onActivity(lead, { type: a.type, at: a.at ?? now, key: `bitable:${rec.id}`, ...(a.detail ? { detail: a.detail } : {}) }, members, now));
      if (added) sum.activities++;
    }
  }

  /** Rows already read (a reconciliation page): the same path as an event's re-read rows. */
  async function handleRows(records: TableRow[], sum: ChangeSummary = emptySummary()): Promise<ChangeSummary> {
    const w = deps.table.layout();
    if (!w) return sum;
    for (const rec of records) await handleRecord(w, rec, [], sum);
    return sum;
  }

  /** Leads whose rows are gone (a full reconciliation pass did not see them). */
  async function markGone(recordIds: string[], sum: ChangeSummary = emptySummary()): Promise<ChangeSummary> {
    const now = deps.clock.now();
    sum.deleted += await deps.store.transaction(async () => {
      let deleted = 0;
      for (const id of recordIds) {
        const lead = await deps.store.leads.getByRecordId(id);
        if (lead && (await deps.store.leads.markDeleted(lead.id, now))) deleted++;
      }
      return deleted;
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
    const operatorOf = new Map<string, string[]>();
    for (const ev of mine.filter((e) => e.tableId === w.leadsTableId)) {
      for (const a of ev.actions) {
        if (a.action === 'record_deleted') gone.add(a.recordId);
        else operatorOf.set(a.recordId, [...(operatorOf.get(a.recordId) ?? []), ...(ev.editorId ? [ev.editorId] : [])]);
      }
    }
    const ids = [...operatorOf.keys()].filter((id) => !gone.has(id));
    const { rows: records, absent } = await deps.table.read(w.leadsTableId, ids);
    await markGone([...gone, ...absent], sum);
    for (const rec of records) await handleRecord(w, rec, operatorOf.get(rec.id) ?? [], sum);
    return sum;
  }

  const handleRecordChange = (ev: RecordChange) => handleRecordChanges([ev]);
  return Object.assign(handleRecordChange, { handleRecordChanges, handleRows, markGone, emptySummary });
}

export type HandleRecordChange = ReturnType<typeof createHandleRecordChange>;
