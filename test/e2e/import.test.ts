import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLeadsCsv, writeLeadsXlsx } from '../support/import-files.js';
import { ROOT } from '../support/run-main.js';
import { runScript } from '../support/run-script.js';
import { type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';

const dir = mkdtempSync(join(tmpdir(), 'lj-import-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `npm run import` into `npm start`'s sandbox (issue 10, "Done when"): a 10,000-row CSV, killed with
 * SIGKILL part way and run again, ends with exactly its leads (none twice), every one in the Base; the
 * same rows as .xlsx add nothing (each is merged into its lead); a GBK CSV of new rows adds them.
 */
describe('npm run import into the sandbox', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let url: string;
  let dbPath: string;
  sandboxForFile((run) => {
    ({ h, dbPath } = run);
    url = run.m.url;
  });
  const imported = () => h.sql<{ n: number; rows: number; phones: number }>("SELECT COUNT(*) AS n, SUM(record_id IS NOT NULL) AS rows, COUNT(DISTINCT phone_key) AS phones FROM leads WHERE facts_json LIKE '%导入公司%'")[0]!;
  const run = (file: string) => runScript('import', { DATABASE_PATH: dbPath }, [file, '--server', url]);

  it('10,000 rows, SIGKILL in the middle, run again: exactly the expected leads; the .xlsx of the same adds none; a GBK file adds its own', async () => {
    const csv = join(dir, 'leads.csv');
    writeLeadsCsv(csv, 10_000, { badEvery: 2_500 }); // rows 2500, 5000, 7500 and 10000 have no phone: refused
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', csv, '--server', url], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_PATH: dbPath }, stdio: 'ignore' });
    const exited = new Promise<string | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    await h.until('the import half way', async () => imported().n >= 3_000 || undefined, 120_000);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(imported().n).toBeLessThan(9_995);

    const again = await run(csv);
    expect(again.code, again.stderr).toBe(0);
    // row 1111's phone is 南方医疗器械集团's (a demo lead): merged into it, the other 9,995 are new
    expect(again.stdout).toMatch(/导入完成 Import done: 10000 行 rows · 新建 created 9995 · 合并到已有线索 merged 1 · 待人工确认 flagged 0 · 拒绝 rejected 4 · 此前已导入 already imported \d+/);
    expect(imported()).toMatchObject({ n: 9_995, phones: 9_995 });

    const xlsx = join(dir, 'leads.xlsx');
    await writeLeadsXlsx(xlsx, 10_000, { badEvery: 2_500 });
    const fromXlsx = await run(xlsx);
    expect(fromXlsx.code, fromXlsx.stderr).toBe(0);
    expect(fromXlsx.stdout).toContain('新建 created 0 · 合并到已有线索 merged 9996');
    expect(imported().n).toBe(9_995);

    const gbk = join(dir, 'gbk.csv');
    writeLeadsCsv(gbk, 500, { from: 20_001, gbk: true });
    const fromGbk = await run(gbk);
    expect(fromGbk.stdout).toContain('新建 created 500');
    expect(h.sql<{ c: string }>("SELECT json_extract(facts_json, '$.company') AS c FROM leads WHERE facts_json LIKE '%导入公司20001\"%'")[0]!.c).toBe('导入公司20001');
    await h.until('every row in the Base', async () => (imported().rows === 10_495 ? true : undefined), 180_000);
    expect(imported()).toEqual({ n: 10_495, rows: 10_495, phones: 10_495 });
  }, 600_000);
});
