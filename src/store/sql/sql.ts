/**
 * The one seam between the repositories and a database engine: SQL text with `?` (positional) or
 * `@name` (named) placeholders, run by an executor for SQLite (better-sqlite3) or PostgreSQL (`pg`, or
 * PGlite embedded). Repositories write SQL both engines accept and ask the dialect for the few
 * expressions that differ (`Dialect`). See docs/architecture.md#store-storestorets.
 */
export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

export type DialectName = 'sqlite' | 'postgres';

export interface Sql {
  readonly dialect: Dialect;
  all<T>(text: string, params?: Params): Promise<T[]>;
  get<T>(text: string, params?: Params): Promise<T | undefined>;
  /** runs a statement; answers how many rows it changed */
  run(text: string, params?: Params): Promise<number>;
  /** several statements, no parameters (migrations) */
  exec(text: string): Promise<void>;
  /**
   * fn's statements as one transaction; a nested call is a savepoint. Calls made inside fn (through
   * this executor, from the same async context) belong to it; calls from elsewhere do not.
   */
  transaction<T>(fn: () => T | Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** What differs between the engines, as SQL fragments the repositories splice in. */
export interface Dialect {
  readonly name: DialectName;
  /** the aggregate of `expr` (text) over a group joined by `sep` (a text expression), in `order` */
  joinOrdered(expr: string, sep: string, order: string): string;
  /** the character with this code, as a text expression (separators that no stage id or kind holds) */
  char(code: number): string;
  /** the text at `key` of a JSON object stored as TEXT in `column` */
  jsonText(column: string, key: string): string;
  /** true when the JSON value at `key` is the boolean true */
  jsonTrue(column: string, key: string): string;
  /** `column` merged with the JSON object text bound at `param` (top-level keys replaced) */
  jsonMerge(column: string, param: string): string;
  /** the larger of two values */
  greatest(a: string, b: string): string;
  /** appended to a SELECT that claims rows: other instances skip what this one locked */
  readonly skipLocked: string;
}

export const SQLITE: Dialect = {
  name: 'sqlite',
  joinOrdered: (e, sep, order) => `group_concat(${e}, ${sep} ORDER BY ${order})`,
  char: (n) => `char(${n})`,
  jsonText: (c, k) => `json_extract(${c}, '$.${k}')`,
  jsonTrue: (c, k) => `json_extract(${c}, '$.${k}') = 1`,
  jsonMerge: (c, p) => `json_patch(COALESCE(${c}, '{}'), ${p})`,
  greatest: (a, b) => `MAX(${a}, ${b})`,
  skipLocked: '',
};

export const POSTGRES: Dialect = {
  name: 'postgres',
  joinOrdered: (e, sep, order) => `string_agg(${e}, ${sep} ORDER BY ${order})`,
  char: (n) => `chr(${n})`,
  jsonText: (c, k) => `(${c}::jsonb ->> '${k}')`,
  jsonTrue: (c, k) => `(${c}::jsonb -> '${k}') = 'true'::jsonb`,
  jsonMerge: (c, p) => `(COALESCE(${c}, '{}')::jsonb || (${p})::jsonb)::text`,
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  skipLocked: 'FOR UPDATE SKIP LOCKED',
};

/** `items` in slices of at most `size` (set-based statements keep under the engines' parameter limits). */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** `?, ?, ?` for a list of n values (an IN list both engines read). */
export const placeholders = (n: number): string => (n ? Array.from({ length: n }, () => '?').join(', ') : 'NULL');

/**
 * PostgreSQL numbers its placeholders: `?` becomes `$1, $2 …` in order and each `@name` one `$n` (the
 * same name, the same number). Quoted text and identifiers are left alone. Cached per text.
 */
export function toNumbered(text: string): { text: string; names: string[] | undefined } {
  let out = '';
  let n = 0;
  const names: string[] = [];
  let named = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop + 1);
      i = stop;
    } else if (ch === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else if (ch === '@' && /[A-Za-z_]/.test(text[i + 1] ?? '')) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))!;
      named = true;
      let at = names.indexOf(m[0]);
      if (at < 0) at = names.push(m[0]) - 1;
      out += `$${at + 1}`;
      i += m[0].length;
    } else out += ch;
  }
  if (named && n) throw new Error(`SQL mixes ? and @name placeholders: ${text.slice(0, 80)}`);
  return { text: out, names: named ? names : undefined };
}

/** Values as both drivers bind them: undefined → null, booleans → 0/1, dates → epoch ms. */
export function bindValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.getTime();
  return v;
}
