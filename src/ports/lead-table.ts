import type { LeadFacts } from '../domain/lead-facts.js';
import type { TableTemplate } from '../rules/base-template.js';

/**
 * The lead table as the use cases see it, whatever holds it (a Feishu Bitable, a DingTalk table, or
 * memory in tests). Rows come in as plain values; writes go out through the store's table outbox
 * (`store.tableWrites`), queued in the same transaction as the decision, with the same plain values: the
 * adapter that sends them turns them into its platform's cell shapes. See docs/architecture.md.
 */

/**
 * A cell as plain data: text (a select's option, a phone, a link's URL), a number (dates are epoch
 * milliseconds), a checkbox, or a list (a multi-select's options, people by id). A single-person cell
 * is that person's id; an empty cell is null.
 */
export type Cell = string | number | boolean | readonly string[] | null;

export interface TableRow {
  id: string;
  cells: Record<string, Cell>;
  /** who changed the row last (a person id), when the table says */
  editedBy?: string;
  /** when the row was changed last (epoch ms) */
  editedAt?: number;
}

/** Where the server works: the Base and its tables (ids the adapter understands). */
export interface TableLayout {
  appToken: string;
  leadsTableId: string;
  historyTableId: string | undefined;
  repsTableId: string | undefined;
  activitiesTableId?: string | undefined;
}

/** Rows of a table changed (a platform's event, a person in a test): which rows, how, and who it names. */
export interface RecordChange {
  appToken: string;
  tableId: string;
  /** the person the event names, used when the row does not say who changed it last */
  editorId?: string;
  actions: Array<{ recordId: string; action: 'record_added' | 'record_edited' | 'record_deleted' | string }>;
}

export interface LeadTable {
  /** the Base and its tables, once provisioned or found; undefined before */
  layout(): TableLayout | undefined;
  /** rows by id; ids no longer in the table are `absent` */
  read(tableId: string, ids: readonly string[]): Promise<{ rows: TableRow[]; absent: string[] }>;
  /**
   * Every row, page by page; with `modifiedAfter`, at least every row changed after it (an adapter may
   * return more: the caller makes the exact cut on `editedAt`).
   */
  scan(tableId: string, opts?: { modifiedAfter?: number }): AsyncIterable<TableRow[]>;
  /**
   * A value as people see it, for comparing what a row shows with what the server wrote or is writing
   * (equal keys: the same to a person; '' , [] and null are all empty).
   */
  cellKey(value: unknown): string;
}

/** A text-like cell (text, a single select, a phone …) as trimmed text, or undefined when empty. */
export function textOf(cells: Record<string, Cell>, name: string): string | undefined {
  const v = cells[name];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** The facts a row holds, by the template's `fact` names (empty text is no fact). */
export function factsOf(table: TableTemplate, cells: Record<string, Cell>): LeadFacts {
  const facts: Record<string, Cell> = {};
  for (const f of table.fields) {
    if (!f.fact) continue;
    const v = cells[f.field_name];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) continue;
    facts[f.fact] = v;
  }
  return facts as LeadFacts;
}
