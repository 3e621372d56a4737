import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { LeadTable, TableRow } from '../ports/lead-table.js';
import type { Store } from '../store/store.js';
import type { ChangeSummary, HandleRecordChange } from './handle-record-change.js';

/**
 * So that a lost event costs minutes, not data: read the rows changed since a cursor (minus an overlap)
 * and run them through the same path as events. The table may hand back more than asked (a Bitable's
 * date filter is day-granular), so the exact cut is made here, on each row's `editedAt`. A full pass (no
 * cursor yet: at first start) also finds rows deleted while nobody listened.
 */
export const RECONCILE_CURSOR = 'reconcile.leads';

export interface ReconcileResult extends ChangeSummary {
  full: boolean;
  rows: number;
  searchCalls: number;
}

export function createReconcile(deps: { store: Store; table: LeadTable; clock: Clock; log: Logger; handle: HandleRecordChange; overlapMs?: number }) {
  const overlap = deps.overlapMs ?? 10 * 60_000;

  /** `stopping`: the server is shutting down: the pass ends after the page in hand, its cursor unmoved (read again next time) */
  return async function reconcile(opts: { full?: boolean; stopping?: () => boolean } = {}): Promise<ReconcileResult | undefined> {
    const w = deps.table.layout();
    if (!w) return undefined;
    const cursor = opts.full ? undefined : await deps.store.cursors.get(RECONCILE_CURSOR);
    const since = cursor === undefined ? undefined : cursor - overlap;
    const startedAt = deps.clock.now();
    const sum = deps.handle.emptySummary();
    const seen = new Set<string>();
    let high = cursor ?? 0;
    let rows = 0;
    let searchCalls = 0;
    for await (const page of deps.table.scan(w.leadsTableId, since === undefined ? {} : { modifiedAfter: since })) {
      if (opts.stopping?.()) return undefined;
      searchCalls++;
      const fresh: TableRow[] = [];
      for (const r of page) {
        seen.add(r.id);
        const at = r.editedAt ?? 0;
        high = Math.max(high, at);
        if (since === undefined || at > since) fresh.push(r);
      }
      rows += fresh.length;
      await deps.handle.handleRows(fresh, sum);
    }
    if (since === undefined)
      await deps.handle.markGone(
        (await deps.store.leads.activeRecordIds(w.leadsTableId)).filter((id) => !seen.has(id)),
        sum,
      );
    // Never move the cursor past the start of this pass: rows changed during it are read next time.
    await deps.store.cursors.set(RECONCILE_CURSOR, Math.min(high, startedAt.getTime()), deps.clock.now());
    const result = { ...sum, full: since === undefined, rows, searchCalls };
    if (sum.adopted + sum.moved + sum.reverted + sum.gated + sum.facts + sum.deleted) deps.log.info(result, 'reconciliation repaired rows');
    return result;
  };
}
