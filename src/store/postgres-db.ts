import type { PGlite } from '@electric-sql/pglite';
import { MIGRATIONS, type Migration, migrationsAfter } from './migrations/index.js';
import { postgresDdl } from './migrations/postgres.js';
import { pgliteEngine, pgPoolEngine } from './sql/engines.js';
import { postgresSql } from './sql/postgres.js';
import type { Sql } from './sql/sql.js';

/** Any number taken for this product's advisory locks: the schema migration one. */
const MIGRATION_LOCK = 72_390_001;

export interface OpenPostgresOptions {
  migrations?: readonly Migration[];
  onMigrated?: (applied: number[]) => void;
  /** pool size (a server); PGlite has one connection */
  max?: number;
}

/**
 * Open the PostgreSQL store's database — a server (`postgres://…`, through `pg`'s pool) or an embedded
 * PGlite — and apply pending migrations (the PostgreSQL form of each, migrations/postgres.ts).
 */
export async function openPostgres(target: string | PGlite, o: OpenPostgresOptions = {}): Promise<Sql> {
  const sql = postgresSql(typeof target === 'string' ? pgPoolEngine(target, { max: o.max }) : pgliteEngine(target));
  try {
    const applied = await migratePostgres(sql, o.migrations ?? MIGRATIONS);
    o.onMigrated?.(applied);
  } catch (e) {
    await sql.close();
    throw e;
  }
  return sql;
}

/**
 * Apply every migration newer than the last recorded in `schema_migrations`, each in its own
 * transaction under an advisory lock, so instances starting together migrate once.
 */
export async function migratePostgres(sql: Sql, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await sql.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  const current = () => postgresSchemaVersion(sql);
  const applied: number[] = [];
  for (const m of migrationsAfter(await current(), migrations)) {
    await sql.transaction(async () => {
      await sql.get('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
      if ((await current()) >= m.version) return; // another instance applied it while this one waited
      await sql.exec(m.postgres ?? postgresDdl(m.sql));
      await sql.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
      applied.push(m.version);
    });
  }
  return applied;
}

/** The schema version, for /healthz. */
export async function postgresSchemaVersion(sql: Sql): Promise<number> {
  return (await sql.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations'))?.v ?? 0;
}
