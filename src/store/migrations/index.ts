import { sql as init } from './001-init.js';
import { sql as bitableWriter } from './002-bitable-writer.js';
import { sql as inboundEvents, postgres as inboundEventsPostgres } from './003-inbound-events.js';
import { sql as leadDeleted } from './004-lead-deleted.js';
import { sql as syncCursors } from './005-sync-cursors.js';
import { sql as cardsAssignments } from './006-cards-assignments.js';
import { sql as escalations } from './007-escalations.js';
import { sql as engine, postgres as enginePostgres } from './008-engine.js';
import { sql as ownerQueue } from './009-owner-queue.js';
import { sql as unknownUsers } from './010-unknown-users.js';
import { sql as leases } from './011-leases.js';
import { sql as poolCards, postgres as poolCardsPostgres } from './012-pool-cards.js';
import { sql as phoneKey } from './013-phone-key.js';
import { sql as intake } from './014-intake.js';
import { sql as lookups, postgres as lookupsPostgres } from './015-lookups.js';
import { sql as webhookSubscribers } from './016-webhook-subscribers.js';
import { sql as people } from './017-people.js';
import { sql as historyPack, postgres as historyPackPostgres } from './018-history-pack.js';
import { sql as leadSource, postgres as leadSourcePostgres } from './019-lead-source.js';
import { sql as erasures } from './020-erasures.js';

/**
 * Numbered migrations, applied in order at start, one source for both engines: SQLite keeps the last
 * one applied in `PRAGMA user_version`, PostgreSQL in `schema_migrations`. Append only: never edit a
 * migration that has shipped.
 */
export interface Migration {
  version: number;
  name: string;
  /** the SQLite text (what shipped; never edited) */
  sql: string;
  /** the PostgreSQL text where it cannot be derived from `sql` (postgres.ts#postgresDdl) */
  postgres?: string;
  /**
   * SQLite only: run with foreign keys off (a table rebuilt, https://www.sqlite.org/lang_altertable.html#otheralter);
   * `foreign_key_check` must find nothing before it commits
   */
  rebuildsTables?: true;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'bitable-writer', sql: bitableWriter },
  { version: 3, name: 'inbound-events', sql: inboundEvents, postgres: inboundEventsPostgres },
  { version: 4, name: 'lead-deleted', sql: leadDeleted },
  { version: 5, name: 'sync-cursors', sql: syncCursors },
  { version: 6, name: 'cards-assignments', sql: cardsAssignments },
  { version: 7, name: 'escalations', sql: escalations },
  { version: 8, name: 'engine', sql: engine, postgres: enginePostgres },
  { version: 9, name: 'owner-queue', sql: ownerQueue },
  { version: 10, name: 'unknown-users', sql: unknownUsers },
  { version: 11, name: 'leases', sql: leases },
  { version: 12, name: 'pool-cards', sql: poolCards, postgres: poolCardsPostgres, rebuildsTables: true },
  { version: 13, name: 'phone-key', sql: phoneKey },
  { version: 14, name: 'intake', sql: intake },
  { version: 15, name: 'lookups', sql: lookups, postgres: lookupsPostgres },
  { version: 16, name: 'webhook-subscribers', sql: webhookSubscribers },
  { version: 17, name: 'people', sql: people },
  { version: 18, name: 'history-pack', sql: historyPack, postgres: historyPackPostgres },
  { version: 19, name: 'lead-source', sql: leadSource, postgres: leadSourcePostgres },
  { version: 20, name: 'erasures', sql: erasures },
];

/**
 * The migrations to apply to a database at schema version `current`, in order. Throws when the list is
 * not numbered 1, 2, 3 … or the database is newer than this build.
 */
export function migrationsAfter(current: number, migrations: readonly Migration[] = MIGRATIONS): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name}: expected version ${i + 1}, got ${m.version}`);
  });
  const latest = sorted.at(-1)?.version ?? 0;
  if (current > latest) throw new Error(`database schema version ${current} is newer than this build knows (${latest}); upgrade Lead Journey`);
  return sorted.filter((m) => m.version > current);
}
