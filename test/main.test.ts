import { afterEach, describe, expect, it } from 'vitest';
import { runMain, type RunningMain } from './support/run-main.js';
import { tempDbPath } from './support/temp-db.js';
import { waitUntil } from './support/webhook-server.js';
import { DEMO_MONTHS } from '../src/sandbox/demo-months.js';
import { MIGRATIONS } from '../src/store/migrations/index.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0)) await f();
});

describe('npm start (src/main.ts)', () => {
  it('starts with no credentials on the sandbox; /healthz answers 200; SIGTERM stops it cleanly', async () => {
    const t = tempDbPath();
    cleanups.push(t.remove);
    const m: RunningMain = await runMain({ DATABASE_PATH: t.path });
    cleanups.push(() => m.child.exitCode === null && m.stop('SIGKILL'));
    const res = await fetch(`${m.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', mode: 'sandbox', db: { ok: true, schemaVersion: MIGRATIONS.length } });
    // the embedded sandbox answers like Feishu's token endpoint
    const tok = await fetch(`${m.sandboxUrl}/open-apis/auth/v3/tenant_access_token/internal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app_id: 'cli_0000000000000000', app_secret: 'x' }) });
    expect(await tok.json()).toMatchObject({ code: 10003 });
    expect(m.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // the banner names one address to open: the sandbox page (it links the demo form, CRM and report)
    const banner = m.stderr().slice(m.stderr().indexOf('线索旅程 Lead Journey'));
    expect(banner).toContain(`打开 Open:  ${m.sandboxUrl}/`);
    expect(banner.match(/https?:\/\/\S+/g)).toEqual([`${m.sandboxUrl}/`]);
    // The demo Base was provisioned through the SDK; six months of made-up leads are in it (SANDBOX_DEMO_HISTORY
    // is on by default), and the five demo rows typed at start entered SQLite and got their 线索编号 back.
    const bases = (await (await fetch(`${m.sandboxUrl}/__control/bases`)).json()) as Array<{ app_token: string; tables: Array<{ name: string; table_id: string }> }>;
    expect(bases).toHaveLength(1);
    const leads = bases[0]!.tables.find((t) => t.name === '线索')!;
    const keys = await waitUntil(async () => {
      const recs = (await (await fetch(`${m.sandboxUrl}/__control/bases/${bases[0]!.app_token}/tables/${leads.table_id}/records`)).json()) as { records: Array<{ fields: Record<string, unknown> }> };
      const ks = recs.records.map((r) => r.fields['线索编号']);
      return ks.length === DEMO_MONTHS.leads + 5 && ks.every((k) => typeof k === 'string' || Array.isArray(k)) ? ks : undefined;
    });
    const n = DEMO_MONTHS.leads;
    expect(
      keys
        .map((k) => (Array.isArray(k) ? (k as Array<{ text: string }>)[0]!.text : k))
        .slice(-5)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5].map((i) => `XS-${String(n + i).padStart(6, '0')}`));
    expect(m.logs.some((l) => l.msg === 'sandbox demo history: six months of made-up leads' && l.leads === n)).toBe(true);
    // what the start wrote back (线索编号, the owned leads' 保护期至) reaches the Base, none of it given up
    const health = await waitUntil(async () => {
      const h = (await (await fetch(`${m.url}/healthz`)).json()) as { outbox: { pending: number; dead: number } };
      return h.outbox.pending === 0 ? h : undefined;
    });
    expect(health.outbox).toMatchObject({ pending: 0, dead: 0 });
    expect(m.logs.some((l) => l.msg === 'sandbox Base provisioned and demo leads adopted' && l.adopted === 5)).toBe(true);
    expect(await m.stop('SIGTERM')).toBe(0);
    expect(m.logs.some((l) => l.msg === 'request' && l.path === '/healthz' && typeof l.reqId === 'string')).toBe(true);
  });

  it('refuses to start on bad configuration, naming every bad key', async () => {
    const err = await runMain({ PORT: 'abc', FEISHU_APP_ID: 'cli_a1b2c3d4e5f60718', FEISHU_APP_SECRET: 'a-secret-that-must-not-print' }).then(
      () => {
        throw new Error('should not start');
      },
      (e: { code: number; stderr: string }) => e,
    );
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('PORT');
    expect(err.stderr).not.toContain('a-secret-that-must-not-print');
  });
});
