import { findStage, findStageByLabel, type Journey } from '../domain/journey.js';
import type { LeadFacts } from '../domain/lead-facts.js';
import { stableJson } from '../lib/stable-json.js';
import { factsOf, type TableRow, textOf } from '../ports/lead-table.js';
import type { TableTemplate } from '../rules/base-template.js';
import type { LeadRow } from '../store/leads-repo.js';

export const STAGE = '阶段';
const REASON = '变更原因';

/** What the server wrote to a row, or is writing: a value it shows that is one of these is the server's own echo. */
export interface OwnWrites {
  /** field → the value last written (JSON) */
  written: ReadonlyMap<string, string>;
  ours(field: string, value: unknown): boolean;
  /** the server is writing this field of the row now (queued or on the wire) */
  pending?(field: string): boolean;
}

/** What a row shows against what the server knows of its lead (pure: nothing is decided yet). */
export interface RowReading {
  /** server-owned fields a person changed: the values to put back, what the row showed, and the notes */
  putBack: Record<string, unknown>;
  expect: Record<string, unknown>;
  notes: string[];
  /** the facts the row holds (human-owned fields), and whether they differ from the lead's */
  facts: LeadFacts;
  factsChanged: boolean;
  /**
   * the stage: `same`; `stale` (the row shows a stage the server itself wrote, but the lead has moved on
   * since: show the lead's stage again); or a person's edit, with the stage it names (undefined: not a
   * stage of this journey, or empty) and the reason typed beside it
   */
  stage: { kind: 'same' } | { kind: 'stale' } | { kind: 'edit'; shown: string | undefined; to: string | undefined; reason: string | undefined };
}

export const stageLabel = (journey: Journey, stageId: string | null): string => (stageId ? (findStage(journey, stageId)?.label.zh ?? stageId) : '');

/** Whether the row's 阶段 is a person's edit (not what the lead is at, and not the server's own echo). */
export function stageEdited(journey: Journey, row: TableRow, lead: LeadRow, own: OwnWrites): boolean {
  return (textOf(row.cells, STAGE) ?? '') !== stageLabel(journey, lead.stage) && !own.ours(STAGE, row.cells[STAGE]);
}

export function readRow(i: { journey: Journey; leadsTable: TableTemplate; row: TableRow; lead: LeadRow; own: OwnWrites; cellKey: (v: unknown) => string }): RowReading {
  const { row, lead, own } = i;
  const putBack: Record<string, unknown> = {};
  const expect: Record<string, unknown> = {};
  const notes: string[] = [];
  // Server-owned fields a person changed: put back what the server last wrote.
  for (const f of i.leadsTable.fields.filter((x) => x.owner === 'server').map((x) => x.field_name)) {
    const shown = row.cells[f];
    const last = own.written.get(f);
    if (own.ours(f, shown) || (last === undefined && i.cellKey(shown) === 'null')) continue;
    putBack[f] = last === undefined ? null : JSON.parse(last);
    expect[f] = shown ?? null;
    notes.push(`「${f}」由系统维护，已恢复 / "${f}" is kept by the server; restored`);
  }
  const facts = factsOf(i.leadsTable, row.cells);
  const shown = textOf(row.cells, STAGE);
  const stage: RowReading['stage'] = stageEdited(i.journey, row, lead, own)
    ? { kind: 'edit', shown, to: shown ? findStageByLabel(i.journey, shown)?.id : undefined, reason: textOf(row.cells, REASON) }
    : (shown ?? '') !== stageLabel(i.journey, lead.stage)
      ? { kind: 'stale' }
      : { kind: 'same' };
  return { putBack, expect, notes, facts, factsChanged: stableJson(facts) !== stableJson(lead.facts), stage };
}
