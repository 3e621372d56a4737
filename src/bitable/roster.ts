import type { BaseTemplate } from '../rules/base-template.js';
import type { BitableApi } from './api.js';
import { checkRosterRows } from '../rules/roster-rows.js';
import type { RuleRow } from '../rules/rule-table.js';
import { readCell } from './field-map.js';
import { searchPages } from './search-pages.js';

import type { Member } from '../domain/people.js';

export { atWork, type Member } from '../domain/people.js';

/**
 * The team port (ports/team.ts) over the 销售团队 table: who is who (open_id), which roles they hold
 * (the 角色 options mapped to journey role ids by the template's `roles`), their manager. Read whole (a
 * team is small) and cached; a change to the table, or `maxAgeMs`, makes the next read fresh. Each row is
 * checked (rules/roster-rows.ts): a wrong row keeps the person as their row was last read right, and a
 * row never read right is left out until it is fixed.
 */

export function createRoster(deps: {
  api: BitableApi;
  template: BaseTemplate;
  appToken: () => string | undefined;
  tableId: () => string | undefined;
  maxAgeMs?: number;
  now?: () => number;
  /** after each read of the table (the names are kept for the report) */
  onLoaded?: (members: ReadonlyMap<string, Member>) => void;
}) {
  const now = deps.now ?? Date.now;
  let cache: { at: number; members: Map<string, Member> } | undefined;
  /** each row's member as last read right (record id → member): a row made wrong keeps it */
  let lastGood = new Map<string, Member>();

  async function load(): Promise<Map<string, Member>> {
    const appToken = deps.appToken();
    const tableId = deps.tableId();
    const members = new Map<string, Member>();
    if (!appToken || !tableId) return members;
    const records: Array<{ id: string; row: RuleRow }> = [];
    for await (const page of searchPages(deps.api, appToken, tableId, {})) {
      for (const r of page) records.push({ id: r.record_id, row: Object.fromEntries(Object.entries(r.fields).map(([k, v]) => [k, readCell(v)])) });
    }
    // checked as the rule tables are (rules/roster-rows.ts); the 校验结果 messages are written by the rule tables' pass
    const checked = checkRosterRows(
      records.map((r) => r.row),
      deps.template,
    );
    const good = new Map<string, Member>();
    for (const v of checked.values) good.set(records[v.row - 1]!.id, v.value);
    for (const p of checked.problems) {
      const kept = lastGood.get(records[p.row - 1]!.id);
      if (kept) good.set(records[p.row - 1]!.id, kept);
    }
    for (const m of good.values()) if (!members.has(m.id)) members.set(m.id, m);
    lastGood = good;
    return members;
  }

  let loading: Promise<Map<string, Member>> | undefined;
  const refresh = () =>
    (loading ??= load()
      .then((members) => {
        cache = { at: now(), members };
        deps.onLoaded?.(members);
        return members;
      })
      .finally(() => (loading = undefined)));
  const fresh = () => cache !== undefined && now() - cache.at <= (deps.maxAgeMs ?? 60_000);

  return {
    async members(): Promise<Map<string, Member>> {
      return fresh() ? cache!.members : refresh();
    },
    /**
     * For answers with a deadline (a card callback has 3 s): a stale roster is used at once while a fresh
     * one loads; with none at all, wait at most `ms` and give undefined if it has not come.
     */
    async membersWithin(ms: number): Promise<Map<string, Member> | undefined> {
      if (fresh()) return cache!.members;
      const loaded = refresh().catch(() => undefined); // a failed load is the next caller's to retry
      if (cache) return cache.members;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
      try {
        return await Promise.race([loaded, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    invalidate(): void {
      cache = undefined;
    },
  };
}

export type Roster = ReturnType<typeof createRoster>;
