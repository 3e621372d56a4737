/**
 * Apply database migrations without starting the server (the server also applies them at start), on
 * the database the configuration chooses: SQLite (DATABASE_PATH) or PostgreSQL (DATABASE_URL).
 * Usage: npm run migrate
 */
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../src/config.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { describeStore, openStore } from '../src/store/open-store.js';

try {
  const config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
  const choice = { databasePath: config.databasePath, databaseUrl: config.databaseUrl };
  let applied: number[] = [];
  const store = await openStore(choice, { onMigrated: (a) => (applied = a) });
  const health = await store.ping();
  await store.close();
  const version = health.ok ? health.schemaVersion : '?';
  const where = `${describeStore(choice)}, ${store.dialect}`;
  process.stdout.write(applied.length ? `已应用迁移 Applied migrations: ${applied.join(', ')} → schema version ${version} (${where})\n` : `数据库已是最新 Database is up to date: schema version ${version} (${where})\n`);
} catch (e) {
  process.stderr.write(`${e instanceof ConfigError ? e.message : e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof ConfigError ? 2 : 1);
}
