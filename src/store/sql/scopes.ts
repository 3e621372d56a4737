import { AsyncLocalStorage } from 'node:async_hooks';
import { createExclusive, type Exclusive } from '../../lib/exclusive.js';

export interface Scope<C> {
  open: boolean;
  depth: number;
  /** the connection the transaction runs on */
  conn: C;
  /** nested transactions (savepoints) inside this one take turns */
  nested: Exclusive;
}

type Step<C> = (conn: C, sql: string) => void | Promise<void>;

/**
 * Which transaction a call belongs to, following the async context: `within` runs fn between its
 * begin and commit (or rollback) statements with a scope that calls made inside fn find through
 * `current()`. A scope closes when its transaction ends, so work it started that outlives it (a timer,
 * a kick) runs on its own. Shared by the SQLite and PostgreSQL executors.
 */
export function createScopes<C>() {
  const als = new AsyncLocalStorage<Scope<C>>();

  async function within<T>(conn: C, depth: number, fn: () => T | Promise<T>, exec: Step<C>, sql: { begin: string; commit: string[]; rollback: string[] }): Promise<T> {
    await exec(conn, sql.begin);
    const scope: Scope<C> = { open: true, depth, conn, nested: createExclusive() };
    try {
      const result = await als.run(scope, fn);
      scope.open = false;
      for (const s of sql.commit) await exec(conn, s);
      return result;
    } catch (e) {
      scope.open = false;
      try {
        for (const s of sql.rollback) await exec(conn, s);
      } catch {
        // the connection is gone or the transaction already ended (e.g. a failed COMMIT): the cause is e
      }
      throw e;
    }
  }

  return {
    /** the open transaction this call runs in, if any */
    current(): Scope<C> | undefined {
      const s = als.getStore();
      return s?.open ? s : undefined;
    },
    /** a top-level transaction on conn */
    top<T>(conn: C, fn: () => T | Promise<T>, exec: Step<C>, begin: string): Promise<T> {
      return within(conn, 0, fn, exec, { begin, commit: ['COMMIT'], rollback: ['ROLLBACK'] });
    },
    /** a savepoint inside the open transaction `parent` */
    nested<T>(parent: Scope<C>, fn: () => T | Promise<T>, exec: Step<C>): Promise<T> {
      const sp = `lj_sp_${parent.depth + 1}`;
      return parent.nested.run(() => within(parent.conn, parent.depth + 1, fn, exec, { begin: `SAVEPOINT ${sp}`, commit: [`RELEASE SAVEPOINT ${sp}`], rollback: [`ROLLBACK TO SAVEPOINT ${sp}`, `RELEASE SAVEPOINT ${sp}`] }));
    },
  };
}
