/**
 * npm run backup -- FILE [--force]
 * An online, consistent copy of the server's SQLite database (DATABASE_PATH; in sandbox mode
 * ./data/sandbox.db) while the server runs: checked, then written to FILE. How often and where:
 * docs/operations.md#backups. The way back: npm run restore -- FILE.
 * With DATABASE_URL (PostgreSQL) it says to use pg_dump instead.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { ConfigError, loadConfig } from '../src/config.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { BackupError, backupSqlite } from '../src/ops/sqlite-backup.js';
import { describeStore } from '../src/store/open-store.js';

const out = (s = '') => process.stdout.write(`${s}\n`);
const fail = (s: string, code = 1): never => {
  process.stderr.write(`${s}\n`);
  process.exit(code);
};
const { positionals, values } = parseArgs({ allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
const [file] = positionals;
if (!file || positionals.length > 1) fail('用法 Usage: npm run backup -- FILE [--force]\n例如 e.g.: npm run backup -- backups/leads-$(date +%F).db', 2);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
} catch (e) {
  fail(e instanceof ConfigError ? e.message : String(e), 2);
}
if (config!.databaseUrl)
  fail(
    '数据库是 PostgreSQL（DATABASE_URL）：请用 pg_dump 备份，例如 pg_dump --format=custom --file=leads.dump "$DATABASE_URL"；恢复用 pg_restore。/ The database is PostgreSQL (DATABASE_URL): back it up with pg_dump, e.g. pg_dump --format=custom --file=leads.dump "$DATABASE_URL"; restore with pg_restore.',
    2,
  );
const source = describeStore({ databasePath: config!.databasePath });
if (source === ':memory:') fail('DATABASE_PATH=:memory: 没有可备份的文件 / an in-memory database has no file to back up', 2);

const tty = Boolean(process.stderr.isTTY);
const bar = new cliProgress.SingleBar({ format: '备份 Backing up [{bar}] {percentage}% · {value}/{total} 页 pages', stream: process.stderr, noTTYOutput: !tty, notTTYSchedule: 5000, hideCursor: tty }, cliProgress.Presets.shades_classic);
let started = false;
try {
  const r = await backupSqlite(source, resolve(file!), {
    overwrite: values.force,
    onProgress: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done);
    },
  });
  if (started) {
    bar.update(bar.getTotal());
    bar.stop();
  }
  out(`备份完成 Backup done: ${r.file}`);
  out(`  线索 leads ${r.leads} · 结构版本 schema ${r.schemaVersion} · ${(r.bytes / 1024 / 1024).toFixed(1)} MB · ${r.ms} ms${r.restarts ? ` · 因写入重新开始 restarted for writes ${r.restarts}` : ''} · 完整性检查通过 integrity ok`);
  if (r.newestLeadAt) out(`  最新线索 newest lead: ${r.newestLeadAt.toISOString()}`);
  out(`恢复 To restore: 停止服务后 stop the server, then npm run restore -- ${file}`);
} catch (e) {
  if (started) bar.stop();
  fail(e instanceof BackupError ? e.message : `备份失败 / backup failed: ${(e as Error).message}`);
}
