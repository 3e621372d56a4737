import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLeadsCsv } from '../support/import-files.js';
import { ROOT } from '../support/run-main.js';
import { runScript } from '../support/run-script.js';
import { type SandboxRun, sandboxForFile } from '../support/sandbox-main.js';

const dir = mkdtempSync(join(tmpdir(), 'lj-backup-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Issue 22 item 5: `npm run backup` while `npm start` takes in a 10,000-lead import and writes it to the
 * Bitable; `npm run restore` of that file into a new place gives a database that passes an integrity
 * check and holds every lead committed before the backup started. A restore over the running server's
 * database is refused.
 */
describe('npm run backup during a 10,000-lead sync, then npm run restore', () => {
  let run: SandboxRun;
  sandboxForFile((r) => {
    run = r;
  });

  it('the backup restores to a whole database holding every lead committed before it started', async () => {
    const { h, dbPath } = run;
    const csv = join(dir, 'leads.csv');
    writeLeadsCsv(csv, 10_000);
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', csv, '--server', run.m.url], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_PATH: dbPath }, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const imported = () => h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM leads WHERE facts_json LIKE '%导入公司%'")[0]!.n;
      await h.until('the import under way', async () => imported() >= 2_000 || undefined, 120_000);
      // what was committed before the backup started
      const before = h.sql<{ lead_key: string }>('SELECT lead_key FROM leads ORDER BY id').map((r) => r.lead_key);
      const writesBefore = h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE kind LIKE 'bitable.%' AND status = 'done'")[0]!.n;
      const file = join(dir, 'backup.db');
      const backup = await runScript('backup', { DATABASE_PATH: dbPath }, [file]);
      expect(backup.code, backup.stderr).toBe(0);
      expect(backup.stdout).toContain('备份完成 Backup done');
      expect(backup.stdout).toContain('integrity ok');
      // the import and the Bitable sync went on during and after it
      await h.until('more leads after the backup', async () => imported() > before.length + 500 || undefined, 120_000);
      expect(h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE kind LIKE 'bitable.%' AND status = 'done'")[0]!.n).toBeGreaterThan(writesBefore);

      // a second backup to the same name is refused; --check reads the file
      const again = await runScript('backup', { DATABASE_PATH: dbPath }, [file]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('--force');
      const check = await runScript('restore', {}, [file, '--check']);
      expect(check.code, check.stderr).toBe(0);
      expect(check.stdout).toContain('备份可用 The backup is good');

      // restoring over the running server's database is refused, and changes nothing
      const over = await runScript('restore', { DATABASE_PATH: dbPath }, [file]);
      expect(over.code).toBe(1);
      expect(over.stderr).toContain('stop it first');
      expect(existsSync(dbPath)).toBe(true);

      const restoredPath = join(dir, 'restored', 'leads.db');
      const restore = await runScript('restore', { DATABASE_PATH: restoredPath }, [file]);
      expect(restore.code, restore.stderr).toBe(0);
      const db = new Database(restoredPath, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const keys = new Set((db.prepare('SELECT lead_key FROM leads').all() as Array<{ lead_key: string }>).map((r) => r.lead_key));
        expect(before.filter((k) => !keys.has(k))).toEqual([]);
        expect(keys.size).toBeGreaterThanOrEqual(before.length);
        expect(keys.size).toBeLessThan(imported() + 10); // one moment's copy, not the later state
        // what each lead's decision queued came with it: no lead without its Bitable row (written or queued)
        const orphans = db.prepare("SELECT COUNT(*) AS n FROM leads l WHERE l.record_id IS NULL AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'bitable.create' AND json_extract(o.payload_json, '$.leadKey') = l.lead_key)").get() as {
          n: number;
        };
        expect(orphans.n).toBe(0);
      } finally {
        db.close();
      }
      // restoring again over the restored file moves it aside rather than deleting it
      const twice = await runScript('restore', { DATABASE_PATH: restoredPath }, [file]);
      expect(twice.code, twice.stderr).toBe(0);
      expect(twice.stdout).toMatch(/before-restore-/);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  }, 300_000);
});
