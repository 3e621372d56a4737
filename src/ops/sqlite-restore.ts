import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS, openDb } from '../store/db.js';
import { BackupError, checkDatabaseFile, clearLeases, type DatabaseCheck } from './sqlite-backup.js';

/**
 * The way back from a backup (docs/operations.md#backups): the backup is checked first; the database in
 * place is not deleted but moved aside as `<file>.before-restore-<time>` (its WAL folded in first, so the
 * moved file is whole and no stale WAL is applied to the restored one); the backup is copied in under a
 * temporary name and renamed, then opened once so migrations bring an older backup up to this version.
 * A server still running on the database (a lease renewed in the last minute) stops it, unless `force`.
 */
export interface RestoreResult extends DatabaseCheck {
  target: string;
  /** where the database that was in place went */
  movedAside: string | undefined;
  /** migrations applied to bring the backup up to this version */
  migrated: number[];
}

export function liveHolders(path: string, nowMs: number): Array<{ name: string; holder: string }> {
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leases'").get();
    return has ? (db.prepare('SELECT name, holder FROM leases WHERE expires_at > ?').all(nowMs) as Array<{ name: string; holder: string }>) : [];
  } finally {
    db.close();
  }
}

export function restoreSqlite(backup: string, target: string, o: { now: Date; force?: boolean }): RestoreResult {
  const check = checkDatabaseFile(backup);
  if (!check.ok) throw new BackupError(`备份文件不能用 / the backup cannot be used: ${check.problems.join('; ')}`);
  const live = liveHolders(target, o.now.getTime());
  if (live.length && !o.force)
    throw new BackupError(
      `服务似乎仍在使用这个数据库（${live.map((l) => `${l.name}@${l.holder}`).join('、')}）：请先停止服务；确定它已停止时加 --force / a server seems to be using this database (${live.map((l) => `${l.name}@${l.holder}`).join(', ')}): stop it first; add --force when you are sure it is stopped`,
    );
  let movedAside: string | undefined;
  if (existsSync(target)) {
    const current = new Database(target, { fileMustExist: true });
    try {
      current.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      current.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      current.close();
    }
    movedAside = `${target}.before-restore-${o.now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, movedAside);
  }
  for (const leftover of [`${target}-wal`, `${target}-shm`, `${target}-journal`]) rmSync(leftover, { force: true });
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.restoring-${process.pid}`;
  copyFileSync(backup, partial);
  renameSync(partial, target);
  let migrated: number[] = [];
  const db = openDb(target, { onMigrated: (a) => (migrated = a) });
  try {
    clearLeases(db);
  } finally {
    db.close();
  }
  return { ...checkDatabaseFile(target), target, movedAside, migrated };
}
