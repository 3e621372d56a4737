/**
 * npm run restore -- FILE [--check] [--force]
 * Put a backup (npm run backup) back as the server's database (DATABASE_PATH; in sandbox mode
 * ./data/sandbox.db). Stop the server first. The backup is checked; the database in place is moved
 * aside as <file>.before-restore-<time>, never deleted; migrations bring an older backup up to this
 * version. --check only checks FILE. What happens at the next start: docs/operations.md#backups.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { BackupError, checkDatabaseFile } from '../src/ops/sqlite-backup.js';
import { restoreSqlite } from '../src/ops/sqlite-restore.js';
import { describeStore } from '../src/store/open-store.js';

const out = (s = '') => process.stdout.write(`${s}\n`);
const fail = (s: string, code = 1): never => {
  process.stderr.write(`${s}\n`);
  process.exit(code);
};
const { positionals, values } = parseArgs({ allowPositionals: true, options: { check: { type: 'boolean', default: false }, force: { type: 'boolean', default: false } } });
const [file] = positionals;
if (!file || positionals.length > 1) fail('用法 Usage: npm run restore -- FILE [--check] [--force]', 2);
const backup = resolve(file!);

if (values.check) {
  const c = checkDatabaseFile(backup);
  if (!c.ok) fail(`备份文件不能用 / the backup cannot be used:\n  ${c.problems.join('\n  ')}`);
  out(`备份可用 The backup is good: ${backup}`);
  out(`  线索 leads ${c.leads} · 结构版本 schema ${c.schemaVersion} · ${(c.bytes / 1024 / 1024).toFixed(1)} MB · 完整性检查通过 integrity ok${c.newestLeadAt ? ` · 最新线索 newest lead ${c.newestLeadAt.toISOString()}` : ''}`);
  process.exit(0);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
} catch (e) {
  fail(e instanceof ConfigError ? e.message : String(e), 2);
}
if (config!.databaseUrl) fail('数据库是 PostgreSQL（DATABASE_URL）：请用 pg_restore 恢复 pg_dump 的备份。/ The database is PostgreSQL (DATABASE_URL): restore a pg_dump backup with pg_restore.', 2);
const target = describeStore({ databasePath: config!.databasePath });
if (target === ':memory:') fail('DATABASE_PATH=:memory: 不能恢复到内存数据库 / cannot restore into an in-memory database', 2);

try {
  const r = restoreSqlite(backup, target, { now: new Date(), force: values.force });
  out(`恢复完成 Restored: ${backup} → ${r.target}`);
  if (r.movedAside) out(`  原数据库已移到 The database that was there is now: ${r.movedAside}`);
  out(`  线索 leads ${r.leads} · 结构版本 schema ${r.schemaVersion}${r.migrated.length ? `（已升级 migrated ${r.migrated.join(', ')}）` : ''} · 完整性检查通过 integrity ok`);
  out('然后启动服务：连接真实飞书时，它启动时全量对账多维表格，取回备份之后表格里的修改。/ Then start the server: with a real Feishu app it reconciles the whole Base at start and takes in what changed there since the backup.');
} catch (e) {
  fail(e instanceof BackupError ? e.message : `恢复失败 / restore failed: ${(e as Error).message}`);
}
