import type { BaseTemplate } from '../rules/base-template.js';
import type { BitableApi } from './api.js';
import { readCell } from './field-map.js';
import { searchPages } from './search-pages.js';

/**
 * The 销售团队 table as the server needs it: who is who (open_id), which roles they hold (the 角色
 * options mapped to journey role ids by the template's `roles`), their manager. Read whole (a team is
 * small) and cached; a change to the table, or `maxAgeMs`, makes the next read fresh.
 */
export interface Member {
  openId: string;
  name: string;
  roles: string[];
  managerOpenId: string | undefined;
  onDuty: boolean;
}

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
        members.set(openId, {
          openId,
          name: String(readCell(r.fields['姓名']) ?? ''),
          roles: (Array.isArray(roles) ? roles : typeof roles === 'string' ? [roles] : []).map((n) => roleIds[n] ?? n),
          managerOpenId: Array.isArray(manager) ? manager[0] : undefined,
          onDuty: readCell(r.fields['在岗']) === true,
        });
      }
    }
    return members;
  }

  return {
    async members(): Promise<Map<string, Member>> {
      if (!cache || now() - cache.at > (deps.maxAgeMs ?? 60_000)) cache = { at: now(), members: await load() };
      return cache.members;
    },
    /** The journey role ids a person holds (none when they are not in 销售团队). */
    async rolesOf(openId: string): Promise<string[]> {
      return (await this.members()).get(openId)?.roles ?? [];
    },
    invalidate(): void {
      cache = undefined;
    },
  };
}

export type Roster = ReturnType<typeof createRoster>;
