import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportError, runImport } from '../../src/import/run-import.js';
import { writeLeadsCsv } from '../support/import-files.js';
import { intakeWorld, type IntakeWorld } from '../support/intake-world.js';

const dir = mkdtempSync(join(tmpdir(), 'lj-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** runImport against the intake routes in process (the server's app, no sockets). */
function through(w: IntakeWorld, o: { failAfter?: number } = {}) {
  let calls = 0;
  const fetchImpl = (async (url: string, init: RequestInit) => {
    if (o.failAfter !== undefined && ++calls > o.failAfter) throw new TypeError('fetch failed: connection reset');
    return w.app.request(new URL(url).pathname, init);
  }) as unknown as typeof fetch;
  return { fetchImpl, server: 'http://127.0.0.1:1', apiKey: w.key, retryMs: 1 };
}
const leads = async (w: IntakeWorld) => ((await w.store.sql.get('SELECT COUNT(*) AS n FROM leads')) as { n: number }).n;

/** npm run import's core (issue 10 item 4): rows posted in batches, each under a key of its own. */
describe('import', () => {
  it('imports every row once, refuses the bad ones with why, and a second run takes nothing twice', async () => {
    const w = await intakeWorld();
    const file = join(dir, 'a.csv');
    writeLeadsCsv(file, 1200, { badEvery: 400 });
    const rejected: Array<[number, string]> = [];
    let ignored: string[] = [];
    const t = await runImport({ file, ...through(w), onRejected: (row, why) => rejected.push([row, why]), onIgnoredHeaders: (h) => (ignored = h) });
    expect(t).toEqual({ rows: 1200, created: 1197, merged: 0, flagged: 0, rejected: 3, already: 0 });
    expect(rejected).toEqual([401, 801, 1201].map((row) => [row, 'phone: 电话号码无法识别（手机号 11 位，座机请带区号）']));
    expect(ignored).toEqual(['客户等级']);
    expect(await leads(w)).toBe(1197);
    const one = (await w.store.leads.getByKey((await w.store.sql.get<{ lead_key: string }>("SELECT lead_key FROM leads WHERE facts_json LIKE '%导入公司7\"%'"))!.lead_key))!;
    expect(one.facts).toMatchObject({ company: '导入公司7', contact_name: '联系人7', phone: '13900000007', industry: '制造业', source: '内容下载', need: '第 7 行' });
    const again = await runImport({ file, ...through(w) });
    expect(again).toMatchObject({ rows: 1200, created: 1197, already: 1197, rejected: 3 });
    expect(await leads(w)).toBe(1197);
  });

  it('stopped half way (the connection lost), run again: every row once, none twice', async () => {
    const w = await intakeWorld();
    const file = join(dir, 'b.csv');
    writeLeadsCsv(file, 1500);
    await expect(runImport({ file, ...through(w, { failAfter: 1 }), batchSize: 500 })).rejects.toThrow(ImportError);
    expect(await leads(w)).toBe(500);
    const t = await runImport({ file, ...through(w), batchSize: 500 });
    expect(t).toMatchObject({ rows: 1500, created: 1500, already: 500 });
    expect(await leads(w)).toBe(1500);
    expect(await w.store.sql.get('SELECT COUNT(DISTINCT phone_key) AS n FROM leads')).toEqual({ n: 1500 });
  });

  it('a dry run keeps nothing and counts as the import would (a row repeating an earlier one of the file is merged); English headers map too', async () => {
    const w = await intakeWorld();
    await w.post({ company: '已有公司', contact_name: '老客户', phone: '13900000002' }); // row 2 of the file is this person
    const file = join(dir, 'c.csv');
    writeFileSync(file, ['Company,Contact Name,Phone Number,E-mail,Lead Source', '甲公司,张三,139 0000 0001,,官网咨询', '乙公司,李四,139-0000-0002,,线下活动', '丙公司,王五,13900000001,,', '丁公司,,,,'].join('\n'));
    const rejected: string[] = [];
    const t = await runImport({ file, ...through(w), dryRun: true, onRejected: (_r, why) => rejected.push(why) });
    expect(t).toEqual({ rows: 4, created: 1, merged: 2, flagged: 0, rejected: 1, already: 0 });
    expect(rejected).toEqual(['phone|email|wechat: 缺少联系方式（电话/邮箱/微信）']);
    expect(await leads(w)).toBe(1);
    const real = await runImport({ file, ...through(w) });
    expect(real).toMatchObject({ created: 1, merged: 2, rejected: 1 });
    expect((await w.store.sql.all<{ c: string }>("SELECT json_extract(facts_json, '$.company') AS c FROM leads ORDER BY id")).map((r) => r.c)).toEqual(['已有公司', '甲公司']);
  });

  it('a server that refuses the key stops the import with its answer', async () => {
    const w = await intakeWorld();
    const file = join(dir, 'd.csv');
    writeLeadsCsv(file, 3);
    await expect(runImport({ file, ...through(w), apiKey: `lj_aaaaaaaaaa_${'x'.repeat(43)}` })).rejects.toThrow('HTTP 401');
  });
});
