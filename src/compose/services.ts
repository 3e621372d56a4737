import { serve } from '@hono/node-server';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app.js';
import { createBitableApi } from '../bitable/api.js';
import { bitableCellEncoder } from '../bitable/field-map.js';
import { createBitableLeadTable } from '../bitable/lead-table.js';
import { createRateGate } from '../bitable/rate-gate.js';
import { createRoster } from '../bitable/roster.js';
import { createBitableWriter } from '../bitable/writer.js';
import type { Config } from '../config.js';
import { parseRecordChanged, RECORD_CHANGED } from '../feishu/record-changed.js';
import { createFeishuClient } from '../feishu/sdk-client.js';
import { createFeishuVerifier } from '../feishu/verify.js';
import { createDingTalkApi } from '../dingtalk/api.js';
import { createDingTalkCardReceiver } from '../dingtalk/card-callback.js';
import { createDingTalkChannel } from '../dingtalk/chat-channel.js';
import { createDingTalkRobotReceiver } from '../dingtalk/robot-message.js';
import { createDingTalkStream } from '../dingtalk/stream.js';
import { createImApi } from '../im/api.js';
import { createImSender } from '../im/sender.js';
import { createDecayJob } from '../jobs/decay-job.js';
import { createHeldConnection } from '../jobs/held-connection.js';
import { createLease, instanceId } from '../jobs/lease.js';
import { createNurtureJob } from '../jobs/nurture-job.js';
import { createOwnerQueueJob } from '../jobs/owner-queue-job.js';
import { createTimerSweep } from '../jobs/timer-sweep.js';
import { createPrometheus } from '../ops/prometheus.js';
import { type CardActions, cardOpOf } from '../usecases/card-actions.js';
import { slaStepOf } from '../usecases/sla-ladder.js';
import { createErasure } from '../usecases/erase-person.js';
import { createHandoverJob } from '../jobs/handover-job.js';
import { createRosterJob } from '../jobs/roster-job.js';
import { createWeeklyDigest } from '../usecases/weekly-digest.js';
import { createSlowdownAlerts } from '../usecases/slowdown-alerts.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { createKickLoop } from '../lib/kick-loop.js';
import type { Logger } from '../lib/logger.js';
import type { TableLayout } from '../ports/lead-table.js';
import type { Secret } from '../lib/secret.js';
import { templateTable } from '../rules/base-template.js';
import { uncoveredYears } from '../rules/work-calendar.js';
import { describeStore, openStore } from '../store/open-store.js';
import { createAdoptRows } from '../usecases/adopt-rows.js';
import { createHandleRecordChange } from '../usecases/handle-record-change.js';
import { createInboundProcessor } from '../usecases/process-inbound.js';
import { createReconcile } from '../usecases/reconcile.js';
import { createCardReceiver, createEventReceiver } from '../feishu/inbound.js';
import { createFeishuLongConnection, SOCKET_RECORD_EVENT_CURSOR } from '../feishu/long-connection.js';
import { createRuleTables } from '../usecases/rule-tables.js';
import { bitableTarget } from '../store/bitable-outbox-repo.js';
import { createWebhookSender } from '../webhooks/sender.js';
import { createIntakeBodyParser } from '../http/intake-body.js';
import { createActivityBodyParser } from '../http/activity-body.js';
import { leadMinimumOf } from '../domain/journey.js';
import { createLeadJourney } from './lead-journey.js';
import { loadRuleSet, ruleTableSpecs } from './rule-set.js';

/** how long a shutdown waits for requests in flight before it cuts their connections */
const SHUTDOWN_DRAIN_MS = 5_000;

/** /readyz says `degraded` when the oldest waiting Bitable write is older than this */
const READY_MAX_WRITER_LAG_SECONDS = 600;

/** sync_cursors: the contact keys (E.164 phone, e-mail) of leads stored before migration 14 were added (once) */
const CONTACT_KEYS_DONE = 'leads.contact_keys.14';

/**
 * Where the server's Feishu is: a real app (compose/feishu-platform.ts) or the embedded sandbox
 * (sandbox/platform.ts). The services reach either one the same way, through the SDK over HTTP.
 */
export interface Platform {
  mode: 'feishu' | 'sandbox';
  feishu: { domain: string; appId: string; appSecret: Secret; encryptKey: Secret | undefined; verificationToken: Secret | undefined };
  /** a DingTalk app: cards to its groups, clicks back over Stream (docs/platform/dingtalk.md); undefined: Feishu only */
  dingtalk?: { apiBase: string; clientId: string; clientSecret: Secret; robotCode: string; cardTemplateId: string } | undefined;
  /** the server's notion of now (the sandbox's clock can be moved forward) */
  clock: Clock;
  /** the group chat cards go to (a DingTalk group is written dingtalk:<openConversationId>); undefined: none are sent */
  chatId: string | undefined;
  /** the management group the weekly digest goes to; undefined: none is sent */
  digestChatId: string | undefined;
  /** look for work every few seconds instead of every quarter minute (the sandbox, where people watch) */
  quickPolls: boolean;
  /** the master key of webhook subscribers when WEBHOOK_SIGNING_KEY is not set (the sandbox makes one for its demo CRM) */
  subscriberKey?: Secret;
  /** the metrics API's bearer token when METRICS_API_TOKEN is not set (the sandbox makes one for its report page) */
  metricsToken?: Secret;
  /** browser origins allowed to post to /api/leads besides INTAKE_CORS_ORIGINS (the sandbox's demo form) */
  intakeOrigins?: readonly string[];
  /** a full reconciliation pass when the server starts (finds rows changed or deleted while it was down) */
  reconcileAtStart: boolean;
  /** finds (or makes) the Base and tells the services where it is; runs before the workers start */
  prepare(s: Services): Promise<void>;
  /** the server listens at `url` (the sandbox points its app's event and card URLs there) */
  onListening?(url: string): void;
  close?(): Promise<void>;
  /** what the start banner shows once the server listens at `serverUrl`, and what the "listening" log line adds */
  banner(serverUrl: string): string;
  logFields: Record<string, unknown>;
}

export interface ServicesInput {
  config: Config;
  log: Logger;
  platform: Platform;
  /** the package version /healthz reports */
  version: string;
}

/**
 * The composition root: builds the whole object graph from configuration and a platform. `main.ts`
 * loads the configuration, calls this, starts and stops; nothing else opens the database or builds
 * SDK clients. The use cases alone (no platform) come from `createLeadJourney`, which tests import.
 */
export async function createServices({ config, log, platform, version }: ServicesInput) {
  const rules = loadRuleSet(config.journey);
  const { journey, template } = rules;
  const { clock } = platform;
  /** this process among the instances sharing the database */
  const instance = instanceId();
  let migrated: number[] = [];
  const storeChoice = { databasePath: config.databasePath, databaseUrl: config.databaseUrl, fresh: config.sandbox.freshDatabase };
  const store = await openStore(storeChoice, { onMigrated: (a) => (migrated = a) });
  log.info({ database: describeStore(storeChoice), dialect: store.dialect, instance, migrated, journey: journey.id, leads: await store.leads.count(), now: clock.now().toISOString() }, 'database ready');
  // SLAs count working time; a year without the official holiday schedule counts only weekends.
  const uncovered = uncoveredYears(rules.workCalendar.coveredYears, clock.now());
  if (uncovered.length)
    log.warn(
      { years: uncovered },
      `工作日历缺少 ${uncovered.join('、')} 年的法定节假日安排（升级 chinese-days，或在 bitable-templates/work-calendar.json 中补充）/ no official holiday schedule for ${uncovered.join(', ')} yet: update chinese-days or add the days to work-calendar.json`,
    );

  // Work only one instance may do at a time (docs/architecture.md#several-instances): held under a
  // lease on the database, timed by the wall clock (the sandbox's clock can jump forward), renewed while
  // the work runs, taken over FAILOVER_SECONDS after an instance died holding it. With one instance
  // (SQLite) they cost a statement or two per pass.
  const lease = (name: string) => createLease({ store, clock: systemClock, log, name, holder: instance, ttlMs: config.failoverMs });

  // GET /metrics (docs/operations.md#metrics): counters fed by the components below, queue depths read when scraped
  const writerLagSeconds = async () => {
    const oldest = await store.tableWrites.oldestWaiting();
    return oldest ? Math.max(0, (clock.now().getTime() - oldest.getTime()) / 1000) : 0;
  };
  const prometheus = createPrometheus({ queues: { inbound: () => store.eventQueue.counts(), tableWrites: () => store.tableWrites.counts(), messages: () => store.messages.counts(), writerLagSeconds }, version });
  const telemetry = prometheus.telemetry;

  const f = platform.feishu;
  const feishuClient = createFeishuClient({ domain: f.domain, appId: f.appId, appSecret: f.appSecret, log, observe: (api, code) => telemetry.platformCall('feishu', api, code) });
  const bitableApi = createBitableApi(feishuClient, { readGate: createRateGate({ perSecond: config.bitableReadsPerSecond, perMinute: config.bitableReadsPerSecond * 60 }) });
  // a put-back that landed is re-checked through the inbound path
  const writer = createBitableWriter({
    store,
    api: bitableApi,
    onPutBackLanded: () => void inbound.kick(),
    onCall: telemetry.tableWrite,
    gate: createRateGate({ perSecond: config.bitableWriter.perSecond, perMinute: config.bitableWriter.perMinute }),
    clock,
    log,
    options: { batchSize: config.bitableWriter.batchSize },
    encode: bitableCellEncoder(rules.template),
    lease,
  });
  const chatId = platform.chatId;
  if (!chatId) log.warn({}, 'FEISHU_CHAT_ID (or DINGTALK_CHAT_ID) is not set: approval and assignment cards are not sent (see .env.example)');

  // Where the server works: the Base and its tables by template name (provisioned or checked at start).
  let layout: TableLayout | undefined;
  const leadsTable = templateTable(template, 'leads');
  const tableName = (key: string) => templateTable(template, key).name;
  // the leads table as the use cases see it (plain rows), over the Bitable
  const table = createBitableLeadTable({ api: bitableApi, template, layout: () => layout, log });
  const roster = createRoster({
    api: bitableApi,
    template,
    appToken: () => layout?.appToken,
    tableId: () => layout?.repsTableId,
    // names for the report, which reads only the database (npm run report)
    onLoaded: (members) =>
      void store.people
        .remember(
          [...members.values()].map((m) => ({ id: m.id, name: m.name })),
          clock.now(),
        )
        .catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not keep the team’s names for the report')),
  });
  // Cards and @-mentions: queued with the decisions, sent by one sender within the chat and app limits
  // (to a Feishu group, or through DingTalk's card API to a DingTalk group).
  const dt = platform.dingtalk;
  const dingtalkApi = dt && createDingTalkApi({ baseUrl: dt.apiBase, appKey: dt.clientId, appSecret: dt.clientSecret, observe: (api, code) => telemetry.platformCall('dingtalk', api, code) });
  const dingtalkChannel = dt && dingtalkApi && createDingTalkChannel({ api: dingtalkApi, robotCode: dt.robotCode, templateId: dt.cardTemplateId, team: roster, locale: config.locale, log });
  const sender = createImSender({ store, api: createImApi(feishuClient), dingtalk: dingtalkChannel, clock, log, leaseMs: config.failoverMs });
  // leads stored before their contact keys (migrations 13, 14) get them, so 撞单 and dedupe find them too: once
  if ((await store.cursors.get(CONTACT_KEYS_DONE)) === undefined) {
    let keyed = 0;
    for (let n = 1; n > 0; keyed += n) n = await store.transaction(() => store.leads.backfillContactKeys(500));
    await store.cursors.set(CONTACT_KEYS_DONE, 1, clock.now());
    if (keyed) log.info({ leads: keyed }, 'contact keys added to leads stored before them (撞单, dedupe)');
  }
  const lj = await createLeadJourney({
    store,
    rules,
    clock,
    log,
    locale: config.locale,
    team: roster,
    chatId: () => chatId,
    historyTableId: () => layout?.historyTableId,
    layout: () => layout,
  });
  // every click counted by what it asked and how it was answered, whichever way it came
  const cardActions: CardActions = async (click) => {
    const answer = await lj.cardActions(click);
    telemetry.cardAction(cardOpOf(click), answer.toast.type);
    return answer;
  };
  // Rules the team edits in the Base (评分规则 … SLA 策略, and the 销售团队 rows): read at start, on their
  // events, and every interval on every instance (only the holder of the inbound lease sees the events).
  const ruleTableIds = new Map<string, string>();
  const specs = ruleTableSpecs(rules, {
    onTeamChanged: () => {
      roster.invalidate();
      void handoverJob.kick(); // someone marked as leaving: their leads are handed over now
    },
  });
  const ruleTables = createRuleTables({
    store,
    table,
    clock,
    log,
    specs,
    locate: (key) => {
      const id = ruleTableIds.get(key);
      return id && layout ? { tableId: id, target: bitableTarget(layout.appToken, id) } : undefined;
    },
    onQueued: () => writer.kick(),
    onApplied: (key) => {
      kickPlanners();
      if (key === 'rules_recycle') void replanProtection();
    },
  });
  // 回收规则 changed: every owned lead's 保护期 again, in the timer sweep (once per set of rules, whichever instance)
  const replanProtection = () =>
    store
      .transaction(() => lj.protection.rulesChanged(clock.now()))
      .then(() => timerSweep.kick())
      .catch((e: unknown) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'could not schedule the 保护期 pass after 回收规则 changed'));
  // the jobs that plan by the rules (nurture steps, decay tiers): they see a change at once
  const kickPlanners = () => {
    void nurtureJob.kick();
    void decayJob.kick();
  };
  const ruleLoop = createKickLoop(
    async () => {
      const first = !ruleTables.settled();
      try {
        await ruleTables.reloadAll();
      } finally {
        // the jobs that re-plan when the rules change waited for the Base's rules (not the files')
        if (first) kickPlanners();
      }
    },
    { pollMs: Math.min(config.reconcileIntervalMs, 60_000), onError: (e) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'reading the rule tables failed; trying again at the next interval') },
  );
  const handleRecordChange = createHandleRecordChange({ store, journey, clock, table, team: roster, leadsTable, log, cards: lj.cards, offers: lj.offers, engine: lj.engine, pool: lj.pool, protection: lj.protection });
  const adoptRows = createAdoptRows({ store, journey, clock, table, leadsTable, log, engine: lj.engine, members: () => roster.members() });
  const pollMs = (quick: number, live: number) => (platform.quickPolls ? quick : live);
  // Nurture: 培育步骤 on each lead's clock (re-planned from stage entries and activities), reminder
  // cards through the IM sender, webhooks through their own signed sender.
  const subscriberKey = config.subscriberKey ?? platform.subscriberKey;
  const metricsToken = config.metricsToken ?? platform.metricsToken;
  const webhooks = createWebhookSender({ store, clock, log, secret: config.webhookSecret, subscriberKey });
  const nurtureJob = createNurtureJob({ store, nurture: lj.nurture, steps: () => (ruleTables.settled() ? rules.nurtureSteps : undefined), clock, log, pollMs: pollMs(2_000, 30_000), lease: lease('nurture') });
  // Leads nobody could take when they came: offered, oldest first, as soon as someone has room.
  const ownerQueueJob = createOwnerQueueJob({
    queue: lj.ownerQueue,
    members: () => roster.members(),
    clock,
    log,
    pollMs: pollMs(2_000, 30_000),
    lease: lease('owner-queue'),
    onOffered: () => {
      writer.kick();
      void sender.kick();
    },
  });
  // 离职交接: a leaver's open leads to the person named, or back to the pool
  const handoverJob = createHandoverJob({
    handover: lj.handover,
    members: () => roster.members(),
    clock,
    log,
    pollMs: pollMs(2_000, 60_000),
    lease: lease('handover'),
    onMoved: () => afterDecisions(),
  });
  // 线索周报: the week's numbers to the management group when the schedule's time comes
  const weeklyDigest = createWeeklyDigest({ store, journey, config: () => rules.metrics, calendar: rules.calendar, cards: lj.cards, chatId: () => platform.digestChatId, log });
  const digestJob = createRosterJob({ name: 'weekly digest', run: weeklyDigest.run, members: () => roster.members(), clock, log, pollMs: pollMs(2_000, 60_000), lease: lease('digest'), onQueued: () => void sender.kick() });
  // 推进变慢: a card to the owner of a lead past its stage's usual time (each pass reads every history)
  const slowdown = createSlowdownAlerts({ store, journey, config: () => rules.metrics, cards: lj.cards, log });
  const slowdownJob = createRosterJob({ name: 'slow-down alerts', run: slowdown.run, members: () => roster.members(), clock, log, pollMs: pollMs(5_000, 600_000), lease: lease('slowdown'), onQueued: () => void sender.kick() });
  // PIPL retention (RETENTION_CLOSED_DAYS): lost and disqualified leads lose their contact data that many
  // days after, each erasure audited; one instance at a time (docs/operations.md#erasing-a-person)
  const erasure = createErasure({ store, leadsTable, clock });
  const retentionDays = config.retentionClosedDays;
  const closedStages = journey.stages.filter((st) => st.kind === 'lost' || st.kind === 'disqualified').map((st) => st.id);
  const retentionLoop =
    retentionDays === undefined
      ? undefined
      : createKickLoop(
          async (ctl) => {
            const before = new Date(clock.now().getTime() - retentionDays * 86_400_000);
            const n = await erasure.eraseClosedBefore(journey.id, closedStages, before, { stopping: () => ctl.stopping });
            if (!n) return;
            log.info({ leads: n, days: retentionDays }, '个人信息保留期已到：已删除输单/无效线索的联系方式 / retention: contact data of closed leads erased');
            writer.kick();
          },
          { pollMs: pollMs(60_000, 3_600_000), lease: lease('retention'), onError: (e) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'retention pass failed; trying again at the next interval') },
        );
  const afterDecisions = () => {
    writer.kick();
    void sender.kick();
    void webhooks.kick();
    void nurtureJob.kick();
    void ownerQueueJob.kick();
  };
  // SLAs that passed with nobody acting: remind → @ manager → reassign, from durable timers; and the
  // other timers (nurture steps, re-engage dates, card renewals, owner-queue summaries).
  const timerSweep = createTimerSweep({
    store,
    clock,
    log,
    context: () => roster.members(),
    onFired: afterDecisions,
    onEach: (t, now) => telemetry.timerFired(t.kind, (now.getTime() - t.dueAt.getTime()) / 1000, slaStepOf(t)),
    handlers: lj.timerHandlers,
    pollMs: pollMs(2_000, 15_000),
    lease: lease('timers'),
  });
  // Silence costs points: each lead's next tier is due on its own clock (the pass takes only those due).
  const decayJob = createDecayJob({ store, scoring: lj.scoring, tiers: () => (ruleTables.settled() ? rules.scoring.decay : undefined), clock, log, onDecayed: afterDecisions, pollMs: pollMs(2_000, 60_000), lease: lease('decay') });
  const inbound = createInboundProcessor({
    store,
    clock,
    log,
    lease: lease('inbound'),
    handlers: {
      [RECORD_CHANGED]: async (envelopes) => {
        const changes = envelopes.map(parseRecordChanged);
        if (changes.some((c) => ruleTables.specOf(c.tableId))) void ruleLoop.kick();
        const sum = await handleRecordChange.handleRecordChanges(changes); // it reads the leads, 活动记录 and 销售团队 tables only
        if (sum.adopted + sum.moved + sum.reverted + sum.gated + sum.facts + sum.deleted + sum.activities) log.info(sum, 'record change handled');
        afterDecisions();
      },
    },
  });
  // Reconciliation: the rows changed since its cursor every RECONCILE_INTERVAL_SECONDS (and a full pass
  // at start where the platform asks for one: it also finds rows deleted while the server was down).
  // With several instances on one PostgreSQL, one of them reconciles at a time (a lease).
  const reconcile = createReconcile({ store, table, clock, log, handle: handleRecordChange });
  let fullPass = platform.reconcileAtStart;
  const reconcileLoop = createKickLoop(
    async (ctl) => {
      const full = fullPass;
      fullPass = false;
      await reconcile({ full, stopping: () => ctl.stopping });
      writer.kick();
    },
    {
      pollMs: config.reconcileIntervalMs,
      lease: lease('reconcile'),
      leaseRetryMs: config.reconcileIntervalMs,
      onError: (e) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'reconciliation failed; trying again at the next interval'),
    },
  );
  // The window is checked on the server's clock (in sandbox mode the sandbox's, which signs the requests).
  const verify = createFeishuVerifier({ encryptKey: f.encryptKey, verificationToken: f.verificationToken, clock });
  // FEISHU_TRANSPORT=long-connection: events and card callbacks come over a socket the server opens
  // (no public URL), into the same receivers as the HTTP routes. Feishu may or may not push record
  // changes that way (docs/platform/feishu.md#55-long-connection): until one arrives on the socket, and
  // whenever none has for a while, the grid is reconciled every few seconds instead.
  const longConnection =
    config.feishuTransport === 'long-connection'
      ? createFeishuLongConnection({
          domain: f.domain,
          appId: f.appId,
          appSecret: f.appSecret,
          log,
          events: createEventReceiver({ store, clock, onStored: () => void inbound.kick(), onReceived: (fresh) => telemetry.eventReceived('long-connection', fresh) }),
          cards: createCardReceiver({ act: cardActions, onAnswered: afterDecisions, locale: config.locale }),
          quick: platform.quickPolls,
          reconcile: (full) => {
            if (full) fullPass = true;
            void reconcileLoop.kick();
          },
          onRecordEvent: (at) => void store.cursors.set(SOCKET_RECORD_EVENT_CURSOR, at.getTime(), clock.now()).catch(() => undefined),
        })
      : undefined;
  // Feishu pushes each event to one of the app's connections: with several instances, only the holder
  // of its lease keeps one open, and another opens it when the holder stops or dies.
  const connectionRetryMs = Math.min(5_000, Math.max(500, config.failoverMs / 3));
  const heldLongConnection = longConnection && createHeldConnection({ lease: lease('feishu-long-connection'), connection: longConnection, log, retryMs: connectionRetryMs });
  // DingTalk: card clicks come over Stream (a socket the server opens), into the same card actions;
  // like the long connection, only the holder of its lease keeps it open.
  const dingtalkStream =
    dt &&
    createDingTalkStream({
      baseUrl: dt.apiBase,
      clientId: dt.clientId,
      clientSecret: dt.clientSecret,
      log,
      onCard: createDingTalkCardReceiver({ act: cardActions, team: roster, onAnswered: afterDecisions, locale: config.locale }),
      onRobot: createDingTalkRobotReceiver({ lookup: lj.leadLookup, team: roster, clock, log, onQueued: () => void sender.kick() }),
      ...(platform.quickPolls ? { capMs: 10_000 } : {}),
    });
  const heldDingTalk = dingtalkStream && createHeldConnection({ lease: lease('dingtalk-stream'), connection: dingtalkStream, log, retryMs: connectionRetryMs });
  const app = createApp({
    ping: store.ping,
    log,
    mode: platform.mode,
    version,
    startedAt: clock.now(),
    outbox: () => store.tableWrites.counts(),
    messages: () => store.messages.counts(),
    inbound: () => store.eventQueue.counts(),
    instance,
    leases: () => store.leases.held(systemClock.now()),
    ready: {
      tokens: [{ name: 'feishu', get: () => feishuClient.tokenManager.getTenantAccessToken() as Promise<unknown> }, ...(dingtalkApi ? [{ name: 'dingtalk', get: () => dingtalkApi.accessToken() }] : [])],
      writerLagSeconds,
      maxWriterLagSeconds: READY_MAX_WRITER_LAG_SECONDS,
    },
    feishuEvents: { store, clock, verify, onStored: () => void inbound.kick(), onReceived: (fresh) => telemetry.eventReceived('webhook', fresh) },
    feishuCard: { verify, act: cardActions, onAnswered: afterDecisions, locale: config.locale },
    metrics: { store, journey, config: rules.metrics, clock, token: metricsToken },
    prometheus: { scrape: prometheus.scrape, token: config.prometheusToken },
    telemetry,
    draining: () => draining,
    intake: {
      store,
      clock,
      intake: lj.intake,
      parse: createIntakeBodyParser(template, leadMinimumOf(journey)),
      activities: lj.intakeActivities,
      parseActivity: createActivityBodyParser(template),
      signingKey: config.intake.signingKey,
      corsOrigins: [...config.intake.corsOrigins, ...(platform.intakeOrigins ?? [])],
      onAccepted: () => {
        void timerSweep.kick();
        writer.kick();
      },
    },
  });

  let server: ReturnType<typeof serve> | undefined;
  let draining = false;
  /** the part of a stop being waited for (a shutdown that overruns names it) */
  let waitingFor: string | undefined;
  const services = {
    config,
    log,
    platform,
    rules,
    store,
    bitableApi,
    roster,
    writer,
    lj,
    leadsTable,
    adoptRows,
    ruleTables,
    /** the master key webhook subscribers' secrets are derived from (WEBHOOK_SIGNING_KEY, or the platform's) */
    subscriberKey,
    /** the metrics API's bearer token (METRICS_API_TOKEN, or the platform's) */
    metricsToken,
    /** The Base the server works in: its token and its tables by name. */
    useBase(appToken: string, tables: Map<string, string>): TableLayout | undefined {
      const leadsTableId = tables.get(leadsTable.name);
      layout = leadsTableId ? { appToken, leadsTableId, historyTableId: tables.get(tableName('stage_history')), repsTableId: tables.get(tableName('reps')), activitiesTableId: tables.get(tableName('activities')) } : undefined;
      ruleTableIds.clear();
      for (const spec of specs) {
        const id = tables.get(tableName(spec.key));
        if (id) ruleTableIds.set(spec.key, id);
      }
      return layout;
    },
    /** The workers, once the Base is known. */
    async start(): Promise<void> {
      writer.start();
      sender.start();
      webhooks.start();
      timerSweep.start();
      decayJob.start();
      inbound.start();
      nurtureJob.start();
      ownerQueueJob.start();
      handoverJob.start();
      digestJob.start();
      slowdownJob.start();
      // In the background: a large Base takes seconds to read, and events must be answered meanwhile.
      reconcileLoop.start({ now: platform.reconcileAtStart });
      heldLongConnection?.start();
      heldDingTalk?.start();
      ruleLoop.start();
      retentionLoop?.start({ now: true });
    },
    /** Serve the HTTP app; resolves with its URL. */
    listen(): Promise<string> {
      return new Promise((resolve) => {
        server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info: AddressInfo) => resolve(`http://${info.address.includes(':') ? `[${info.address}]` : info.address}:${info.port}`));
      });
    },
    /**
     * Stop answering, finish what is in flight, close the database (docs/operations.md#stopping): no new
     * connections; idle keep-alive connections closed at once and busy ones after their answer (which
     * says `Connection: close`); whatever is still open after SHUTDOWN_DRAIN_MS is cut. Then the workers
     * finish their current step and the database closes.
     */
    async stop(): Promise<void> {
      draining = true;
      const took: Record<string, number> = {};
      const timed = async (name: string, f: () => Promise<unknown> | undefined) => {
        const t0 = performance.now();
        waitingFor = name;
        await f();
        took[name] = Math.round(performance.now() - t0);
      };
      await timed('http', async () => {
        if (!server) return;
        const s = server as unknown as HttpServer;
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections?.();
        const cut = setTimeout(() => {
          log.warn({ afterMs: SHUTDOWN_DRAIN_MS }, 'requests still open at shutdown: closing their connections');
          s.closeAllConnections?.();
        }, SHUTDOWN_DRAIN_MS);
        await closed;
        clearTimeout(cut);
      });
      // each finishes the step it is in (a write call, a batch of timers) and takes no other
      const workers: Array<[string, { stop(): Promise<unknown> } | undefined]> = [
        ['longConnection', heldLongConnection],
        ['dingtalk', heldDingTalk],
        ['reconcile', reconcileLoop],
        ['rules', ruleLoop],
        ['inbound', inbound],
        ['writer', writer],
        ['timers', timerSweep],
        ['decay', decayJob],
        ['nurture', nurtureJob],
        ['ownerQueue', ownerQueueJob],
        ['handover', handoverJob],
        ['digest', digestJob],
        ['slowdown', slowdownJob],
        ['sender', sender],
        ['webhooks', webhooks],
        ['retention', retentionLoop],
      ];
      for (const [name, w] of workers) if (w) await timed(name, () => w.stop());
      await timed('platform', () => platform.close?.());
      await timed('database', () => store.close());
      waitingFor = undefined;
      log.info({ ms: took }, 'stopped');
    },
    /** what a stop in progress is waiting for, and how long each part before it took */
    stopProgress: () => ({ waitingFor }),
  };
  return services;
}

export type Services = Awaited<ReturnType<typeof createServices>>;
