import type Database from 'better-sqlite3';
import { createExclusive } from '../../lib/exclusive.js';
import { createScopes } from './scopes.js';
import { bindValue, type Params, SQLITE, type Sql } from './sql.js';

type Db = Database.Database;

/**
 * The SQLite executor over one better-sqlite3 connection (prepared statements cached by text). One
 * connection runs one transaction at a time, so transactions in this process take turns, and a call
 * made outside any transaction while one is open waits for it instead of slipping into it; with
 * nothing open, a call runs at once (synchronously, answered by a settled promise). Each transaction
 * is BEGIN IMMEDIATE: it takes the write lock up front, so two processes on one file cannot deadlock
 * on a lock upgrade.
 */
export function sqliteSql(db: Db): Sql & { readonly db: Db } {
  const turn = createExclusive();
  const scopes = createScopes<Db>();
  const statements = new Map<string, Database.Statement>();
  const exec = (conn: Db, sql: string) => void conn.exec(sql);

  function prepare(text: string): Database.Statement {
    let s = statements.get(text);
    if (!s) {
      s = db.prepare(text);
      statements.set(text, s);
    }
    return s;
  }
  function args(p: Params | undefined): unknown[] {
    if (p === undefined) return [];
    if (Array.isArray(p)) return p.map(bindValue);
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p)) o[k] = bindValue(v);
    return [o];
  }
  function call<R>(fn: () => R): Promise<R> {
    if (scopes.current() || !turn.held) {
      try {
        return Promise.resolve(fn());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return turn.run(fn);
  }

  return {
    db,
    dialect: SQLITE,
    all: <T>(text: string, p?: Params) => call(() => prepare(text).all(...args(p)) as T[]),
    get: <T>(text: string, p?: Params) => call(() => prepare(text).get(...args(p)) as T | undefined),
    run: (text: string, p?: Params) => call(() => prepare(text).run(...args(p)).changes),
    exec: (text: string) => call(() => void db.exec(text)),
    transaction<T>(fn: () => T | Promise<T>): Promise<T> {
      const open = scopes.current();
      if (open) return scopes.nested(open, fn, exec);
      return turn.run(() => scopes.top(db, fn, exec, 'BEGIN IMMEDIATE'));
    },
    close: () =>
      turn.run(() => {
        if (db.open) db.close();
      }),
  };
}
