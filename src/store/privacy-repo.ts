import type { Sql } from './sql/sql.js';

/**
 * Taking a person's contact data out of the database (docs/operations.md#erasing-a-person): every
 * column where a copy of it can end up (queued writes and messages and their history, event payloads,
 * card subjects, timers, activity and ledger text) is searched for the person's values; in JSON a
 * personal key's value goes (null), and any other text has the values replaced by `[已删除]`.
 *
 * `strong` values (phone numbers in their written forms, e-mail addresses, a WeChat id) identify the
 * person wherever they appear. `weak` values (a contact's name) could be someone else's: they are
 * replaced only in rows that also hold one of the `anchors` (the lead's 线索编号 or record id) or a
 * strong value.
 */
export interface ScrubPlan {
  strong: readonly string[];
  weak: readonly string[];
  anchors: readonly string[];
  /** JSON keys whose value is personal (fact names and the Base's column names): dropped when it matches */
  personalKeys: readonly string[];
}

export const ERASED = '[已删除]';

/** Where a copy of a lead's contact data can be: (table, its key, a text column, whether it holds JSON). */
export const PERSONAL_DATA_COLUMNS: ReadonlyArray<{ table: string; key: string; column: string; json: boolean }> = [
  { table: 'outbox', key: 'id', column: 'payload_json', json: true },
  { table: 'bitable_batches', key: 'id', column: 'body_json', json: true },
  { table: 'inbound_events', key: 'event_id', column: 'payload_json', json: true },
  { table: 'timers', key: 'id', column: 'payload_json', json: true },
  { table: 'cards', key: 'id', column: 'subject_json', json: true },
  { table: 'cards', key: 'id', column: 'detail_json', json: true },
  { table: 'activities', key: 'id', column: 'detail', json: false },
  { table: 'activities', key: 'id', column: 'lead_ref', json: false },
  { table: 'score_ledger', key: 'id', column: 'detail', json: false },
  { table: 'stage_transitions', key: 'id', column: 'reason', json: false },
  { table: 'assignments', key: 'id', column: 'return_note', json: false },
  { table: 'owner_queue', key: 'lead_id', column: 'why', json: false },
];

export interface ErasureRecord {
  at: Date;
  operator: string;
  selector: 'phone' | 'email' | 'lead' | 'retention';
  subject: string;
  leadKeys: readonly string[];
  cleared: Readonly<Record<string, number>>;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces the plan's values in text, and says whether a text holds any of them. */
export function scrubber(plan: ScrubPlan) {
  const strong = plan.strong.filter((s) => s.length >= 3);
  const weak = plan.weak.filter((s) => s.length >= 2);
  const alternatives = (xs: string[]) =>
    xs
      .map(escapeRe)
      .sort((a, b) => b.length - a.length)
      .join('|');
  // global forms replace every occurrence; the others only test (a global regex keeps state between tests)
  const strongRe = strong.length ? new RegExp(alternatives(strong), 'gi') : undefined;
  const weakRe = weak.length ? new RegExp(alternatives(weak), 'gi') : undefined;
  const strongTest = strongRe && new RegExp(strongRe.source, 'i');
  const weakTest = weakRe && new RegExp(weakRe.source, 'i');
  const keys = new Set(plan.personalKeys);
  const anchored = (text: string) => plan.anchors.some((a) => a && text.includes(a)) || (strongTest?.test(text) ?? false);
  const holds = (text: string, withWeak: boolean) => (strongTest?.test(text) ?? false) || (withWeak && (weakTest?.test(text) ?? false));
  function text(s: string, withWeak: boolean): string {
    let out = strongRe ? s.replace(strongRe, ERASED) : s;
    if (withWeak && weakRe) out = out.replace(weakRe, ERASED);
    return out;
  }
  function value(v: unknown, withWeak: boolean): unknown {
    if (typeof v === 'string') return text(v, withWeak);
    if (Array.isArray(v)) return v.map((x) => value(x, withWeak));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = keys.has(k) && holds(JSON.stringify(x), withWeak) ? null : value(x, withWeak);
      return out;
    }
    return v;
  }
  /** The column's text with the values taken out (JSON kept JSON), or undefined when nothing changed. */
  function cell(raw: string, json: boolean): string | undefined {
    const withWeak = anchored(raw);
    if (!holds(raw, withWeak)) return undefined;
    if (json) {
      try {
        const next = JSON.stringify(value(JSON.parse(raw), withWeak));
        return next === raw ? undefined : next;
      } catch {
        // not JSON after all: treated as text
      }
    }
    const next = text(raw, withWeak);
    return next === raw ? undefined : next;
  }
  return { cell, text, value, holds, anchored };
}

export type PrivacyRepo = ReturnType<typeof createPrivacyRepo>;

export function createPrivacyRepo(sql: Sql) {
  return {
    /** Scrub every personal-data column; answers how many values changed where (`table.column`). */
    async scrub(plan: ScrubPlan): Promise<Record<string, number>> {
      const s = scrubber(plan);
      const needles = [...plan.strong.filter((x) => x.length >= 3), ...plan.weak.filter((x) => x.length >= 2)].map((x) => `%${x.toLowerCase()}%`);
      const cleared: Record<string, number> = {};
      if (!needles.length) return cleared;
      for (const c of PERSONAL_DATA_COLUMNS) {
        const where = needles.map(() => `LOWER(${c.column}) LIKE ?`).join(' OR ');
        const rows = await sql.all<{ k: string | number; v: string }>(`SELECT ${c.key} AS k, ${c.column} AS v FROM ${c.table} WHERE ${where}`, needles);
        let n = 0;
        for (const r of rows) {
          const next = s.cell(r.v, c.json);
          if (next === undefined) continue;
          await sql.run(`UPDATE ${c.table} SET ${c.column} = ? WHERE ${c.key} = ?`, [next, r.k]);
          n++;
        }
        if (n) cleared[`${c.table}.${c.column}`] = (cleared[`${c.table}.${c.column}`] ?? 0) + n;
      }
      return cleared;
    },
    /**
     * The cells the server wrote that hold the person's values (any table of the Base): each to be
     * written again without them. What the server remembers of them is replaced by the scrubbed value.
     */
    async writtenCells(plan: ScrubPlan): Promise<Array<{ target: string; recordId: string; field: string; value: unknown }>> {
      const s = scrubber(plan);
      const needles = plan.strong.filter((x) => x.length >= 3).map((x) => `%${x.toLowerCase()}%`);
      const anchorRecords = plan.anchors.filter((a) => a.startsWith('rec'));
      const where = [...needles.map(() => 'LOWER(value_json) LIKE ?'), ...(anchorRecords.length ? [`record_id IN (${anchorRecords.map(() => '?').join(', ')})`] : [])];
      if (!where.length) return [];
      const rows = await sql.all<{ target: string; record_id: string; field_name: string; value_json: string }>(`SELECT target, record_id, field_name, value_json FROM bitable_written WHERE ${where.join(' OR ')}`, [
        ...needles,
        ...anchorRecords,
      ]);
      const out: Array<{ target: string; recordId: string; field: string; value: unknown }> = [];
      for (const r of rows) {
        const before = JSON.parse(r.value_json) as unknown;
        const personal = plan.personalKeys.includes(r.field_name) && s.holds(r.value_json, true);
        const after = personal ? null : s.value(before, s.anchored(r.value_json) || anchorRecords.includes(r.record_id));
        if (JSON.stringify(after) === r.value_json) continue;
        out.push({ target: r.target, recordId: r.record_id, field: r.field_name, value: after });
        await sql.run('UPDATE bitable_written SET value_json = ? WHERE target = ? AND record_id = ? AND field_name = ?', [JSON.stringify(after), r.target, r.record_id, r.field_name]);
      }
      return out;
    },
    markErased: async (leadId: number, now: Date): Promise<void> => void (await sql.run('UPDATE leads SET erased_at = ?, phone_key = ?, email_key = ? WHERE id = ?', [now.getTime(), '', '', leadId])),
    async record(e: ErasureRecord): Promise<number> {
      const r = await sql.get<{ id: number }>('INSERT INTO erasures (at, operator, selector, subject, lead_keys_json, cleared_json) VALUES (?, ?, ?, ?, ?, ?) RETURNING id', [
        e.at.getTime(),
        e.operator,
        e.selector,
        e.subject,
        JSON.stringify(e.leadKeys),
        JSON.stringify(e.cleared),
      ]);
      return Number(r!.id);
    },
    async list(limit = 100): Promise<ErasureRecord[]> {
      const rows = await sql.all<{ at: number; operator: string; selector: ErasureRecord['selector']; subject: string; lead_keys_json: string; cleared_json: string }>('SELECT * FROM erasures ORDER BY id DESC LIMIT ?', [limit]);
      return rows.map((r) => ({
        at: new Date(Number(r.at)),
        operator: r.operator,
        selector: r.selector,
        subject: r.subject,
        leadKeys: JSON.parse(r.lead_keys_json) as string[],
        cleared: JSON.parse(r.cleared_json) as Record<string, number>,
      }));
    },
    /** Leads in one of `stages` since before `before`, whose contact data is still there (retention). */
    closedBefore: async (journeyId: string, stages: readonly string[], before: Date, limit: number): Promise<number[]> =>
      stages.length
        ? (
            await sql.all<{ id: number }>(`SELECT id FROM leads WHERE journey_id = ? AND stage IN (${stages.map(() => '?').join(', ')}) AND stage_entered_at < ? AND erased_at IS NULL ORDER BY id LIMIT ?`, [
              journeyId,
              ...stages,
              before.getTime(),
              limit,
            ])
          ).map((r) => Number(r.id))
        : [],
  };
}
