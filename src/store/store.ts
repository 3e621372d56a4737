import type { PGlite } from '@electric-sql/pglite';
import { createActivitiesRepo } from './activities-repo.js';
import { createAssignmentsRepo } from './assignments-repo.js';
import { createBitableOutboxRepo } from './bitable-outbox-repo.js';
import { createCardsRepo } from './cards-repo.js';
import { createCursorsRepo } from './cursors-repo.js';
import { type Db, pingDb } from './db.js';
import { createEscalationsRepo } from './escalations-repo.js';
import { createInboundEventsRepo } from './inbound-events-repo.js';
import { createInboxRepo } from './inbox-repo.js';
import { createIntakeRepo } from './intake-repo.js';
import { createLeadsRepo } from './leads-repo.js';
import { createLeasesRepo } from './leases-repo.js';
import { createMetricsRepo } from './metrics-repo.js';
import { createPeopleRepo } from './people-repo.js';
import { createPrivacyRepo } from './privacy-repo.js';
import { createOutboxRepo } from './outbox-repo.js';
import { createOwnerQueueRepo } from './owner-queue-repo.js';
import { type OpenPostgresOptions, openPostgres, postgresSchemaVersion } from './postgres-db.js';
import { createRoutingRepo } from './routing-repo.js';
import { createScoreLedgerRepo } from './score-ledger-repo.js';
import { sqliteSql } from './sql/sqlite.js';
import type { DialectName, Sql } from './sql/sql.js';
import { createTimersRepo } from './timers-repo.js';
import { createTransitionsRepo } from './transitions-repo.js';
import { createUnknownUsersRepo } from './unknown-users-repo.js';
import { createWebhookSubscribersRepo } from './webhook-subscribers-repo.js';

/** Every repository over one database, each written once for both engines (sql/sql.ts). */
function createRepos(sql: Sql) {
  return {
    leads: createLeadsRepo(sql),
    transitions: createTransitionsRepo(sql),
    scores: createScoreLedgerRepo(sql),
    /** chat messages to send (cards, notices) and outbound webhooks: kinds im.* and webhook.* */
    messages: createOutboxRepo(sql),
    /** table writes to send (row creates and field updates), with the batches and what was written */
    tableWrites: createBitableOutboxRepo(sql),
    /** event ids already taken in (dedupe of at-least-once deliveries) */
    seenEvents: createInboxRepo(sql),
    /** verified events waiting to be handled (and handled ones, for a while) */
    eventQueue: createInboundEventsRepo(sql),
    timers: createTimersRepo(sql),
    cursors: createCursorsRepo(sql),
    cards: createCardsRepo(sql),
    assignments: createAssignmentsRepo(sql),
    escalations: createEscalationsRepo(sql),
    activities: createActivitiesRepo(sql),
    intake: createIntakeRepo(sql),
    routing: createRoutingRepo(sql),
    ownerQueue: createOwnerQueueRepo(sql),
    unknownUsers: createUnknownUsersRepo(sql),
    /** work only one instance may do at a time (lib/lease.ts) */
    leases: createLeasesRepo(sql),
    /** systems told about lead events through signed webhooks (usecases/lead-events.ts) */
    webhookSubscribers: createWebhookSubscribersRepo(sql),
    /** what the numbers are computed from (reads only) */
    metrics: createMetricsRepo(sql),
    /** people's names as 销售团队 last said (for the report) */
    people: createPeopleRepo(sql),
    /** a person's contact data taken out everywhere it was copied, and the audit of erasures */
    privacy: createPrivacyRepo(sql),
  };
}

type Repos = ReturnType<typeof createRepos>;
type Health = { ok: true; schemaVersion: number } | { ok: false; error: string };

/**
 * The store port: the repositories and a unit of work. Every call answers a promise, so an adapter may
 * talk to a database over the network; `transaction(fn)` runs fn's reads and writes as one atomic
 * decision (a nested call is a savepoint: it undoes only itself when it throws). Inside fn, calls on
 * the store (or on the `tx` it is given, the same object) belong to that transaction.
 */
export type Store = Repos & {
  readonly dialect: DialectName;
  transaction<T>(fn: (tx: Store) => T | Promise<T>): Promise<T>;
  /** a cheap liveness probe for /healthz */
  ping(): Promise<Health>;
  close(): Promise<void>;
};

/** The SQLite store, with its connection for SQLite-only tooling, and its executor (tests that inspect tables). */
export type SqliteStore = Store & { readonly db: Db; readonly sql: Sql };

function storeOver(sql: Sql, ping: () => Promise<Health>): Store {
  const store: Store = {
    ...createRepos(sql),
    dialect: sql.dialect.name,
    transaction: (fn) => sql.transaction(() => fn(store)),
    ping,
    close: () => sql.close(),
  };
  return store;
}

/**
 * The SQLite store over a database `openDb` opened (migrated, durability checked): the default, one
 * file, no server (docs/architecture.md#store-storestorets).
 */
export function createStore(db: Db): SqliteStore {
  const sql = sqliteSql(db);
  return { ...storeOver(sql, async () => pingDb(db)), db, sql };
}

/** The PostgreSQL store, with its executor for PostgreSQL-only tooling (migrate, tests). */
export type PostgresStore = Store & { readonly sql: Sql };

/** The PostgreSQL store: a server (`postgres://…`) or an embedded PGlite; migrated on open. */
export async function createPostgresStore(target: string | PGlite, o: OpenPostgresOptions = {}): Promise<PostgresStore> {
  const sql = await openPostgres(target, o);
  const store = storeOver(sql, async () => {
    try {
      return { ok: true, schemaVersion: await postgresSchemaVersion(sql) };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  });
  return { ...store, sql };
}
