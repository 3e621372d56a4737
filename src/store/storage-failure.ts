import type { Text } from '../domain/text.js';

/**
 * A write the database refused for a reason outside the request: the disk is full, the database file
 * (or its directory, or the PostgreSQL server) is read-only, or the disk failed. Nothing the request did
 * was kept, and the same request sent again later will do: routes answer 503 with Retry-After, so
 * Feishu and intake clients send it again (docs/reliability.md#24-when-the-database-cannot-write).
 */
export interface StorageFailure {
  kind: 'full' | 'read_only' | 'io';
  /** the engine's code: SQLITE_FULL, SQLITE_READONLY_…, SQLITE_IOERR_…, or PostgreSQL's SQLSTATE */
  code: string;
  message: Text;
}

const MESSAGES: Record<StorageFailure['kind'], Text> = {
  full: { zh: '数据库所在磁盘已满，无法写入：请清理磁盘空间（或扩容）后，服务会自动恢复', en: 'The database disk is full: free space (or grow the disk) and the server carries on by itself' },
  read_only: {
    zh: '数据库只能读不能写：请检查数据库文件及其目录的权限、磁盘是否被挂载为只读（PostgreSQL：是否连到了只读副本）',
    en: 'The database is read-only: check the permissions of the database file and its directory, and whether the disk is mounted read-only (PostgreSQL: whether this is a read-only replica)',
  },
  io: { zh: '数据库读写出错（磁盘 I/O 错误）：请检查磁盘', en: 'The database hit a disk I/O error: check the disk' },
};

/** SQLite result codes (better-sqlite3's `code`) and PostgreSQL SQLSTATEs (pg's `code`) that mean the storage, not the request. */
function kindOf(code: string): StorageFailure['kind'] | undefined {
  if (code === 'SQLITE_FULL' || code === '53100') return 'full'; // 53100 disk_full
  if (code.startsWith('SQLITE_READONLY') || code === '25006') return 'read_only'; // 25006 read_only_sql_transaction
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === '58030') return 'io'; // 58030 io_error
  return undefined;
}

export function storageFailureOf(e: unknown): StorageFailure | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const kind = kindOf(code);
  return kind ? { kind, code, message: MESSAGES[kind] } : undefined;
}
