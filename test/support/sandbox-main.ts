import { afterAll, beforeAll, expect } from 'vitest';
import Database from 'better-sqlite3';
import { registerSecret } from './log-capture.js';
import { runMain, type RunningMain } from './run-main.js';
import { tempDbPath } from './temp-db.js';
import { waitUntil } from './webhook-server.js';

/**
 * Driving `npm start` (sandbox) from a test the way people would: the emulator's control API edits the
 * grid as a person and clicks cards as a person; the server's SQLite file is read (read-only) to check
 * what it decided.
 */
export type Fields = Record<string, unknown>;
/** A card in a sandbox group chat, as GET /__control/im/cards lists it. */
export interface SandboxCard {
  message_id: string;
  card: { header: { title: { content: string } }; body: unknown };
}
export interface Rec {
  record_id: string;
  fields: Fields;
}

export const cellText = (v: unknown): string => (Array.isArray(v) ? v.map((s) => (typeof s === 'string' ? s : ((s as { text?: string }).text ?? ''))).join('') : v === undefined || v === null ? '' : String(v));

export async function sandboxHarness(m: RunningMain, dbPath: string) {
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${m.sandboxUrl}/__control${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  // the sandbox made its app's secrets: no line the server logs may hold them
  for (const a of await control<Array<{ app_secret: string; encrypt_key?: string; verification_token: string }>>('GET', '/apps')) for (const v of [a.app_secret, a.encrypt_key, a.verification_token]) registerSecret(v);
  const bases = await control<Array<{ app_token: string; tables: Array<{ name: string; table_id: string }> }>>('GET', '/bases');
  const app = bases[0]!.app_token;
  const tableId = (name: string) => bases[0]!.tables.find((t) => t.name === name)!.table_id;
  const leads = tableId('线索');
  const state = await control<{ users: Array<{ open_id: string; name: string }>; chats?: Array<{ chat_id: string; name: string }> }>('GET', '/ui/state');
  const users: Record<string, string> = Object.fromEntries(state.users.map((u) => [u.name, u.open_id]));
  const rows = async (table = leads) => (await control<{ records: Rec[] }>('GET', `/bases/${app}/tables/${table}/records`)).records;
  const sql = <T>(q: string, ...args: unknown[]) => {
    const d = new Database(dbPath, { readonly: true });
    try {
      return d.prepare(q).all(...args) as T[];
    } finally {
      d.close();
    }
  };
  return {
    control,
    app,
    leads,
    tableId,
    users,
    rows,
    sql,
    byCompany: async (name: string) => (await rows()).find((r) => cellText(r.fields['公司名称']) === name)!,
    edit: (rec: string, as: string, fields: Fields) => control('POST', `/bases/${app}/tables/${leads}/records/${rec}/edit`, { operator_open_id: users[as], fields }),
    until: <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> => waitUntil(fn, ms, what),
    lead: (key: string) => sql<{ id: number; stage: string; score: number; deleted_at: number | null; facts_json: string; owner_id: string | null; pending_approval_json: string | null }>('SELECT * FROM leads WHERE lead_key = ?', key)[0]!,
  };
}

/**
 * `npm start` (sandbox) for one e2e file, on its own database, with the demo rows adopted: the server,
 * the harness and the 线索作战群's chat id. `stop()` ends it and returns what it logged as an error or as
 * work given up (a retried call is not a failure: moving the sandbox clock hours ahead expires the
 * app's token, and the first call after it is refused and retried with a fresh one).
 */
/**
 * The sandbox's clock starts on a working morning (a Tuesday, 10:00 Beijing time) unless a test picks
 * its own: what a test sees must not depend on the hour CI runs it (leads are assigned only in working
 * time by the shipped 分配规则).
 */
export const SANDBOX_TEST_START = '2026-11-24T10:00:00+08:00';

export async function startSandbox(env: Record<string, string> = {}) {
  const db = tempDbPath();
  // the made-up months are off unless a test asks for them: what a test counts is what it did
  const m = await runMain({ DATABASE_PATH: db.path, RECONCILE_INTERVAL_SECONDS: '5', SANDBOX_START_AT: SANDBOX_TEST_START, SANDBOX_DEMO_HISTORY: 'off', ...env });
  const h = await sandboxHarness(m, db.path);
  const state = await h.control<{ chats: Array<{ chat_id: string; name: string }> }>('GET', '/ui/state');
  const chat = state.chats.find((c) => c.name === '线索作战群')!.chat_id;
  // with the made-up months on, the first start writes six months of history first: on a busy 2-core
  // machine that took over 20 s once (seen in a run beside a browser test)
  await h
    .until('demo keys', async () => (await h.rows()).every((r) => cellText(r.fields['线索编号']).startsWith('XS-')), env.SANDBOX_DEMO_HISTORY === 'on' ? 60_000 : 20_000)
    .catch(async (e: Error) => {
      // what the server was doing meanwhile, to find why (the server is stopped: the caller has no handle)
      const said = m.logs
        .filter((l) => l.level !== 'debug')
        .slice(-25)
        .map((l) => JSON.stringify(l));
      await m.stop('SIGKILL');
      db.remove();
      throw new Error(`${e.message}\n${said.join('\n')}`);
    });
  return {
    m,
    h,
    chat,
    /** the server's database (scripts run against it as `npm run …` would) */
    dbPath: db.path,
    async stop(): Promise<Array<Record<string, unknown>>> {
      const failures = m.logs.filter((l) => l.level === 'error' || /dead letter|for good|gave up/.test(String(l.msg)));
      await m.stop();
      db.remove();
      return failures;
    },
  };
}

export type SandboxRun = Awaited<ReturnType<typeof startSandbox>>;

/**
 * `npm start` (sandbox) for the whole e2e file: started before its tests (`onStart` gets the run), and
 * stopped after them, failing the file if the server logged an error or gave work up.
 */
export function sandboxForFile(onStart: (run: SandboxRun) => void, env: Record<string, string> = {}): void {
  let run: SandboxRun | undefined;
  beforeAll(async () => {
    run = await startSandbox(env);
    onStart(run);
  });
  afterAll(async () => {
    expect((await run?.stop()) ?? []).toEqual([]);
  });
}
