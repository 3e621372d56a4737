/**
 * Apply database migrations without starting the server (the server also applies them at start), on
 * the database the configuration chooses: SQLite (DATABASE_PATH) or PostgreSQL (DATABASE_URL).
 * Usage: npm run migrate
 *        npm run migrate -- --from sqlite:./data/lead-journey.db --to postgres://user:pw@host/db
 *          moves a SQLite store into PostgreSQL (resumable: run it again after an interruption), then
 *          counts every table on both sides. Stop the server first.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, isPostgresUrl, loadConfig } from '../src/config.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { Secret } from '../src/lib/secret.js';
import { copySqliteToPostgres } from '../src/store/copy-store.js';
import { openDb } from '../src/store/db.js';
import { describeStore, openStore } from '../src/store/open-store.js';
import { openPostgres } from '../src/store/postgres-db.js';

const out = (s: string) => process.stdout.write(`${s}\n`);
const fail = (s: string, code = 2): never => {
  process.stderr.write(`${s}\n`);
  process.exit(code);
};

const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });

try {
  if (values.from || values.to) await move(values.from, values.to);
  else await migrate();
} catch (e) {
  fail(e instanceof ConfigError ? e.message : e instanceof Error ? e.message : String(e), e instanceof ConfigError ? 2 : 1);
}

async function migrate(): Promise<void> {
  const config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
  const choice = { databasePath: config.databasePath, databaseUrl: config.databaseUrl };
  let applied: number[] = [];
  const store = await openStore(choice, { onMigrated: (a) => (applied = a) });
  const health = await store.ping();
  await store.close();
  const version = health.ok ? health.schemaVersion : '?';
  const where = `${describeStore(choice)}, ${store.dialect}`;
  out(applied.length ? `已应用迁移 Applied migrations: ${applied.join(', ')} → schema version ${version} (${where})` : `数据库已是最新 Database is up to date: schema version ${version} (${where})`);
}

async function move(from: string | undefined, to: string | undefined): Promise<void> {
  const usage = '用法 Usage: npm run migrate -- --from sqlite:./data/lead-journey.db --to postgres://user:password@host:5432/db';
  if (!from?.startsWith('sqlite:') || !to || !isPostgresUrl(to)) fail(usage);
  const path = from!.slice('sqlite:'.length);
  if (!existsSync(path)) fail(`没有这个 SQLite 文件 No SQLite file at ${path}`);
  const source = openDb(path);
  const target = await openPostgres(to!);
  const where = describeStore({ databasePath: '', databaseUrl: new Secret(to!) });
  out(`从 From ${path} → 到 To ${where}`);
  const report = await copySqliteToPostgres({
    from: source,
    to: target,
    onProgress: (p) => {
      if (p.copied === p.total || p.copied % 10_000 === 0) out(`  ${p.table.padEnd(18)} ${p.copied}/${p.total}`);
    },
  });
  source.close();
  await target.close();
  out('\n核对行数 Row counts (SQLite → PostgreSQL):');
  for (const t of report.tables) out(`  ${t.source === t.target ? '✓' : '✗'} ${t.table.padEnd(18)} ${t.source} → ${t.target}`);
  if (!report.ok) fail('有表的行数不一致：再运行一次本命令以继续；仍不一致请检查目标库是否已有其他数据。/ Some counts differ: run the command again to resume; if they still differ, the target held other data.', 1);
  out(`完成：把 DATABASE_URL 设为目标库后启动服务。/ Done: set DATABASE_URL to the target and start the server.`);
}
