import type { BitableApi, LiveRecord } from '../bitable/api.js';
import { searchPages } from '../bitable/search-pages.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';
import type { ChangeSummary, HandleRecordChange, RecordChangeDeps } from './handle-record-change.js';

/**
 * So that a lost event costs minutes, not data: read the rows whose 最后更新时间 is past a cursor (minus
 * an overlap) and run them through the same path as events. Date filters are day-granular
 * (docs/platform/feishu.md#24-search), so the search asks for "modified after the day before the
 * cursor" and the exact cut is made here. A full pass (no cursor yet: at first start) also finds rows deleted while nobody listened.
 * Pages of 500: 50,000 rows take 100 search calls.
 */
export const RECONCILE_CURSOR = 'reconcile.leads';
const MODIFIED = '最后更新时间';
const DAY = 86_400_000;

export interface ReconcileResult extends ChangeSummary {
  full: boolean;
  rows: number;
  searchCalls: number;
}

export function createReconcile(deps: { store: Store; api: BitableApi; clock: Clock; log: Logger; handle: HandleRecordChange; where: RecordChangeDeps['where']; overlapMs?: number }) {
  const overlap = deps.overlapMs ?? 10 * 60_000;

  return async function reconcile(opts: { full?: boolean } = {}): Promise<ReconcileResult | undefined> {
    const w = deps.where();
    if (!w) return undefined;
    const cursor = opts.full ? undefined : deps.store.cursors.get(RECONCILE_CURSOR);
    const since = cursor === undefined ? undefined : cursor - overlap;
    const startedAt = deps.clock.now();
    const filter = since === undefined ? undefined : { conjunction: 'and', conditions: [{ field_name: MODIFIED, operator: 'isGreater', value: ['ExactDate', String(since - DAY)] }] };
    const sum = deps.handle.emptySummary();
    const seen = new Set<string>();
    let high = cursor ?? 0;
    let rows = 0;
    let searchCalls = 0;
    for await (const page of searchPages(deps.api, w.appToken, w.leadsTableId, { automatic_fields: true, ...(filter ? { filter } : {}) })) {
      searchCalls++;
      const fresh: LiveRecord[] = [];
      for (const r of page) {
        seen.add(r.record_id);
        const at = r.last_modified_time ?? 0;
        high = Math.max(high, at);
        if (since === undefined || at > since) fresh.push(r);
      }
      rows += fresh.length;
      await deps.handle.handleRows(fresh, sum);
    }
    if (since === undefined)
      deps.handle.markGone(
        deps.store.leads.activeRecordIds(w.leadsTableId).filter((id) => !seen.has(id)),
        sum,
      );
    // Never move the cursor past the start of this pass: rows changed during it are read next time.
    deps.store.cursors.set(RECONCILE_CURSOR, Math.min(high, startedAt.getTime()), deps.clock.now());
    const result = { ...sum, full: since === undefined, rows, searchCalls };
    if (sum.adopted + sum.moved + sum.reverted + sum.gated + sum.facts + sum.deleted) deps.log.info(result, 'reconciliation repaired rows');
    return result;
  };
}
