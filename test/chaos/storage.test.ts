import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { signedRequest } from '../support/feishu-signed.js';
import { ROOT, runMain, type RunningMain } from '../support/run-main.js';
import { startSandbox, type SandboxRun } from '../support/sandbox-main.js';
import { waitUntil } from '../support/webhook-server.js';

/**
 * Issue 22 item 8 — a full disk and a read-only database under `npm start`: Feishu's events keep
 * arriving; while the database cannot write, each is refused with 503 (so Feishu sends it again) and a
 * log line that says what is wrong and what to do; the server stays up and carries on once the disk is
 * back; after a crash and a restart every event that was ever answered 200 is stored, once. The faults
 * are SQLite's own (test/chaos/fixtures/storage-faults.mjs: max_page_count at the current size → SQLITE_FULL,
 * query_only → SQLITE_READONLY), switched inside the running server by a signal.
 * docs/reliability.md#24-when-the-database-cannot-write.
 */
const FAULTS = join(ROOT, 'test/chaos/fixtures/storage-faults.mjs');
const dir = mkdtempSync(join(tmpdir(), 'lj-chaos-storage-'));

describe('a full disk and a read-only database under npm start', () => {
  let run: SandboxRun | undefined;
  let again: RunningMain | undefined;
  afterAll(async () => {
    await again?.stop('SIGKILL');
    await run?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses events with 503 and a clear log line while it cannot write, loses no acknowledged event, and carries on', async () => {
    const modeFile = join(dir, 'mode');
    run = await startSandbox({ NODE_OPTIONS: `--import=${FAULTS}`, LJ_CHAOS_STORAGE_MODE_FILE: modeFile });
    const { dbPath } = run;
    const app = (await run.h.control<Array<{ encrypt_key: string; verification_token: string; app_id: string }>>('GET', '/apps'))[0]!;
    const clock = async () => (await run!.h.control<{ now: number }>('GET', '/clock')).now;

    let seq = 0;
    /** a verified event of a type the server stores and then has no work for; `pad` bytes of payload */
    const event = async (pad = 0) => {
      const id = `chaos-storage-${++seq}`;
      const payload = {
        schema: '2.0',
        header: { event_id: id, event_type: 'contact.user.updated_v3', create_time: String(await clock()), token: app.verification_token, app_id: app.app_id, tenant_key: 't' },
        event: { note: 'x'.repeat(pad) },
      };
      return { id, req: signedRequest(payload, { key: app.encrypt_key, ts: await clock() }) };
    };
    const post = async (r: { req: { body: string; headers: Record<string, string> } }) => {
      const res = await fetch(`${run!.m.url}/feishu/events`, { method: 'POST', headers: r.req.headers, body: r.req.body });
      return { status: res.status, json: (await res.json()) as { error?: string; storage?: string; message?: string }, retryAfter: res.headers.get('retry-after') };
    };
    const acknowledged = new Set<string>();
    const refused: Array<Awaited<ReturnType<typeof event>>> = [];
    const send = async (e: Awaited<ReturnType<typeof event>>) => {
      const a = await post(e);
      if (a.status === 200) acknowledged.add(e.id);
      else refused.push(e);
      return a;
    };
    const setMode = async (mode: 'full' | 'read_only' | 'ok') => {
      writeFileSync(modeFile, mode);
      writeFileSync(`${modeFile}.applied`, '');
      run!.m.child.kill('SIGUSR2');
      await waitUntil(() => (readApplied(modeFile) === mode ? true : undefined), 10_000, `storage mode ${mode}`);
    };

    for (let i = 0; i < 10; i++) expect((await send(await event())).status).toBe(200);

    // read-only: every event refused, none stored, the server says why
    await setMode('read_only');
    for (let i = 0; i < 10; i++) {
      const a = await send(await event());
      expect(a.status).toBe(503);
      expect(a.json).toMatchObject({ error: 'storage_unavailable', storage: 'read_only' });
      expect(a.json.message).toContain('只能读不能写');
      expect(a.retryAfter).toBe('30');
    }
    await setMode('ok');
    for (const e of refused.splice(0)) expect((await send(e)).status, 'a redelivery after the database is writable again').toBe(200);

    // full: large events until one does not fit; the ones that fitted were answered 200
    await setMode('full');
    let full: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 200 && !full; i++) {
      const a = await send(await event(100_000));
      if (a.status !== 200) full = a;
    }
    expect(full?.status, 'no write ever ran out of room').toBe(503);
    expect(full!.json).toMatchObject({ error: 'storage_unavailable', storage: 'full' });
    for (let i = 0; i < 5; i++) expect((await send(await event(100_000))).status).toBe(503);
    await setMode('ok');
    for (const e of refused.splice(0)) expect((await send(e)).status).toBe(200);

    const logs = run.m.logs;
    expect(logs.some((l) => l.level === 'error' && l.storage === 'read_only' && /read-only/.test(String(l.msg)))).toBe(true);
    expect(logs.some((l) => l.level === 'error' && l.storage === 'full' && /disk is full/.test(String(l.msg)))).toBe(true);
    expect(
      logs.some((l) => l.msg === 'unhandled error'),
      'a storage failure reached the log as an unexplained error',
    ).toBe(false);
    expect(run.m.child.exitCode, 'the server died').toBeNull();

    // a crash now, and a start on the same file: every acknowledged event is there, once
    await run.m.stop('SIGKILL');
    again = await runMain({ DATABASE_PATH: dbPath, SANDBOX_DEMO_HISTORY: 'off' });
    await again.stop('SIGTERM');
    again = undefined;
    const db = new Database(dbPath, { readonly: true });
    try {
      const stored = db.prepare("SELECT event_id, COUNT(*) AS n FROM inbound_events WHERE event_id LIKE 'chaos-storage-%' GROUP BY event_id").all() as Array<{ event_id: string; n: number }>;
      expect(stored.every((s) => s.n === 1)).toBe(true);
      expect(new Set(stored.map((s) => s.event_id))).toEqual(acknowledged);
      expect(acknowledged.size).toBe(seq); // every event sent, including each refused one, was in the end taken
      expect((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('does not start on a read-only database, and says why', async () => {
    const modeFile = join(dir, 'start-mode');
    writeFileSync(modeFile, 'read_only');
    const failed = await runMain({ DATABASE_PATH: join(dir, 'start.db'), NODE_OPTIONS: `--import=${FAULTS}`, LJ_CHAOS_STORAGE_MODE_FILE: modeFile }).then(
      (m) => m.stop('SIGKILL').then(() => undefined),
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(failed, 'the server started on a database it cannot write').toBeDefined();
    expect(failed!.code).toBe(1);
    expect(failed!.stderr).toContain('线索旅程无法启动：数据库只能读不能写');
    expect(failed!.stderr).toContain('(SQLITE_READONLY');
    expect(failed!.stderr).not.toContain('    at '); // a sentence, not a stack trace
  });
});

function readApplied(modeFile: string): string | undefined {
  try {
    return readFileSync(`${modeFile}.applied`, 'utf8');
  } catch {
    return undefined;
  }
}
