import type { BaseTemplate } from '../rules/base-template.js';
import type { BitableApi } from './api.js';
import { readCell } from './field-map.js';
import { searchPages } from './search-pages.js';

import type { Member } from '../domain/people.js';

export { atWork, type Member } from '../domain/people.js';

/**
 * The team port (ports/team.ts) over the 销售团队 table: who is who (open_id), which roles they hold
 * (the 角色 options mapped to journey role ids by the template's `roles`), their manager. Read whole (a
 * team is small) and cached; a change to the table, or `maxAgeMs`, makes the next read fresh.
 */

const listOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);
const numberOf = (v: unknown): number | undefined => {
  const c = readCell(v);
  return typeof c === 'number' && Number.isFinite(c) ? c : undefined;
};

export function createRoster(deps: { api: BitableApi; template: BaseTemplate; appToken: () => string | undefined; tableId: () => string | undefined; maxAgeMs?: number; now?: () => number }) {
  const now = deps.now ?? Date.now;
  let cache: { at: number; members: Map<string, Member> } | undefined;
  const roleIds = deps.template.roles ?? {};

  async function load(): Promise<Map<string, Member>> {
    const appToken = deps.appToken();
    const tableId = deps.tableId();
    const members = new Map<string, Member>();
    if (!appToken || !tableId) return members;
    for await (const page of searchPages(deps.api, appToken, tableId, {})) {
      for (const r of page) {
        const person = readCell(r.fields['成员']);
        const openId = Array.isArray(person) ? person[0] : undefined;
        if (!openId) continue;
        const roles = readCell(r.fields['角色']);
        const manager = readCell(r.fields['直属上级']);
        const sdr = readCell(r.fields['对接SDR']);
        const team = readCell(r.fields['团队']);
        members.set(openId, {
          id: openId,
          name: String(readCell(r.fields['姓名']) ?? ''),
          roles: listOf(roles).map((n) => roleIds[n] ?? n),
          managerId: Array.isArray(manager) ? manager[0] : undefined,
          onDuty: readCell(r.fields['在岗']) === true,
          team: typeof team === 'string' && team ? team : undefined,
          regions: listOf(readCell(r.fields['负责地区'])),
          industries: listOf(readCell(r.fields['负责行业'])),
          weight: numberOf(r.fields['分配权重']),
          capacity: numberOf(r.fields['跟进上限']),
          leaveUntil: numberOf(r.fields['休假至']),
          sdrId: Array.isArray(sdr) ? sdr[0] : undefined,
        });
      }
    }
    return members;
  }

  let loading: Promise<Map<string, Member>> | undefined;
  const refresh = () =>
    (loading ??= load()
      .then((members) => {
        cache = { at: now(), members };
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
