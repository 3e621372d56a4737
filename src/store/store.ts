import { AsyncLocalStorage } from 'node:async_hooks';
import { createExclusive, type Exclusive } from '../lib/exclusive.js';
import { createActivitiesRepo } from './activities-repo.js';
import { createAssignmentsRepo } from './assignments-repo.js';
import { createBitableOutboxRepo } from './bitable-outbox-repo.js';
import { createCardsRepo } from './cards-repo.js';
import { createCursorsRepo } from './cursors-repo.js';
import { type Db, pingDb } from './db.js';
import { createEscalationsRepo } from './escalations-repo.js';
import { createInboundEventsRepo } from './inbound-events-repo.js';
import { createInboxRepo } from './inbox-repo.js';
import { createLeadsRepo } from './leads-repo.js';
import { createOutboxRepo } from './outbox-repo.js';
import { createOwnerQueueRepo } from './owner-queue-repo.js';
import { createRoutingRepo } from './routing-repo.js';
import { createScoreLedgerRepo } from './score-ledger-repo.js';
import { createTimersRepo } from './timers-repo.js';
import { createTransitionsRepo } from './transitions-repo.js';
import { createUnknownUsersRepo } from './unknown-users-repo.js';

/** Every repository over one SQLite database, synchronous (better-sqlite3); wrapped by `createStore`. */
function createRepos(db: Db) {
  return {
    leads: createLeadsRepo(db),
    transitions: createTransitionsRepo(db),
    scores: createScoreLedgerRepo(db),
    /** chat messages to send (cards, notices) and outbound webhooks: kinds im.* and webhook.* */
    messages: createOutboxRepo(db),
    /** table writes to send (row creates and field updates), with the batches and what was written */
    tableWrites: createBitableOutboxRepo(db),
    /** event ids already taken in (dedupe of at-least-once deliveries) */
    seenEvents: createInboxRepo(db),
    /** verified events waiting to be handled (and handled ones, for a while) */
    eventQueue: createInboundEventsRepo(db),
    timers: createTimersRepo(db),
    cursors: createCursorsRepo(db),
    cards: createCardsRepo(db),
    assignments: createAssignmentsRepo(db),
    escalations: createEscalationsRepo(db),
    activities: createActivitiesRepo(db),
    routing: createRoutingRepo(db),
    ownerQueue: createOwnerQueueRepo(db),
    unknownUsers: createUnknownUsersRepo(db),
  };
}

type Repos = ReturnType<typeof createRepos>;
/** A repository as the use cases see it: every method answers a promise. */
export type AsyncRepo<T> = { [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : T[K] };

/**
 * The store port: the repositories and a unit of work. Every call answers a promise, so an adapter may
 * talk to a database over the network; `transaction(fn)` runs fn's reads and writes as one atomic
 * decision (a nested call is a savepoint: it undoes only itself when it throws). Inside fn, calls on
 * the store (or on the `tx` it is given, the same object) belong to that transaction.
 */
export type Store = { readonly [K in keyof Repos]: AsyncRepo<Repos[K]> } & {
  readonly dialect: 'sqlite';
  transaction<T>(fn: (tx: Store) => T | Promise<T>): Promise<T>;
  /** a cheap liveness probe for /healthz */
  ping(): Promise<{ ok: true; schemaVersion: number } | { ok: false; error: string }>;
  close(): Promise<void>;
};

/** The SQLite store, with its connection for SQLite-only tooling (scripts, tests that inspect tables). */
export type SqliteStore = Store & { readonly db: Db };

interface Scope {
  open: boolean;
  depth: number;
  /** nested transactions inside this one take turns */
  nested: Exclusive;
}

/**
 * The SQLite adapter of the store port over better-sqlite3 (docs/architecture.md#store-storestorets). One connection
 * runs one transaction at a time, so transactions in this process take turns (`createExclusive`), and a
 * call outside any transaction waits while one is open instead of slipping into it; with nothing open,
 * a call runs at once (synchronously, answered by a settled promise). Which transaction a call belongs
 * to follows the async context (AsyncLocalStorage), so code inside `transaction` needs no handle passed
 * down. A transaction is BEGIN IMMEDIATE: it takes the write lock up front, so there is no upgrade
 * deadlock with another process on the same file.
 */
export function createStore(db: Db): SqliteStore {
  const repos = createRepos(db);
  const turn = createExclusive();
  const scopes = new AsyncLocalStorage<Scope>();

  function call<R>(fn: () => R): Promise<R> {
    const scope = scopes.getStore();
    if (scope?.open || !turn.held) {
      try {
        return Promise.resolve(fn());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return turn.run(fn);
  }

  async function within<T>(depth: number, fn: (tx: Store) => T | Promise<T>, begin: string, commit: string[], rollback: string[]): Promise<T> {
    db.exec(begin);
    const scope: Scope = { open: true, depth, nested: createExclusive() };
    try {
      const result = await scopes.run(scope, () => fn(store));
      scope.open = false;
      for (const sql of commit) db.exec(sql);
      return result;
    } catch (e) {
      scope.open = false;
      if (db.inTransaction) for (const sql of rollback) db.exec(sql);
      throw e;
    }
  }

  const wrapped = Object.fromEntries(
    Object.entries(repos).map(([name, repo]) => [name, Object.fromEntries(Object.entries(repo).map(([k, v]) => [k, typeof v === 'function' ? (...a: unknown[]) => call(() => (v as (...x: unknown[]) => unknown).apply(repo, a)) : v]))]),
  ) as { [K in keyof Repos]: AsyncRepo<Repos[K]> };

  const store: SqliteStore = {
    ...wrapped,
    db,
    dialect: 'sqlite',
    transaction<T>(fn: (tx: Store) => T | Promise<T>): Promise<T> {
      const scope = scopes.getStore();
      if (scope?.open) {
        const sp = `lj_sp_${scope.depth + 1}`;
        return scope.nested.run(() => within(scope.depth + 1, fn, `SAVEPOINT ${sp}`, [`RELEASE ${sp}`], [`ROLLBACK TO ${sp}`, `RELEASE ${sp}`]));
      }
      return turn.run(() => within(0, fn, 'BEGIN IMMEDIATE', ['COMMIT'], ['ROLLBACK']));
    },
    ping: () => call(() => pingDb(db)),
    close: () =>
      turn.run(() => {
        if (db.open) db.close();
      }),
  };
  return store;
}
