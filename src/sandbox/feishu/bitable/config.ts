/** Knobs for tests and the sandbox UI (POST /__control/bitable/config). */
export interface BitableConfig {
  /**
   * How long (real ms) each write holds its table's lock. Writes that overlap it get 1254291
   * (docs/platform/feishu.md#27-write-lock-and-consistency). 0 makes writes effectively atomic, so overlap is never observed.
   */
  writeLatencyMs: number;
  /** After a write, API calls on that table get 1254607 for this many emulator ms (§2.7). 0 = off. */
  notReadyMs: number;
  /** batch_create / batch_update cap: above it → 1254104 (§2.6: 500 per EN docs, 1,000 per CN docs). */
  batchCap: number;
  /** Zone for day-granular date filters when the base has none of its own (§2.4). */
  timezone: string;
  /**
   * Behaviour no document defines, as switches so the product can be tested both ways:
   * - `eventsForAppWrites`: an app's own API writes raise record events too (with its bot as operator);
   * - `uncheckedCheckbox`: how a read shows an unchecked checkbox, left out of `fields` or as `false`.
   */
  eventsForAppWrites: boolean;
  uncheckedCheckbox: 'omitted' | 'false';
}

export const DEFAULT_BITABLE_CONFIG: Readonly<BitableConfig> = {
  writeLatencyMs: 2,
  notReadyMs: 0,
  batchCap: 500,
  timezone: 'Asia/Shanghai',
  eventsForAppWrites: true,
  uncheckedCheckbox: 'omitted',
};

/** Hard per-call limits that are not configurable (§2.5, §2.6). */
export const LIMITS = {
  batchDelete: 500,
  batchGet: 100,
  searchPageMax: 500,
  searchPageDefault: 20,
  listPageMax: 100,
  listPageDefault: 20,
  fieldNames: 200,
  sorts: 100,
  conditions: 50,
  tablesPerBase: 100,
  viewsPerTable: 200,
} as const;
