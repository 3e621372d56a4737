/**
 * Apply database migrations without starting the server (the server also applies them at start).
 * Usage: npm run migrate            — uses DATABASE_PATH from the environment / .env defaults
 */
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../src/config.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { openDb } from '../src/store/db.js';

try {
  const config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
  let applied: number[] = [];
  const db = openDb(config.databasePath, { onMigrated: (a) => (applied = a) });
  const version = db.pragma('user_version', { simple: true }) as number;
  db.close();
  process.stdout.write(
    applied.length ? `已应用迁移 Applied migrations: ${applied.join(', ')} → schema version ${version} (${config.databasePath})\n` : `数据库已是最新 Database is up to date: schema version ${version} (${config.databasePath})\n`,
  );
} catch (e) {
  process.stderr.write(`${e instanceof ConfigError ? e.message : e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof ConfigError ? 2 : 1);
}
