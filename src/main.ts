import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createBitableApi } from './bitable/api.js';
import { provision } from './bitable/provision.js';
import { createBitableWriter } from './bitable/writer.js';
import { createRateGate } from './bitable/rate-gate.js';
import { createFeishuClient } from './feishu/sdk-client.js';
import { Secret } from './lib/secret.js';
import { loadBaseTemplate, templateTable } from './rules/base-template.js';
import { createRoster } from './bitable/roster.js';
import { parseRecordChanged, RECORD_CHANGED } from './feishu/record-changed.js';
import { createFeishuVerifier } from './feishu/verify.js';
import { createAdoptRows } from './usecases/adopt-rows.js';
import { createHandleRecordChange, type Layout } from './usecases/handle-record-change.js';
import { createInboundProcessor } from './usecases/process-inbound.js';
import { createImApi } from './im/api.js';
import { createImSender } from './im/sender.js';
import { loadAssignmentRules } from './rules/assignment-rules.js';
import { loadWorkCalendar, uncoveredYears } from './rules/work-calendar.js';
import { loadScoringRules } from './rules/scoring-rules.js';
import { createScoring } from './usecases/score-lead.js';
import { createAdvanceOnScore } from './usecases/advance-on-score.js';
import { createLeadEngine } from './usecases/lead-engine.js';
import { createDecayJob } from './jobs/decay-job.js';
import { createNurtureJob } from './jobs/nurture-job.js';
import { loadNurtureSteps } from './rules/nurture-rules.js';
import { createNurture, NURTURE_SILENCE, NURTURE_STAGE } from './usecases/nurture.js';
import { REENGAGE } from './usecases/apply-return.js';
import { createReengage } from './usecases/reengage.js';
import { createOwnerQueue } from './usecases/owner-queue.js';
import { createOwnerQueueJob } from './jobs/owner-queue-job.js';
import { createWebhookSender } from './webhooks/sender.js';
import { ruleRouter } from './routing/router.js';
import { loadRoutingRules } from './rules/routing-rules.js';
import { loadReturnReasons } from './rules/return-reasons.js';
import { createApplyReturn } from './usecases/apply-return.js';
import { createCardActions } from './usecases/card-actions.js';
import { createEscalateSla } from './usecases/escalate-sla.js';
import { SLA_ACCEPT, SLA_APPROVAL, SLA_FOLLOW_UP } from './usecases/sla-ladder.js';
import { createTimerSweep } from './jobs/timer-sweep.js';
import { CARD_RENEW, createLeadCards, OWNER_QUEUE_SUMMARY } from './usecases/lead-cards.js';
import { createReconcile } from './usecases/reconcile.js';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { systemClock, type Clock } from './lib/clock.js';
import { mergeEnv, readEnvFile } from './lib/env-file.js';
import { createLogger } from './lib/logger.js';
import { loadJourney } from './rules/load-journey.js';
import { openStages } from './domain/journey.js';
import { startSandbox, type Sandbox } from './sandbox/start-sandbox.js';
import { openDb } from './store/db.js';
import { createStore } from './store/store.js';
import pkg from '../package.json' with { type: 'json' };

/**
 * The only composition root: read the environment, open the database, build clients, serve the app.
 * Nothing else in src/ reads process.env or opens resources on its own.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n\n配置有误，请对照 .env.example 修改。/ See .env.example.\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger({ level: config.logLevel });
  const journey = loadJourney(config.journey);
  const template = loadBaseTemplate();
  const assignmentRules = loadAssignmentRules(journey, template);
  const workCalendar = loadWorkCalendar();
  const scoringRules = loadScoringRules(journey, template);
  const returnReasons = loadReturnReasons(template, journey);
  const routingRules = loadRoutingRules(template);
  const nurtureSteps = loadNurtureSteps(journey, template);
  if (config.sandbox.freshDatabase) for (const suffix of ['', '-wal', '-shm']) rmSync(`${config.databasePath}${suffix}`, { force: true });
  let migrated: number[] = [];
  const db = openDb(config.databasePath, { onMigrated: (a) => (migrated = a) });
  const store = createStore(db);
  log.info({ databasePath: config.databasePath, migrated, journey: journey.id, leads: store.leads.count(), now: systemClock.now().toISOString() }, 'database ready');
  // SLAs count working time; a year without the official holiday schedule counts only weekends.
  const uncovered = uncoveredYears(workCalendar.coveredYears, systemClock.now());
  if (uncovered.length) log.warn({ years: uncovered }, `工作日历缺少 ${uncovered.join('、')} 年的法定节假日安排（升级 chinese-days，或在 bitable-templates/work-calendar.json 中补充）/ no official holiday schedule for ${uncovered.join(', ')} yet: update chinese-days or add the days to work-calendar.json`);

  // Feishu: the real Open API, or the embedded sandbox reached the same way (through the SDK over HTTP).
  let sandbox: Sandbox | undefined;
  let feishuClient;
  let appToken: string | undefined;
  if (config.sandbox.enabled) {
    sandbox = await startSandbox({ port: config.sandbox.port, log });
    const app = sandbox.demo.app;
    feishuClient = createFeishuClient({ domain: sandbox.running.url, appId: app.app_id, appSecret: new Secret(app.app_secret), log });
    log.info({ url: sandbox.running.url, appId: app.app_id }, 'Feishu sandbox started (local emulator, not Feishu)');
  } else {
    const f = config.feishu!;
    feishuClient = createFeishuClient({ domain: f.domain, appId: f.appId, appSecret: f.appSecret, log });
    appToken = f.bitableAppToken;
    log.info({ domain: f.domain, appId: f.appId, appToken }, 'Feishu app configured');
  }
  // The server's clock. In sandbox mode it is the sandbox's clock (real time unless moved), so moving it
  // forward (the UI's 快进时间, POST /__control/clock/advance) brings SLAs due and shows escalations, and
  // the outbox and the timers keep one notion of now. Rate limits count real time either way.
  const clock: Clock = sandbox ? { now: () => new Date(sandbox!.emulator.kernel.clock.now()) } : systemClock;
  const bitableApi = createBitableApi(feishuClient, { readGate: createRateGate({ perSecond: config.bitableReadsPerSecond, perMinute: config.bitableReadsPerSecond * 60 }) });
  // a put-back that landed is re-checked through the inbound path (set once that path exists, below)
  let kickInbound = (): void => {};
  const writer = createBitableWriter({
    store,
    api: bitableApi,
    onPutBackLanded: () => kickInbound(),
    gate: createRateGate({ perSecond: config.bitableWriter.perSecond, perMinute: config.bitableWriter.perMinute }),
    clock,
    log,
    options: { batchSize: config.bitableWriter.batchSize },
  });
  writer.start();
  // Cards and @-mentions: queued with the decisions, sent by one sender within the chat and app limits.
  const sender = createImSender({ store, api: createImApi(feishuClient), clock, log });
  sender.start();
  const chatId = sandbox ? sandbox.demo.chat.chat_id : config.feishu?.chatId;
  if (!chatId) log.warn({}, 'FEISHU_CHAT_ID is not set: approval and assignment cards are not sent (see .env.example)');

  // Where the server works: the Base and its tables by template name (provisioned or checked at start).
  let layout: Layout | undefined;
  const leadsTable = templateTable(template, 'leads');
  const tableName = (key: string) => templateTable(template, key).name;
  const setLayout = (token: string, tables: Map<string, string>) => {
    const leadsTableId = tables.get(leadsTable.name);
    layout = leadsTableId
      ? { appToken: token, leadsTableId, historyTableId: tables.get(tableName('stage_history')), repsTableId: tables.get(tableName('reps')), activitiesTableId: tables.get(tableName('activities')) }
      : undefined;
  };
  const roster = createRoster({ api: bitableApi, template, appToken: () => layout?.appToken, tableId: () => layout?.repsTableId });
  const scoring = createScoring({ store, journey, rules: () => scoringRules });
  const router = ruleRouter({ store, rules: () => routingRules, candidateRoles: assignmentRules.candidateRoles, openStages: openStages(journey) });
  const cards = createLeadCards({
    store,
    journey,
    rules: assignmentRules,
    router,
    returnReasons: () => returnReasons,
    calendar: workCalendar.calendar,
    locale: config.locale,
    chatId: () => chatId,
    log,
  });
  // The lead engine: scores from 评分规则, and a score past a threshold moves the lead on (or asks).
  const historyTableId = () => layout?.historyTableId;
  const engine = createLeadEngine({ store, journey, clock, scoring, router, cards, historyTableId, log, advance: createAdvanceOnScore({ store, journey, clock, rules: () => scoringRules, cards, historyTableId, log }) });
  const handleRecordChange = createHandleRecordChange({ store, journey, clock, api: bitableApi, roster, leadsTable, log, cards, engine, where: () => layout });
  const cardActions = createCardActions({ store, journey, clock, rules: assignmentRules, calendar: workCalendar.calendar, cards, locale: config.locale, log, members: (ms) => roster.membersWithin(ms), historyTableId, applyReturn: createApplyReturn({ store, journey, clock, calendar: workCalendar.calendar, scoring, cards, historyTableId }) });
  // Nurture: 培育步骤 on each lead's clock (re-planned from stage entries and activities), reminder
  // cards through the IM sender, webhooks through their own signed sender.
  const webhooks = createWebhookSender({ store, clock, log, secret: config.webhookSecret });
  webhooks.start();
  const nurture = createNurture({ store, journey, calendar: workCalendar.calendar, steps: () => nurtureSteps, cards, log });
  const nurtureJob = createNurtureJob({ store, nurture, clock, log, pollMs: sandbox ? 2_000 : 30_000 });
  // Leads nobody could take when they came: offered, oldest first, as soon as someone has room.
  const ownerQueue = createOwnerQueue({ store, journey, rules: assignmentRules, cards, log });
  const ownerQueueJob = createOwnerQueueJob({ queue: ownerQueue, members: () => roster.members(), clock, log, pollMs: sandbox ? 2_000 : 30_000, onOffered: () => (writer.kick(), void sender.kick()) });
  const afterDecisions = () => {
    writer.kick();
    void sender.kick();
    void webhooks.kick();
    void nurtureJob.kick();
    void ownerQueueJob.kick();
  };
  // SLAs that passed with nobody acting: remind → @ manager → reassign, from durable timers.
  const escalate = createEscalateSla({ store, rules: assignmentRules, calendar: workCalendar.calendar, cards, log });
  const timerSweep = createTimerSweep({
    store,
    clock,
    log,
    context: () => roster.members(),
    onFired: afterDecisions,
    handlers: { [SLA_ACCEPT]: escalate, [SLA_FOLLOW_UP]: escalate, [SLA_APPROVAL]: escalate, [NURTURE_STAGE]: nurture.fire, [NURTURE_SILENCE]: nurture.fire, [REENGAGE]: createReengage({ store, journey, clock, cards, returnReasons: () => returnReasons, historyTableId, log }), [OWNER_QUEUE_SUMMARY]: ownerQueue.summary, [CARD_RENEW]: cards.renew },
    pollMs: sandbox ? 2_000 : 15_000,
  });
  timerSweep.start();
  // Silence costs points: each lead's next tier is due on its own clock (the pass takes only those due).
  scoring.rescheduleAll();
  const decayJob = createDecayJob({ scoring, clock, log, onDecayed: afterDecisions, pollMs: sandbox ? 2_000 : 60_000 });
  decayJob.start();
  const inbound = createInboundProcessor({
    store,
    clock,
    log,
    handlers: {
      [RECORD_CHANGED]: async (envelopes) => {
        const sum = await handleRecordChange.handleRecordChanges(envelopes.map(parseRecordChanged));
        if (sum.adopted + sum.moved + sum.reverted + sum.gated + sum.facts + sum.deleted + sum.activities) log.info(sum, 'record change handled');
        afterDecisions();
      },
    },
  });

  if (sandbox) {
    // Every start provisions the demo Base with the same code `npm run provision` runs, then the demo
    // people type their rows and the server adopts them (线索编号 written back by the writer).
    const prov = await provision(bitableApi, template, { onStep: (_s, i, n, t) => log.debug({ step: `${i + 1}/${n}`, what: t.en }, 'provisioning the sandbox Base') });
    appToken = prov.appToken!;
    await sandbox.seedDemoRows(appToken);
    setLayout(appToken, prov.tables);
    const adoptRows = createAdoptRows({ store, journey, clock, api: bitableApi, leadsTable, log, engine, members: () => roster.members() });
    const adopted = await adoptRows(appToken, prov.tables.get(leadsTable.name)!);
    writer.kick();
    void roster.members().catch(() => undefined); // warm: the first card click should not wait for it
    log.info({ appToken, changes: prov.applied, adopted: adopted.adopted.length }, 'sandbox Base provisioned and demo leads adopted');
  } else if (appToken) {
    try {
      setLayout(appToken, new Map((await bitableApi.listTables(appToken)).map((t) => [t.name, t.table_id])));
      if (!layout) log.warn({ appToken }, `the Base has no table ${leadsTable.name}: run npm run provision`);
    } catch (e) {
      log.error({ appToken, err: e instanceof Error ? e.message : String(e) }, 'cannot read the Base; run npm run doctor');
    }
  }
  kickInbound = () => void inbound.kick();
  inbound.start();
  nurtureJob.start();
  ownerQueueJob.start();
  // Reconciliation: a full pass at start (it also finds rows deleted while the server was down), then
  // the rows changed since its cursor every RECONCILE_INTERVAL_SECONDS.
  const reconcile = createReconcile({ store, api: bitableApi, clock, log, handle: handleRecordChange, where: () => layout });
  let reconciling: Promise<unknown> | undefined;
  const runReconcile = (full = false) => {
    reconciling ??= reconcile({ full })
      .then(() => writer.kick())
      .catch((e: unknown) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'reconciliation failed; trying again at the next interval'))
      .finally(() => (reconciling = undefined));
    return reconciling;
  };
  // In the background: a large Base takes seconds to read, and events must be answered meanwhile. (The
  // sandbox's rows were all just read by adoption; its first pass comes at the interval.)
  if (!sandbox) void runReconcile(true);
  const reconcileTimer = setInterval(() => void runReconcile(), config.reconcileIntervalMs);
  reconcileTimer.unref();
  // The window is checked on the server's clock (in sandbox mode the sandbox's, which signs the requests).
  const verify = createFeishuVerifier({
    ...(sandbox
      ? { encryptKey: new Secret(sandbox.demo.app.encrypt_key ?? ''), verificationToken: new Secret(sandbox.demo.app.verification_token) }
      : { encryptKey: config.feishu!.encryptKey, verificationToken: config.feishu!.verificationToken }),
    clock,
  });

  const app = createApp({
    db,
    log,
    mode: config.feishu ? 'feishu' : 'sandbox',
    version: pkg.version,
    startedAt: clock.now(),
    outbox: () => store.bitable.counts(),
    messages: () => store.outbox.counts(),
    inbound: () => store.inbound.counts(),
    feishuEvents: { store, clock, verify, onStored: () => void inbound.kick() },
    feishuCard: { verify, act: cardActions, onAnswered: afterDecisions },
  });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info: AddressInfo) => {
    const url = `http://${info.address.includes(':') ? `[${info.address}]` : info.address}:${info.port}`;
    // The sandbox's app sends its events here, signed and encrypted, like a Feishu app configured in the console.
    if (sandbox) sandbox.emulator.kernel.apps.update(sandbox.demo.app.app_id, { event_url: `${url}/feishu/events`, card_url: `${url}/feishu/card` });
    log.info({ url, mode: config.feishu ? 'feishu' : 'sandbox', sandboxUrl: sandbox?.running.url }, 'Lead Journey listening');
    process.stderr.write(
      `\n  线索旅程 Lead Journey ${pkg.version}\n  服务 Server:   ${url}  (健康检查 ${url}/healthz)\n` +
        (sandbox ? `  飞书沙箱 Sandbox: ${sandbox.running.url}/  (本地模拟，不是真正的飞书 / a local emulator, not Feishu)\n` : `  飞书 Feishu:  ${config.feishu?.domain}\n`) +
        '\n',
    );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close(async () => {
      clearInterval(reconcileTimer);
      await reconciling;
      await inbound.stop();
      await writer.stop();
      await timerSweep.stop();
      await decayJob.stop();
      await nurtureJob.stop();
      await ownerQueueJob.stop();
      await sender.stop();
      await webhooks.stop();
      await sandbox?.close();
      db.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(1), 5000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`Lead Journey failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
