import type { LeadHistory } from './history.js';

/**
 * Every lead's stage history in columns (a struct of arrays): what the metrics read. A report over
 * 100,000 leads and a million stage entries reads each entry a few times; as typed arrays that costs
 * milliseconds, where a million objects with a Date each cost seconds and a gigabyte (npm run
 * bench:report). Read-only once built.
 *
 * Lead i came in at `createdAt[i]` from `source[i]`; its entries into stages are `[start[i], end[i])` of
 * the entry columns, in order of time (equal times keep the order they were written in). Entry k is a
 * stay in stage `stageIds[stage[k]]` from `at[k]` until the next entry of the lead (none: it is still
 * there).
 */
export interface Histories {
  /** how many leads */
  readonly size: number;
  /** per lead */
  readonly id: Float64Array;
  readonly createdAt: Float64Array;
  /** 来源渠道 (null: not known) */
  readonly source: ReadonlyArray<string | null>;
  readonly start: Uint32Array;
  readonly end: Uint32Array;
  /** stage code → stage id (the codes of `stage`) */
  readonly stageIds: readonly string[];
  /** per entry: the stage entered (a code) and when (ms) */
  readonly stage: Uint16Array;
  readonly at: Float64Array;
}

/**
 * Where each stage code stands in `list` (the main path, say): `codes[stage[k]]` is the index of entry
 * k's stage in `list`, or -1.
 */
export function indexByCode(h: Histories, list: readonly string[]): Int32Array {
  return Int32Array.from(h.stageIds, (id) => list.indexOf(id));
}

/** The code of a stage id in these histories (-1: no entry ever went there). */
export const codeOf = (h: Histories, stageId: string | undefined): number => (stageId === undefined ? -1 : h.stageIds.indexOf(stageId));

/** Lead i's entries as [stage id, ms] pairs, in order of time (one lead read out: tests, a look by hand). */
export function entriesOf(h: Histories, i: number): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let k = h.start[i]!; k < h.end[i]!; k++) out.push([h.stageIds[h.stage[k]!]!, h.at[k]!]);
  return out;
}

/** The leads for which `keep(i)` holds, as histories of their own (the entry columns are shared, not copied). */
export function subset(h: Histories, keep: (i: number) => boolean): Histories {
  const picked: number[] = [];
  for (let i = 0; i < h.size; i++) if (keep(i)) picked.push(i);
  return {
    size: picked.length,
    id: Float64Array.from(picked, (i) => h.id[i]!),
    createdAt: Float64Array.from(picked, (i) => h.createdAt[i]!),
    source: picked.map((i) => h.source[i] ?? null),
    start: Uint32Array.from(picked, (i) => h.start[i]!),
    end: Uint32Array.from(picked, (i) => h.end[i]!),
    stageIds: h.stageIds,
    stage: h.stage,
    at: h.at,
  };
}

/**
 * Builds histories lead by lead: `lead(…)`, then its `entry(…)`s, then the next lead. Entries given out
 * of time order are put in order (stably) when the lead is done.
 */
export class HistoryBuilder {
  private readonly codes = new Map<string, number>();
  private readonly stageIds: string[] = [];
  private readonly ids: number[] = [];
  private readonly created: number[] = [];
  private readonly sources: Array<string | null> = [];
  private readonly starts: number[] = [];
  private stages = new Uint16Array(1024);
  private ats = new Float64Array(1024);
  private n = 0;

  lead(id: number, createdAt: number, source: string | null): void {
    this.close();
    this.ids.push(id);
    this.created.push(createdAt);
    this.sources.push(source);
    this.starts.push(this.n);
  }

  /** An entry of the current lead into `stageId` at `at` (ms). */
  entry(stageId: string, at: number): void {
    this.push(this.codeOf(stageId), at);
  }

  /**
   * The same, the stage id being `text` from `start` to `end` (a packed history read in place): known
   * ids are matched where they lie, so no string is cut out for them.
   */
  entryIn(text: string, start: number, end: number, at: number): void {
    const ids = this.stageIds;
    let code = -1;
    for (let c = 0; c < ids.length && code < 0; c++) if (ids[c]!.length === end - start && text.startsWith(ids[c]!, start)) code = c;
    this.push(code >= 0 ? code : this.codeOf(text.slice(start, end)), at);
  }

  private codeOf(stageId: string): number {
    let code = this.codes.get(stageId);
    if (code === undefined) {
      code = this.stageIds.push(stageId) - 1;
      if (code > 0xffff) throw new Error('more than 65,536 distinct stages in a history');
      this.codes.set(stageId, code);
    }
    return code;
  }

  private push(code: number, at: number): void {
    if (this.n === this.ats.length) {
      const stages = new Uint16Array(this.n * 2);
      stages.set(this.stages);
      this.stages = stages;
      const ats = new Float64Array(this.n * 2);
      ats.set(this.ats);
      this.ats = ats;
    }
    this.stages[this.n] = code;
    this.ats[this.n++] = at;
  }

  build(): Histories {
    this.close();
    const size = this.ids.length;
    const start = Uint32Array.from(this.starts);
    const end = new Uint32Array(size);
    for (let i = 0; i < size; i++) end[i] = i + 1 < size ? start[i + 1]! : this.n;
    return {
      size,
      id: Float64Array.from(this.ids),
      createdAt: Float64Array.from(this.created),
      source: this.sources,
      start,
      end,
      stageIds: this.stageIds,
      stage: this.stages.slice(0, this.n),
      at: this.ats.slice(0, this.n),
    };
  }

  /** Puts the current lead's entries in time order, stably (they nearly always come in order). */
  private close(): void {
    const from = this.starts.at(-1);
    if (from === undefined) return;
    let inOrder = true;
    for (let k = from + 1; k < this.n && inOrder; k++) inOrder = this.ats[k - 1]! <= this.ats[k]!;
    if (inOrder) return;
    const order = Array.from({ length: this.n - from }, (_, j) => from + j).sort((a, b) => this.ats[a]! - this.ats[b]! || a - b);
    const stages = order.map((k) => this.stages[k]!);
    const ats = order.map((k) => this.ats[k]!);
    this.stages.set(stages, from);
    this.ats.set(ats, from);
  }
}

/** Histories from leads given one by one (tests, made-up data). */
export function historiesOf(leads: readonly LeadHistory[]): Histories {
  const b = new HistoryBuilder();
  for (const l of leads) {
    b.lead(l.id, l.createdAt.getTime(), l.source);
    for (const t of l.transitions) b.entry(t.to, t.at.getTime());
  }
  return b.build();
}
