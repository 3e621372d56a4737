import { whenWithDay } from '../domain/text.js';
import { randomBytes } from 'node:crypto';
import { provision } from '../bitable/provision.js';
import type { Platform } from '../compose/services.js';
import type { Logger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { dingTalkChat } from '../ports/chat.js';
import { optionsOf } from '../rules/rule-table.js';
import { addSource, rotateSourceKey } from '../usecases/intake-sources.js';
import { addSubscriber, secretOf } from '../usecases/webhook-subscribers.js';
import { seedDemoMonths } from './demo-months.js';
import { doManualViewSteps } from './manual-view-steps.js';
import { longConnOf } from './feishu/longconn/module.js';
import { loadWorkCalendar } from '../rules/work-calendar.js';
import { startSandbox } from './start-sandbox.js';
import { sandboxStartAt } from './start-time.js';

/** The demo website's form posts as this intake source (its key is new at every start). */
export const DEMO_SOURCE = '官网表单（演示）';
/** The demo CRM (/demo/crm) hears the lead events as this webhook subscriber. */
/** the card template id the sandbox's DingTalk app uses (the emulator draws every card from its variables) */
export const SANDBOX_CARD_TEMPLATE = 'lead-journey.schema';

export const DEMO_SUBSCRIBER = '星河物联 CRM（演示）';

/**
 * The embedded sandbox as the server's Feishu (no credentials configured): the local emulator with its
 * demo app, people and group chat, reached through the SDK over HTTP like Feishu. Its clock is the
 * server's clock (real time unless moved: the UI's 快进时间, POST /__control/clock/advance, brings SLAs
 * due), and work is looked for every few seconds. Rate limits count real time either way.
 */
export async function sandboxPlatform(o: {
  port: number;
  log: Logger;
  startAt?: Date | undefined;
  demoHistory?: boolean;
  transport?: 'webhook' | 'long-connection';
  socketRecordEvents?: boolean;
  /** the demo groups on DingTalk instead of Feishu (SANDBOX_CHAT_PLATFORM=dingtalk) */
  chatPlatform?: 'feishu' | 'dingtalk';
}): Promise<Platform> {
  const { log } = o;
  // with no SANDBOX_START_AT, a start outside working hours moves the sandbox clock to the next working hour
  const movedTo = o.startAt ? undefined : sandboxStartAt(loadWorkCalendar().calendar, new Date());
  const sandbox = await startSandbox({ port: o.port, log, startAt: o.startAt ?? movedTo });
  if (movedTo) log.info({ sandboxTime: movedTo.toISOString() }, 'outside working hours: the sandbox clock starts at the next working hour');
  const app = sandbox.demo.app;
  log.info({ url: sandbox.running.url, appId: app.app_id }, 'Feishu sandbox started (local emulator, not Feishu)');
  if (o.transport === 'long-connection') {
    // like a console set to 「使用长连接接收事件/回调」: nothing is posted to the server, it connects
    sandbox.emulator.kernel.apps.update(app.app_id, { event_mode: 'long_connection', callback_mode: 'long_connection' });
    // Feishu's ClientConfig asks for a ping every 120 s and a reconnect every 120 s; the sandbox, where
    // people watch, asks for a quicker comeback after a dropped socket (the UI and the control API can drop it)
    Object.assign(longConnOf(sandbox.emulator.kernel).settings, { recordEvents: o.socketRecordEvents ?? true, pingIntervalS: 30, reconnectIntervalS: 3, reconnectNonceS: 1 });
  }
  const onDingTalk = o.chatPlatform === 'dingtalk';
  const dtDemo = sandbox.demo.dingtalk;
  return {
    mode: 'sandbox',
    // the demo CRM's subscriber signs with a secret derived from this (new at every start), unless WEBHOOK_SIGNING_KEY is set
    subscriberKey: new Secret(randomBytes(32).toString('base64url')),
    // the demo site's report page (/demo/report) reads the metrics API with this, unless METRICS_API_TOKEN is set
    metricsToken: new Secret(randomBytes(32).toString('base64url')),
    feishu: { domain: sandbox.running.url, appId: app.app_id, appSecret: new Secret(app.app_secret), encryptKey: new Secret(app.encrypt_key ?? ''), verificationToken: new Secret(app.verification_token) },
    clock: { now: () => new Date(sandbox.emulator.kernel.clock.now()) },
    chatId: onDingTalk ? dingTalkChat(dtDemo.chat.openConversationId) : sandbox.demo.chat.chat_id,
    digestChatId: onDingTalk ? dingTalkChat(dtDemo.managementChat.openConversationId) : sandbox.demo.managementChat.chat_id,
    // the demo company's DingTalk app (its card template is the emulator's: any id is taken)
    dingtalk: onDingTalk ? { apiBase: sandbox.running.url, clientId: dtDemo.app.appKey, clientSecret: new Secret(dtDemo.app.appSecret), robotCode: dtDemo.app.robotCode, cardTemplateId: SANDBOX_CARD_TEMPLATE } : undefined,
    quickPolls: true,
    // the demo website (/demo/form beside the emulator) posts from the browser to /api/leads
    intakeOrigins: [new URL(sandbox.running.url).origin, new URL(sandbox.running.url).origin.replace('//127.0.0.1:', '//localhost:')],
    // adoption reads every row at start; the first reconciliation pass comes at the interval
    reconcileAtStart: false,
    /**
     * Every start provisions the demo Base with the same code `npm run provision` runs, then the demo
     * people type their rows and the server adopts them (线索编号 written back by the writer).
     */
    async prepare(s) {
      const prov = await provision(s.bitableApi, s.rules.template, { onStep: (_s, i, n, t) => log.debug({ step: `${i + 1}/${n}`, what: t.en }, 'provisioning the sandbox Base') });
      const appToken = prov.appToken!;
      doManualViewSteps(sandbox.emulator.kernel, appToken, s.rules.template);
      // six months of made-up history first (rows and store), so the report and the digest have numbers
      if (o.demoHistory) {
        const made = await seedDemoMonths(sandbox.emulator.kernel, sandbox.demo, appToken, { store: s.store, journey: s.rules.journey, template: s.rules.template, scoring: s.lj.scoring, returnReasons: s.rules.returnReasons });
        if (made) log.info({ leads: made }, 'sandbox demo history: six months of made-up leads');
      }
      await sandbox.seedDemoRows(appToken);
      s.useBase(appToken, prov.tables);
      // the demo CRM: a webhook subscriber of every lead event (the demo rows' too), at the emulator's address of this start
      const crmUrl = `${sandbox.running.url}/demo/crm/webhook`;
      let subscriber = await s.store.webhookSubscribers.byName(DEMO_SUBSCRIBER);
      if (subscriber) await s.store.webhookSubscribers.setUrl(subscriber.id, crmUrl);
      else {
        const made = await addSubscriber(s.store, { name: DEMO_SUBSCRIBER, url: crmUrl, signingKey: s.subscriberKey?.reveal(), now: s.platform.clock.now() });
        if (made.ok) subscriber = made.subscriber;
        else log.warn({ why: made.problem.en }, 'the demo CRM has no webhook subscription');
      }
      const secret = subscriber && secretOf(s.subscriberKey?.reveal(), subscriber);
      if (secret?.ok) sandbox.demoSite.crm.setSecret(secret.secret);
      const adopted = await s.adoptRows(appToken, prov.tables.get(s.leadsTable.name)!);
      s.writer.kick();
      // the demo website's form: a source with a key made now (only its hash is kept, so a restart makes a new one)
      const existing = await s.store.intake.sourceByName(DEMO_SOURCE);
      const made = existing
        ? await rotateSourceKey(s.store, existing)
        : await addSource(s.store, { name: DEMO_SOURCE, channel: '官网咨询', channels: optionsOf(s.rules.template, 'leads', '来源渠道'), ratePerMinute: 60, now: s.platform.clock.now() });
      if (s.metricsToken) sandbox.demoSite.configure({ metricsToken: s.metricsToken.reveal() });
      if (made.ok) sandbox.demoSite.configure({ apiKey: made.credential });
      else log.warn({ why: made.problem.en }, 'the demo website form has no source');
      void s.roster.members().catch(() => undefined); // warm: the first card click should not wait for it
      log.info({ appToken, changes: prov.applied, adopted: adopted.adopted.length }, 'sandbox Base provisioned and demo leads adopted');
    },
    // The sandbox's app sends its events here, signed and encrypted, like a Feishu app configured in the console.
    onListening(url) {
      sandbox.emulator.kernel.apps.update(app.app_id, { event_url: `${url}/feishu/events`, card_url: `${url}/feishu/card` });
      sandbox.demoSite.configure({ productUrl: url });
    },
    close: () => sandbox.close(),
    // one address to open: the sandbox page links the demo form, CRM and report (and the server's own
    // address is in the "listening" log line)
    banner: () =>
      [
        `  打开 Open:  ${sandbox.running.url}/`,
        '',
        ...(movedTo
          ? [
              `  现在是非工作时间，沙箱时钟从下一个工作时间开始：${whenWithDay(movedTo)}（北京时间；分配和 SLA 按工作时间计算）`,
              `  Outside working hours now: the sandbox clock starts at the next working hour, ${whenWithDay(movedTo, 'en')} Beijing time (routing and SLAs count working hours)`,
            ]
          : []),
        '  沙箱：本地模拟的飞书，带一家演示公司（不是真正的飞书）。页面上的「试一试」一步步带你走完线索旅程。',
        '  Sandbox: a local Feishu emulator with a demo company (not Feishu). The page\'s "Try this" panel walks you through the journey.',
        ...(onDingTalk ? ["  钉钉群 DingTalk groups: 页面左侧「钉钉群」/ the page's 钉钉群 section (cards by DingTalk's card API, clicks back over Stream)"] : []),
        ...(o.transport === 'long-connection' ? ["  接收方式 Transport: 长连接 long connection（见沙箱「事件日志」页 / see the sandbox's Events page）"] : []),
      ].join('\n'),
    logFields: { sandboxUrl: sandbox.running.url },
  };
}
