import { createExclusive } from '../../lib/exclusive.js';
import { createScopes } from './scopes.js';
import { bindValue, type Params, POSTGRES, type Sql, toNumbered } from './sql.js';

/** What the executor needs of a PostgreSQL connection (`pg`'s client, or PGlite). */
export interface PgConn {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount?: number | null; affectedRows?: number }>;
  /** several statements, no parameters */
  exec(text: string): Promise<void>;
}

/** A source of connections: `pg`'s pool (many, one per transaction) or PGlite (one, shared). */
export interface PgEngine {
  /** one connection only (PGlite): transactions take turns on it, as on SQLite */
  readonly single: boolean;
  /** a connection for a transaction; `release` gives it back */
  connect(): Promise<{ conn: PgConn; release(broken?: boolean): void }>;
  /** a statement outside any transaction */
  query: PgConn['query'];
  end(): Promise<void>;
}

/**
 * The PostgreSQL executor: placeholders numbered (`toNumbered`), a transaction on a connection of its
 * own from the pool (savepoints for nested ones), every other call straight to the pool (on PGlite's
 * single connection, calls outside wait for an open transaction, as on SQLite).
 *
 * Transactions of one process take turns, as on SQLite, so an instance decides one thing at a time
 * and code written against SQLite keeps its meaning. Against other instances they run SERIALIZABLE:
 * PostgreSQL refuses (40001) a transaction that would have read what a concurrent one changed, and the
 * executor runs it again from the start (up to `RETRIES` times). So fn must be safe to run again: it
 * talks only to the database, and what it causes outside goes through the outbox.
 */
export function postgresSql(engine: PgEngine): Sql {
  const turn = createExclusive();
  const scopes = createScopes<PgConn>();
  const numbered = new Map<string, ReturnType<typeof toNumbered>>();
  const exec = (conn: PgConn, sql: string) => conn.query(sql).then(() => undefined);

  function statement(text: string, p: Params | undefined): [string, unknown[]] {
    let n = numbered.get(text);
    if (!n) {
      n = toNumbered(text);
      numbered.set(text, n);
    }
    if (p === undefined) return [n.text, []];
    if (Array.isArray(p)) return [n.text, p.map(bindValue)];
    const o = p as Readonly<Record<string, unknown>>;
    return [n.text, (n.names ?? []).map((k) => bindValue(o[k]))];
  }
  function query(text: string, p: Params | undefined) {
    const [t, values] = statement(text, p);
    const open = scopes.current();
    if (open) return open.conn.query(t, values);
    if (engine.single) return turn.run(() => engine.query(t, values));
    return engine.query(t, values);
  }

  return {
    dialect: POSTGRES,
    all: async <T>(text: string, p?: Params) => (await query(text, p)).rows as T[],
    get: async <T>(text: string, p?: Params) => (await query(text, p)).rows[0] as T | undefined,
    run: async (text: string, p?: Params) => {
      const r = await query(text, p);
      return r.rowCount ?? r.affectedRows ?? 0;
    },
    async exec(text: string): Promise<void> {
      const open = scopes.current();
      if (open) return open.conn.exec(text);
      const go = async () => {
        const { conn, release } = await engine.connect();
        try {
          await conn.exec(text);
        } finally {
          release();
        }
      };
      return engine.single ? turn.run(go) : go();
    },
    transaction<T>(fn: () => T | Promise<T>): Promise<T> {
      const open = scopes.current();
      if (open) return scopes.nested(open, fn, exec);
      const once = async () => {
        const { conn, release } = await engine.connect();
        let broken = false;
        try {
          return await scopes.top(conn, fn, exec, 'BEGIN ISOLATION LEVEL SERIALIZABLE');
        } catch (e) {
          broken = isConnectionError(e);
          throw e;
        } finally {
          release(broken);
        }
      };
      return turn.run(async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await once();
          } catch (e) {
            if (attempt >= RETRIES || !RETRY_CODES.has((e as { code?: string }).code ?? '')) throw e;
            await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
          }
        }
      });
    },
    close: () => engine.end(),
  };
}

/** serialization_failure, deadlock_detected: the transaction is run again */
const RETRY_CODES = new Set(['40001', '40P01']);
const RETRIES = 5;

const isConnectionError = (e: unknown) => e instanceof Error && /Connection terminated|ECONNRESET|EPIPE|not queryable/i.test(e.message);
