import { withRetry } from '../feishu/retry.js';
import type { Logger } from '../lib/logger.js';
import type { Cell, LeadTable, TableLayout, TableRow } from '../ports/lead-table.js';
import type { BaseTemplate } from '../rules/base-template.js';
import type { BitableApi, LiveRecord } from './api.js';
import { personFields, readCell, shownValue } from './field-map.js';
import { searchPages } from './search-pages.js';

/** 最后更新时间: the automatic field a search can filter on (docs/platform/feishu.md#24-search). */
const MODIFIED = '最后更新时间';
const DAY = 86_400_000;

/**
 * The lead-table port over a Feishu Bitable: rows re-read through the SDK (a batch_get of up to 100, or
 * a search in pages of 500), turned into plain cells. Only this adapter (with field-map.ts and the
 * writer) knows Bitable value shapes, filters and automatic fields.
 */
export function createBitableLeadTable(deps: { api: BitableApi; template: BaseTemplate; layout: () => TableLayout | undefined; log: Logger }): LeadTable {
  const { single } = personFields(deps.template);
  const toRow = (rec: LiveRecord): TableRow => {
    const cells: Record<string, Cell> = {};
    for (const [name, value] of Object.entries(rec.fields)) {
      const v = readCell(value);
      cells[name] = single.has(name) && Array.isArray(v) ? (v[0] ?? null) : v;
    }
    return { id: rec.record_id, cells, ...(rec.last_modified_by?.id ? { editedBy: rec.last_modified_by.id } : {}), ...(rec.last_modified_time !== undefined ? { editedAt: rec.last_modified_time } : {}) };
  };
  const appToken = () => {
    const l = deps.layout();
    if (!l) throw new Error('the Base is not known yet (provision it, or set FEISHU_BITABLE_APP_TOKEN)');
    return l.appToken;
  };
  return {
    layout: deps.layout,
    async read(tableId, ids) {
      if (!ids.length) return { rows: [], absent: [] };
      // Reads share the app's 20/s budget with reconciliation and the writer's re-checks: a 429 waits for its reset.
      const r = await withRetry(() => deps.api.batchGet(appToken(), tableId, [...ids]), { onRetry: (e, ms) => deps.log.warn({ error: e.summary, waitMs: ms }, 're-reading changed rows failed; retrying') });
      return { rows: r.records.map(toRow), absent: r.absent };
    },
    async *scan(tableId, opts = {}) {
      // Date filters are day-granular: ask for "modified after the day before", the caller cuts exactly.
      const since = opts.modifiedAfter;
      const filter = since === undefined ? undefined : { conjunction: 'and', conditions: [{ field_name: MODIFIED, operator: 'isGreater', value: ['ExactDate', String(since - DAY)] }] };
      for await (const page of searchPages(deps.api, appToken(), tableId, { automatic_fields: true, ...(filter ? { filter } : {}) })) yield page.map(toRow);
    },
    cellKey: shownValue,
  };
}
