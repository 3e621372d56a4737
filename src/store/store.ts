import { createActivitiesRepo } from './activities-repo.js';
import { createAssignmentsRepo } from './assignments-repo.js';
import { createBitableOutboxRepo } from './bitable-outbox-repo.js';
import { createCardsRepo } from './cards-repo.js';
import { createEscalationsRepo } from './escalations-repo.js';
import { createCursorsRepo } from './cursors-repo.js';
import type { Db } from './db.js';
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

export type Store = ReturnType<typeof createStore>;

/** Every repository over one database, plus `tx` to make a decision and its side effects atomic. */
export function createStore(db: Db) {
  return {
    db,
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
    /** Run fn in one IMMEDIATE transaction (takes the write lock up front, so no upgrade deadlocks). */
    tx<T>(fn: () => T): T {
      return db.transaction(fn).immediate();
    },
  };
}
