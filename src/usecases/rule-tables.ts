import { createHash } from 'node:crypto';
import type { Text } from '../domain/text.js';
import type { Clock } from '../lib/clock.js';
import { fingerprint } from '../lib/fingerprint.js';
import type { Logger } from '../lib/logger.js';
import type { Cell, LeadTable } from '../ports/lead-table.js';
import type { CheckedRows, RuleRow } from '../rules/rule-table.js';
import type { Store } from '../store/store.js';

/**
 * Rules the team edits where it works: a rule table of the Base (退回原因 …) is read whole, each row
 * checked by the same validator as the shipped defaults, and
 * - a wrong row gets a message in its 校验结果 cell (zh, then en), cleared once it is right;
 * - the rules take effect only when every row is right: until then the last good set stays in force,
 *   so a half-typed row never changes what the server does.
 * Read at start, when an event says a rule table changed, and at every reconciliation pass (with several
 * instances only one of them gets the events). The 校验结果 writes go through the table outbox with a
 * key of the message, so instances reading the same rows queue them once.
 */
export const CHECK_FIELD = '校验结果';

export interface RuleTableSpec {
  /** the template's table key (rules_returns …) */
  key: string;
  /** the table's name, for logs and messages */
  name: string;
  /** check every row (1-based problems, as checkRows gives them) */
  check(rows: readonly RuleRow[]): CheckedRows<unknown>;
  /** put the checked values in force (`rows`: each value's 1-based row, for rules whose row order counts) */
  apply(values: unknown[], rows: number[]): void;
  /** what holds while a row is wrong (logged); default: the last good rules stay in force */
  whileWrong?: string;
}

export interface RuleTableResult {
  table: string;
  rows: number;
  problems: number;
  /** the rules changed (every row right and something differs from what was in force) */
  applied: boolean;
}

export function createRuleTables(deps: {
  store: Store;
  table: LeadTable;
  clock: Clock;
  log: Logger;
  specs: readonly RuleTableSpec[];
  /** where a rule table is: its table id and the outbox target of its writes, once the Base is known */
  locate: (key: string) => { tableId: string; target: string } | undefined;
  /** 校验结果 writes were queued (wake the writer) */
  onQueued?: () => void;
  /** a table's rules were put in force (wake the jobs that plan by them) */
  onApplied?: (key: string) => void;
}) {
  const log = deps.log.child({ component: 'rule-tables' });
  /** what is in force per table, to tell a change from a re-read */
  const inForce = new Map<string, number>();
  /** what was last logged about each table's rows */
  const said = new Map<string, string>();

  const message = (m: Text) => `${m.zh}\n${m.en}`;
  const plain = (v: Cell | undefined): unknown => (Array.isArray(v) ? [...v] : v);

  async function reload(spec: RuleTableSpec): Promise<RuleTableResult | undefined> {
    const where = deps.locate(spec.key);
    if (!where) return undefined;
    const records: Array<{ id: string; cells: Record<string, Cell>; editedAt?: number }> = [];
    for await (const page of deps.table.scan(where.tableId)) records.push(...page);
    const rows: RuleRow[] = records.map((r) => Object.fromEntries(Object.entries(r.cells).map(([k, v]) => [k, plain(v)])));
    const checked = spec.check(rows);
    const wrong = new Map(checked.problems.map((p) => [p.row, message(p.message)]));
    const now = deps.clock.now();
    let queued = 0;
    await deps.store.transaction(async () => {
      for (const [i, r] of records.entries()) {
        const want = wrong.get(i + 1) ?? '';
        const shown = typeof r.cells[CHECK_FIELD] === 'string' ? (r.cells[CHECK_FIELD] as string).trim() : '';
        if (shown === want.trim()) continue;
        // keyed by the row's edit too: the same mistake made again after a fix is said again
        const key = `rule-check:${r.id}:${r.editedAt ?? ''}:${createHash('sha256').update(want).digest('base64url').slice(0, 16)}`;
        if (await deps.store.tableWrites.enqueueUpdate(where.target, { recordId: r.id, fields: { [CHECK_FIELD]: want } }, key, now)) queued++;
      }
    });
    if (queued) deps.onQueued?.();
    const result = { table: spec.name, rows: records.length, problems: checked.problems.length, applied: false };
    // what is wrong is logged when it changes, not at every read
    const state = JSON.stringify([records.length, checked.problems.map((p) => [p.row, p.message.zh])]);
    const news = said.get(spec.key) !== state;
    said.set(spec.key, state);
    if (checked.problems.length) {
      if (news)
        log.warn(
          { ...result, wrong: checked.problems.map((p) => p.row) },
          `「${spec.name}」有 ${checked.problems.length} 行有误（见「校验结果」），${spec.whileWrong ?? '继续使用上一份正确的规则 / rows with problems (see 校验结果): the last good rules stay in force'}`,
        );
      return result;
    }
    if (!checked.values.length) {
      if (news) log.warn(result, `「${spec.name}」没有可用的规则行，继续使用上一份正确的规则 / no rule rows: the last good rules stay in force`);
      return result;
    }
    const values = checked.values.map((v) => v.value);
    const at = checked.values.map((v) => v.row);
    const print = fingerprint([values, at]);
    if (inForce.get(spec.key) === print) return result;
    const first = !inForce.has(spec.key);
    spec.apply(values, at);
    inForce.set(spec.key, print);
    deps.onApplied?.(spec.key);
    log.info(result, first ? `「${spec.name}」从多维表格读取 / read from the Base` : `「${spec.name}」已更新并生效 / changed in the Base, now in force`);
    return { ...result, applied: true };
  }

  let settled = false;
  return {
    /** the tables were read once (whatever came of it): the rules in force are the Base's, not the files' */
    settled: () => settled,
    /** the spec whose table this is, if it is a rule table */
    specOf(tableId: string): RuleTableSpec | undefined {
      return deps.specs.find((s) => deps.locate(s.key)?.tableId === tableId);
    },
    reload,
    async reloadAll(): Promise<RuleTableResult[]> {
      const out: RuleTableResult[] = [];
      try {
        for (const s of deps.specs) {
          const r = await reload(s);
          if (r) out.push(r);
        }
      } finally {
        settled = true;
      }
      return out;
    },
  };
}

export type RuleTables = ReturnType<typeof createRuleTables>;
