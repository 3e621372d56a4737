import { afterAll, describe, expect, it } from 'vitest';
import { createBitableApi } from '../../src/bitable/api.js';
import { provision } from '../../src/bitable/provision.js';
import { createLeadJourney } from '../../src/compose/lead-journey.js';
import { loadRuleSet } from '../../src/compose/rule-set.js';
import { createFeishuClient } from '../../src/feishu/sdk-client.js';
import { createManualClock } from '../../src/lib/clock.js';
import { testLogger } from '../support/log-capture.js';
import { Secret } from '../../src/lib/secret.js';
import { fixedTeam } from '../../src/ports/team.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';
import { bitableModule, getBitable } from '../../src/sandbox/feishu/bitable/module.js';
import { eventsModule } from '../../src/sandbox/feishu/events/module.js';
import { getIm } from '../../src/sandbox/feishu/im/service.js';
import { imModule } from '../../src/sandbox/feishu/im/module.js';
import { bitableTarget } from '../../src/store/bitable-outbox-repo.js';
import { createPostgresStore, type PostgresStore } from '../../src/store/store.js';
import { messageUuid } from '../../src/usecases/lead-cards.js';
import { NURTURE_KINDS } from '../../src/usecases/nurture.js';
import { startEmulator, type StartedEmulator } from '../support/feishu-emulator.js';
import { runMain, type RunningMain } from '../support/run-main.js';
import { postgresDatabase } from '../support/stores.js';
import { queueLeads } from '../support/writer-fixture.js';

const N = 10_000;
/** leads in 培育池 since ten days ago: their day 1, 3 and 7 reminder cards are all due */
const NURTURED = 30;
const DAY = 86_400_000;

/**
 * Several instances on one PostgreSQL (issue 28): two real servers (`src/main.ts`, as `npm start` runs
 * it, with a Feishu app pointed at the emulator) share one database. One is SIGKILLed in the middle of
 * a 10,000-lead sync while reminder cards and their timers are due. The survivor takes its work over
 * (after FAILOVER_SECONDS), and in the end every Bitable row exists once, every card is in the chat once
 * and every timer fired once.
 */
describe('two instances on one PostgreSQL, one killed mid-sync', () => {
  let emu: StartedEmulator;
  let db: Awaited<ReturnType<typeof postgresDatabase>>;
  let store: PostgresStore;
  const running: RunningMain[] = [];
  afterAll(async () => {
    for (const r of running) await r.stop('SIGKILL').catch(() => undefined);
    await store?.close();
    await emu?.stop();
    await db?.close();
  });

  it('every Bitable write applied once, every card sent once, every timer fired once', async () => {
    const t0 = Date.now();
    const phases: Record<string, number> = {};
    const phase = (name: string) => (phases[name] = Date.now() - t0);
    db = await postgresDatabase();
    emu = await startEmulator({ modules: [bitableModule, eventsModule, imModule] });
    const api = createBitableApi(createFeishuClient({ domain: emu.url, appId: emu.app.app_id, appSecret: new Secret(emu.app.app_secret) }));
    const base = await provision(api, loadBaseTemplate());
    const appToken = base.appToken!;
    const leadsTableId = base.tables.get('线索')!;
    const target = bitableTarget(appToken, leadsTableId);
    const dir = emu.emu.kernel.directory;
    const chatId = dir.addChat({ name: '线索作战群', members: [dir.addUser({ name: '李雷' }).open_id], bots: [emu.app.app_id] }).chat_id;

    // The state two instances find: leads waiting to be written, and due nurture steps.
    store = await createPostgresStore(db.url);
    const entered = createManualClock(new Date(Date.now() - 10 * DAY));
    const lj = await createLeadJourney({ store, rules: loadRuleSet('default'), clock: entered, log: testLogger(), locale: 'zh-CN', team: fixedTeam(new Map()), chatId: () => chatId, historyTableId: () => undefined });
    for (let i = 1; i <= NURTURED; i++) {
      const key = `PY-${String(i).padStart(5, '0')}`;
      const started = await lj.startLead({ leadKey: key, facts: { company: `培育公司 ${i}`, phone: '13800138000' }, actor: { id: 'system:test', roles: [] }, stage: 'nurture' });
      if (!started.ok) throw new Error(started.error.code);
      await store.transaction(async () => {
        await lj.nurture.plan(started.value.lead, entered.now());
        await store.tableWrites.enqueueCreate(target, { leadKey: key, fields: { 公司名称: `培育公司 ${i}`, 线索编号: key, 阶段: '培育池' } }, `create:${key}`, entered.now());
      });
    }
    // planned already: the instances' nurture job starts after these (re-planning now would drop steps older than a day)
    const lastTransition = (await store.sql.get<{ id: number }>('SELECT MAX(id) AS id FROM stage_transitions'))!.id;
    await store.cursors.set('nurture.transitions', lastTransition, new Date());
    const timers = await store.sql.all<{ id: number; dedupe_key: string }>(`SELECT id, dedupe_key FROM timers WHERE kind IN (${NURTURE_KINDS.map((k) => `'${k}'`).join(', ')}) AND status = 'pending' AND due_at <= ?`, [Date.now()]);
    expect(timers).toHaveLength(NURTURED * 3);
    for (let from = 1; from <= N - NURTURED; from += 2000) await queueLeads(store, target, Math.min(2000, N - NURTURED - from + 1), { from });
    expect(await store.leads.count()).toBe(N);
    phase('seeded');

    // Each batch_create takes 300 ms, so the 20 calls of the sync last seconds: the kill lands mid-sync.
    await emu.control('POST', '/faults', { route: 'bitable.record.batch_create', kind: 'delay', ms: 300 });
    const env = {
      FEISHU_DOMAIN: emu.url,
      FEISHU_APP_ID: emu.app.app_id,
      FEISHU_APP_SECRET: emu.app.app_secret,
      FEISHU_ENCRYPT_KEY: 'chaos-encrypt-key',
      FEISHU_VERIFICATION_TOKEN: 'chaos-verification-token',
      FEISHU_BITABLE_APP_TOKEN: appToken,
      FEISHU_CHAT_ID: chatId,
      DATABASE_URL: db.url,
      FAILOVER_SECONDS: '3',
      LOG_LEVEL: 'info',
    };
    running.push(...(await Promise.all([runMain(env), runMain(env)])));
    phase('started');
    const rows = () => getBitable(emu.emu.kernel).state.table(appToken, leadsTableId).records.size;

    // Kill the instance writing the table once a quarter of the rows are in.
    let victim: RunningMain | undefined;
    let rowsAtKill = 0;
    const deadline = Date.now() + 60_000;
    const samples: string[] = [];
    let lastSample = 0;
    while (!victim && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      if (Date.now() - lastSample > 500) {
        lastSample = Date.now();
        samples.push(`${Date.now() - t0}ms:${rows()} rows/${(await store.messages.counts()).done} cards`);
      }
      if (rows() < N / 4) continue;
      const holder = await store.leases.holder(`bitable:${target}`, new Date());
      const pid = holder ? Number(holder.split(':')[1]) : undefined;
      victim = running.find((r) => r.child.pid === pid);
      if (victim) {
        rowsAtKill = rows();
        await victim.stop('SIGKILL');
        phase('killed');
      }
    }
    expect(victim, 'no instance held the table lease mid-sync').toBeDefined();
    expect(rowsAtKill).toBeLessThan(N);
    const survivor = running.find((r) => r !== victim)!;

    // The survivor finishes: nothing left to write, to send or to fire.
    const settled = async () => {
      const w = await store.tableWrites.counts();
      const m = await store.messages.counts();
      const pendingTimers = (await store.sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM timers WHERE status = 'pending' AND due_at <= ?", [Date.now()]))!.n;
      return w.pending + w.in_flight + m.pending + m.in_flight + pendingTimers === 0 && w.done > 0;
    };
    const until = Date.now() + 120_000;
    while (!(await settled())) {
      if (Date.now() > until) throw new Error(`not settled: ${JSON.stringify({ writes: await store.tableWrites.counts(), messages: await store.messages.counts(), rows: rows() })}\n${survivor.stderr()}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    phase('settled');
    // Every Bitable write applied once: 10,000 rows, one per lead, each lead linked to its own row.
    const table = getBitable(emu.emu.kernel).state.table(appToken, leadsTableId);
    const keyField = table.fields.find((f) => f.field_name === '线索编号')!.field_id;
    const perKey = new Map<string, number>();
    for (const r of table.records.values()) perKey.set(String(r.cells.get(keyField)), (perKey.get(String(r.cells.get(keyField))) ?? 0) + 1);
    expect([...perKey].filter(([, n]) => n > 1)).toEqual([]);
    expect(perKey.size).toBe(N);
    const links = await store.sql.all<{ lead_key: string; record_id: string | null }>('SELECT lead_key, record_id FROM leads');
    for (const l of links) expect(l.record_id && table.records.get(l.record_id)?.cells.get(keyField), l.lead_key).toBe(l.lead_key);
    expect((await store.tableWrites.counts()).dead).toBe(0);

    // Every timer fired once, and each sent its card once.
    const fired = await store.sql.all<{ id: number; status: string; dedupe_key: string }>(`SELECT id, status, dedupe_key FROM timers WHERE id IN (${timers.map((t) => t.id).join(', ')})`);
    expect(fired.filter((t) => t.status !== 'fired')).toEqual([]);
    const cards = getIm(emu.emu.kernel).messages({ chat_id: chatId });
    const perUuid = new Map<string, number>();
    for (const m of cards) perUuid.set(m.uuid ?? m.message_id, (perUuid.get(m.uuid ?? m.message_id) ?? 0) + 1);
    expect([...perUuid].filter(([, n]) => n > 1)).toEqual([]);
    expect(new Set(perUuid.keys())).toEqual(new Set(timers.map((t) => messageUuid(`remind:${t.dedupe_key}`))));
    expect(cards.every((m) => m.msg_type === 'interactive')).toBe(true);
    expect((await store.messages.counts()).dead).toBe(0);

    // The survivor is still answering, names itself, and no lease is left to the dead one.
    const health = await fetch(`${survivor.url}/healthz`);
    expect(health.status).toBe(200);
    const h = (await health.json()) as { instance: string; leases: Array<{ holder: string }> };
    expect(h.instance).toContain(`:${survivor.child.pid}:`);
    expect(h.leases.filter((l) => l.holder.includes(`:${victim!.child.pid}:`))).toEqual([]);
    console.info(`killed at ${rowsAtKill} of ${N} rows; ${cards.length} cards, ${fired.length} timers; ms since start ${JSON.stringify(phases)} ${samples.join(' ')}`);
  }, 240_000);
});
