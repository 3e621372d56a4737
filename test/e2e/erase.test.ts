import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runScript } from '../support/run-script.js';
import { cellText, type SandboxRun, sandboxForFile, startSandbox } from '../support/sandbox-main.js';

/**
 * Issue 22 item 6 (PIPL): `npm run erase -- --phone …` on `npm start`'s sandbox. Afterwards neither the
 * server's SQLite, the sandbox Bitable (every table), nor any queued payload holds the person's phone,
 * e-mail, WeChat or name; the lead keeps its row, stage and history, the funnel's counts are unchanged,
 * and an audit row names who erased what (masked) and when.
 */
const TOKEN = 'erase-test-metrics-token-0123456789abcdef';
const PHONE = '139 8765 4321';
const NEEDLES = ['13987654321', '+8613987654321', '139 8765 4321', '139-8765-4321', 'ouyang.ce@xinghe-test.cn', 'oyc_wx_2026', '欧阳测试'];

describe('npm run erase', () => {
  let run: SandboxRun;
  sandboxForFile(
    (r) => {
      run = r;
    },
    { METRICS_API_TOKEN: TOKEN },
  );

  /** every text value in every table of the server's database that holds one of the person's values */
  const inDatabase = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      const hits: string[] = [];
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>) {
        const cols = (db.pragma(`table_info(${name})`) as Array<{ name: string; type: string }>).filter((c) => c.type === 'TEXT' || c.type === '').map((c) => c.name);
        for (const c of cols)
          for (const n of NEEDLES) {
            const row = db.prepare(`SELECT COUNT(*) AS k FROM "${name}" WHERE LOWER("${c}") LIKE ?`).get(`%${n.toLowerCase()}%`) as { k: number };
            if (row.k) hits.push(`${name}.${c}: ${n} ×${row.k}`);
          }
      }
      return hits;
    } finally {
      db.close();
    }
  };
  const inBase = async () => {
    const bases = await run.h.control<Array<{ app_token: string; tables: Array<{ name: string; table_id: string }> }>>('GET', '/bases');
    const hits: string[] = [];
    for (const t of bases[0]!.tables) {
      const text = JSON.stringify(await run.h.rows(t.table_id));
      for (const n of NEEDLES) if (text.toLowerCase().includes(n.toLowerCase())) hits.push(`${t.name}: ${n}`);
    }
    return hits;
  };
  const funnel = async () => {
    const res = await fetch(`${run.m.url}/api/metrics/funnel?since=2025-01-01&until=2027-01-01`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as unknown;
  };
  const drained = () =>
    run.h
      .until('the outboxes drained', async () => {
        const hz = (await (await fetch(`${run.m.url}/healthz`)).json()) as { outbox: { pending: number; inFlight: number; dead: number }; inbound: { pending: number } };
        return hz.outbox.pending + hz.outbox.inFlight + hz.inbound.pending === 0 && hz;
      })
      .catch((e) => {
        console.log(JSON.stringify(run.m.logs.filter((l) => (l.level as number) >= 40).slice(-10)));
        console.log(JSON.stringify(run.h.sql("SELECT id, kind, status, payload_json, last_error FROM outbox WHERE status != 'done'")));
        throw e;
      });

  it('takes the person out of SQLite, the Base and every queued payload; the lead, its history and the counts stay', async () => {
    const { h, dbPath } = run;
    const add = await runScript('sources', { DATABASE_PATH: dbPath }, ['add', '删除测试表单', '--channel', '官网咨询']);
    expect(add.code, add.stderr).toBe(0);
    const key = /lj_[A-Za-z0-9_-]+/.exec(add.stdout)![0];
    const post = (path: string, body: unknown) => fetch(`${run.m.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
    const created = await post('/api/leads', {
      company: '欧阳精密仪器有限公司',
      contact_name: '欧阳测试',
      phone: PHONE,
      email: 'Ouyang.Ce@Xinghe-Test.cn',
      wechat: 'oyc_wx_2026',
      industry: '制造业',
      need: '想了解设备联网，请回电 139-8765-4321',
    });
    expect(created.status).toBe(202);
    const leadKey = ((await created.json()) as { id: string }).id;
    expect((await post('/api/activities', { event_id: 'erase-evt-1', type: '下载资料', email: 'ouyang.ce@xinghe-test.cn', detail: '白皮书，留言电话 13987654321' })).status).toBe(202);
    // scored, routed and offered (a card in the group); its row in the Base
    const row = await h.until('the row in the Base', async () => (await h.rows()).find((r) => cellText(r.fields['线索编号']) === leadKey && r.fields['SLA截止']));
    await drained();
    expect(inDatabase(dbPath).length).toBeGreaterThan(0); // the test's own check finds them before
    expect((await inBase()).length).toBeGreaterThan(0);
    const before = await funnel();
    const stageBefore = h.lead(leadKey).stage;
    const rowBefore = (await h.rows()).find((r) => r.record_id === row.record_id)!;

    const dry = await runScript('erase', { DATABASE_PATH: dbPath }, ['--phone', PHONE, '--dry-run']);
    expect(dry.stdout).toContain(`1 lead(s) found`);
    expect(dry.stdout).toContain(leadKey);
    expect(inDatabase(dbPath).length).toBeGreaterThan(0); // a dry run changes nothing
    const noYes = await runScript('erase', { DATABASE_PATH: dbPath }, ['--phone', PHONE]);
    expect(noYes.code).toBe(2); // no terminal to ask: --yes is needed
    const erased = await runScript('erase', { DATABASE_PATH: dbPath }, ['--phone', PHONE, '--by', '数据保护专员', '--yes']);
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.stdout).toContain('已删除 Erased: 1');
    expect(erased.stdout).not.toContain('13987654321');
    await drained();
    await h.until('the row cleared in the Base', async () => ((await inBase()).length === 0 ? true : undefined));

    expect(inDatabase(dbPath)).toEqual([]);
    expect(await inBase()).toEqual([]);
    const kept = (await h.rows()).find((r) => r.record_id === row.record_id)!;
    expect(cellText(kept.fields['公司名称'])).toBe('欧阳精密仪器有限公司');
    expect(kept.fields['阶段']).toBe(rowBefore.fields['阶段']);
    expect(kept.fields['线索评分']).toBe(rowBefore.fields['线索评分']);
    expect(cellText(kept.fields['需求描述'])).toBe('想了解设备联网，请回电 [已删除]');
    expect(h.lead(leadKey).stage).toBe(stageBefore);
    expect(await funnel()).toEqual(before);
    const audit = h.sql<{ operator: string; selector: string; subject: string; lead_keys_json: string; at: number }>('SELECT * FROM erasures');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ operator: '数据保护专员', selector: 'phone', subject: '139****4321', lead_keys_json: JSON.stringify([leadKey]) });
    const list = await runScript('erase', { DATABASE_PATH: dbPath }, ['--list']);
    expect(list.stdout).toContain('数据保护专员  phone 139****4321');
    expect(h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE status = 'dead'")[0]!.n).toBe(0);
  });
});

describe('RETENTION_CLOSED_DAYS on npm start', () => {
  it('erases the contact data of leads lost or disqualified longer ago than the setting, each audited, and leaves the rest', async () => {
    const run = await startSandbox({ RETENTION_CLOSED_DAYS: '60', SANDBOX_DEMO_HISTORY: 'on' });
    try {
      const { h } = run;
      const now = (await h.control<{ now: number }>('GET', '/clock')).now;
      const cutoff = now - 60 * 86_400_000;
      await h.until(
        'retention pass done',
        async () => (h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM leads WHERE stage IN ('lost', 'disqualified') AND stage_entered_at < ? AND erased_at IS NULL", cutoff)[0]!.n === 0 ? true : undefined),
        60_000,
      );
      const erased = h.sql<{ lead_key: string; facts_json: string; stage: string; stage_entered_at: number }>('SELECT lead_key, facts_json, stage, stage_entered_at FROM leads WHERE erased_at IS NOT NULL');
      expect(erased.length).toBeGreaterThan(5);
      for (const l of erased) {
        expect(['lost', 'disqualified']).toContain(l.stage);
        expect(l.stage_entered_at).toBeLessThan(cutoff);
        expect(Object.keys(JSON.parse(l.facts_json) as object).filter((k) => ['contact_name', 'phone', 'email', 'wechat'].includes(k))).toEqual([]);
      }
      const audits = h.sql<{ operator: string; lead_keys_json: string }>('SELECT operator, lead_keys_json FROM erasures');
      expect(audits.every((a) => a.operator === 'retention')).toBe(true);
      expect(audits.flatMap((a) => JSON.parse(a.lead_keys_json) as string[]).sort()).toEqual(erased.map((l) => l.lead_key).sort());
      // the recent ones and the open ones keep theirs
      expect(h.sql<{ n: number }>("SELECT COUNT(*) AS n FROM leads WHERE erased_at IS NULL AND json_extract(facts_json, '$.phone') IS NOT NULL")[0]!.n).toBeGreaterThan(10);
      expect(run.m.logs.some((l) => String(l.msg).includes('retention: contact data of closed leads erased'))).toBe(true);
    } finally {
      expect(await run.stop()).toEqual([]);
    }
    // its two waits (the start with six months of history, then the pass) are each bounded at 60 s on a
    // busy machine; the test's own bound must hold both (a 60 s default once cut a slow CI run short)
  }, 180_000);
});
