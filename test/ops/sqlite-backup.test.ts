import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupError, backupSqlite, checkDatabaseFile } from '../../src/ops/sqlite-backup.js';
import { restoreSqlite } from '../../src/ops/sqlite-restore.js';
import { openDb } from '../../src/store/db.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';

/** Backups and the way back, on files (the live case: test/e2e/backup-restore.test.ts). */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lj-backup-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function leadsDb(path: string, n: number, migrations = MIGRATIONS) {
  const db = openDb(path, { migrations });
  const now = Date.UTC(2026, 11, 1);
  const ins = db.prepare("INSERT INTO leads (lead_key, journey_id, stage, facts_json, created_at, updated_at) VALUES (?, 'default', 'lead', '{}', ?, ?)");
  db.transaction(() => {
    for (let i = 1; i <= n; i++) ins.run(`XS-${String(i).padStart(6, '0')}`, now + i, now + i);
  })();
  return db;
}

describe('backupSqlite and checkDatabaseFile', () => {
  it('copies an open database into one checked file; refuses to overwrite unless told', async () => {
    const src = join(dir, 'live.db');
    const live = leadsDb(src, 300);
    live.prepare("INSERT INTO leases (name, holder, expires_at) VALUES ('timers', 'me', ?)").run(Date.now() + 60_000);
    const pages: number[] = [];
    const r = await backupSqlite(src, join(dir, 'b', 'one.db'), { onProgress: (done) => pages.push(done) });
    expect(r).toMatchObject({ ok: true, leads: 300, schemaVersion: MIGRATIONS.length, restarts: 0 });
    expect(pages.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'b', 'one.db-wal'))).toBe(false); // one self-contained file
    const copy = new Database(join(dir, 'b', 'one.db'), { readonly: true });
    expect(copy.prepare('SELECT COUNT(*) AS n FROM leases').get()).toEqual({ n: 0 }); // nobody holds work in a backup
    copy.close();
    await expect(backupSqlite(src, join(dir, 'b', 'one.db'))).rejects.toThrow(BackupError);
    live.prepare("INSERT INTO leads (lead_key, journey_id, stage, facts_json, created_at, updated_at) VALUES ('XS-999999', 'default', 'lead', '{}', 1, 1)").run();
    expect((await backupSqlite(src, join(dir, 'b', 'one.db'), { overwrite: true })).leads).toBe(301);
    live.close();
  });

  it('says why a file is no backup: missing, not SQLite, not ours, damaged, from a newer version', () => {
    expect(checkDatabaseFile(join(dir, 'none.db')).problems[0]).toContain('no such file');
    writeFileSync(join(dir, 'text.db'), 'hello, this is not a database at all '.repeat(200));
    expect(checkDatabaseFile(join(dir, 'text.db'))).toMatchObject({ ok: false });
    new Database(join(dir, 'empty.db')).close();
    expect(checkDatabaseFile(join(dir, 'empty.db')).problems.join()).toContain('not a Lead Journey database');
    const newer = leadsDb(join(dir, 'newer.db'), 1);
    newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    newer.close();
    expect(checkDatabaseFile(join(dir, 'newer.db')).problems.join()).toContain('newer version');
  });
});

describe('restoreSqlite', () => {
  it('checks the backup, moves the database in place aside, migrates an older backup, clears leases', async () => {
    const old = leadsDb(join(dir, 'old.db'), 5, MIGRATIONS.slice(0, -1));
    old.close();
    const target = join(dir, 'server.db');
    leadsDb(target, 9).close();
    const r = restoreSqlite(join(dir, 'old.db'), target, { now: new Date('2026-12-04T10:00:00Z') });
    expect(r).toMatchObject({ ok: true, leads: 5, schemaVersion: MIGRATIONS.length, migrated: [MIGRATIONS.at(-1)!.version] });
    expect(r.movedAside).toBe(`${target}.before-restore-2026-12-04T10-00-00-000Z`);
    expect(checkDatabaseFile(r.movedAside!)).toMatchObject({ ok: true, leads: 9 });
  });

  it('refuses a damaged backup and leaves the database in place untouched', async () => {
    const src = join(dir, 'src.db');
    leadsDb(src, 2000).close();
    const bak = join(dir, 'bak.db');
    await backupSqlite(src, bak);
    const bytes = readFileSync(bak);
    for (let i = 8192; i < bytes.length - 4096; i += 4096) bytes.fill(0x5a, i + 100, i + 600); // scribble over every page
    writeFileSync(bak, bytes);
    const target = join(dir, 'server.db');
    leadsDb(target, 3).close();
    expect(() => restoreSqlite(bak, target, { now: new Date() })).toThrow(/cannot be used/);
    expect(checkDatabaseFile(target)).toMatchObject({ ok: true, leads: 3 });
  });

  it('refuses while a server holds a lease on the target, unless forced', async () => {
    const src = join(dir, 'src.db');
    leadsDb(src, 1).close();
    const bak = join(dir, 'bak.db');
    await backupSqlite(src, bak);
    const target = join(dir, 'server.db');
    const running = leadsDb(target, 2);
    running.prepare("INSERT INTO leases (name, holder, expires_at) VALUES ('inbound', 'host:1:abc', ?)").run(Date.now() + 30_000);
    running.close();
    expect(() => restoreSqlite(bak, target, { now: new Date() })).toThrow(/stop it first/);
    expect(checkDatabaseFile(target).leads).toBe(2);
    expect(restoreSqlite(bak, target, { now: new Date(), force: true }).leads).toBe(1);
    // an expired lease (a server that died long ago) does not stop it
    const dead = new Database(target);
    dead.prepare("INSERT INTO leases (name, holder, expires_at) VALUES ('inbound', 'host:1:abc', 1)").run();
    dead.close();
    expect(restoreSqlite(bak, target, { now: new Date() }).leads).toBe(1);
  });
});
