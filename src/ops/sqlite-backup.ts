import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS } from '../store/db.js';
import { MIGRATIONS } from '../store/migrations/index.js';

/**
 * Online backups of the SQLite database (docs/operations.md#backups) with SQLite's backup API through
 * better-sqlite3, while the server runs: the copy is of one moment (pages a writer changes mid-copy make
 * SQLite start the copy again; after three such restarts the rest is copied in one step, which a WAL
 * database lets writers continue through). The copy is written beside the target, checked
 * (`PRAGMA integrity_check`, a Lead Journey schema), made a single file (journal_mode=DELETE), flushed
 * to disk and only then renamed into place, so a backup file that exists is a whole one.
 */
export interface DatabaseCheck {
  ok: boolean;
  /** what is wrong, in both languages; empty when ok */
  problems: string[];
  schemaVersion: number;
  leads: number;
  /** the newest lead's creation time, if any */
  newestLeadAt: Date | undefined;
  bytes: number;
}

export interface BackupResult extends DatabaseCheck {
  file: string;
  ms: number;
  /** times SQLite started the copy again because a writer changed pages it had copied */
  restarts: number;
}

export class BackupError extends Error {}

/** Open a database file and say whether it is a whole Lead Journey database this version can use. */
export function checkDatabaseFile(path: string): DatabaseCheck {
  const problems: string[] = [];
  if (!existsSync(path)) return { ok: false, problems: [`文件不存在 / no such file: ${path}`], schemaVersion: 0, leads: 0, newestLeadAt: undefined, bytes: 0 };
  const bytes = statSync(path).size;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    if (integrity.join() !== 'ok') problems.push(`完整性检查未通过 / integrity check failed: ${integrity.slice(0, 3).join('; ')}`);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const newest = MIGRATIONS.length;
    if (schemaVersion > newest) problems.push(`数据库来自更新的版本（结构 ${schemaVersion}，本程序最多 ${newest}）：请先升级程序 / the database is from a newer version (schema ${schemaVersion}, this code knows ${newest}): upgrade first`);
    const hasLeads = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leads'").get() !== undefined;
    if (!schemaVersion || !hasLeads) {
      problems.push('这不是线索旅程的数据库（没有 leads 表或结构版本）/ not a Lead Journey database (no leads table or schema version)');
      return { ok: false, problems, schemaVersion, leads: 0, newestLeadAt: undefined, bytes };
    }
    const row = db.prepare('SELECT COUNT(*) AS n, MAX(created_at) AS newest FROM leads').get() as { n: number; newest: number | null };
    return { ok: problems.length === 0, problems, schemaVersion, leads: row.n, newestLeadAt: row.newest == null ? undefined : new Date(row.newest), bytes };
  } catch (e) {
    problems.push(`无法作为 SQLite 数据库打开 / cannot be opened as an SQLite database: ${(e as Error).message}`);
    return { ok: false, problems, schemaVersion: 0, leads: 0, newestLeadAt: undefined, bytes };
  } finally {
    db?.close();
  }
}

/** Who held which work when the copy was taken means nothing once it is restored (and would look like a running server). */
export function clearLeases(db: Database.Database): void {
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leases'").get()) db.prepare('DELETE FROM leases').run();
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Copy the live database at `source` to `dest` (which must not exist unless `overwrite`). */
export async function backupSqlite(source: string, dest: string, o: { overwrite?: boolean; onProgress?: (copiedPages: number, totalPages: number) => void } = {}): Promise<BackupResult> {
  const started = performance.now();
  if (!existsSync(source)) throw new BackupError(`没有数据库文件 / no database at ${source}`);
  if (existsSync(dest) && !o.overwrite) throw new BackupError(`备份文件已存在：${dest}（换个文件名，或加 --force 覆盖）/ ${dest} exists: pick another name, or --force to overwrite it`);
  mkdirSync(dirname(dest), { recursive: true });
  const partial = `${dest}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  const db = new Database(source, { fileMustExist: true });
  let restarts = 0;
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    let lastRemaining = Number.POSITIVE_INFINITY;
    await db.backup(partial, {
      progress({ totalPages, remainingPages }) {
        if (remainingPages > lastRemaining) restarts++;
        lastRemaining = remainingPages;
        o.onProgress?.(totalPages - remainingPages, totalPages);
        // about twenty steps, giving writers room between them; after three restarts, the rest at once
        return restarts >= 3 ? Math.max(totalPages, 1) : Math.max(256, Math.ceil(totalPages / 20));
      },
    });
  } catch (e) {
    rmSync(partial, { force: true });
    throw new BackupError(`备份失败 / backup failed: ${(e as Error).message}`);
  } finally {
    db.close();
  }
  // one self-contained file, checked before it is given the name
  const copy = new Database(partial);
  try {
    copy.pragma('journal_mode = DELETE');
    clearLeases(copy);
  } finally {
    copy.close();
  }
  const check = checkDatabaseFile(partial);
  if (!check.ok) {
    rmSync(partial, { force: true });
    throw new BackupError(`备份副本未通过检查 / the copy failed its check: ${check.problems.join('; ')}`);
  }
  fsyncFile(partial);
  renameSync(partial, dest);
  return { ...check, file: dest, ms: Math.round(performance.now() - started), restarts };
}
