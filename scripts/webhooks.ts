/**
 * Who hears about lead events through signed webhooks (docs/webhooks.md):
 *   npm run webhooks -- add NAME URL [--events lead.created,lead.stage_changed]   a new subscriber; its
 *                                                  signing secret (Standard Webhooks) is shown
 *   npm run webhooks -- list                       subscribers, their events and deliveries
 *   npm run webhooks -- secret NAME|ID             its signing secret again (derived, never stored)
 *   npm run webhooks -- rotate NAME|ID             a new secret (the old one stops signing at once)
 *   npm run webhooks -- url NAME|ID URL            its events go to a new URL (queued ones too)
 *   npm run webhooks -- test NAME|ID               send it a webhook.test event
 *   npm run webhooks -- replay NAME|ID [--since 24h|7d|2026-12-01]   send its events again
 *   npm run webhooks -- remove NAME|ID             stop sending to it
 * Needs WEBHOOK_SIGNING_KEY for add, secret and rotate. Uses the server's database (DATABASE_PATH or
 * DATABASE_URL; in sandbox mode ./data/sandbox.db); a running server sends what is queued within seconds.
 * Events that failed for good are dead letters: npm run outbox -- list | retry.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { SUBSCRIBER_TARGET } from '../src/ports/webhooks.js';
import { readWhen } from '../src/lib/read-when.js';
import { openStore } from '../src/store/open-store.js';
import { LEAD_EVENT_TYPES } from '../src/usecases/lead-events.js';
import { addSubscriber, checkUrl, replayTo, rotateSubscriber, secretOf, sendTest } from '../src/usecases/webhook-subscribers.js';

const out = (s = '') => process.stdout.write(`${s}\n`);
const fail = (zh: string, en: string, code = 2): never => {
  process.stderr.write(`${zh}\n${en}\n`);
  process.exit(code);
};
const USAGE = [
  '用法 Usage:',
  '  npm run webhooks -- add 名称NAME URL [--events 事件,事件]',
  '  npm run webhooks -- list',
  '  npm run webhooks -- secret|rotate|test|remove 名称NAME|ID',
  '  npm run webhooks -- url 名称NAME|ID URL',
  '  npm run webhooks -- replay 名称NAME|ID [--since 24h|7d|2026-12-01]',
  `事件 Events: ${LEAD_EVENT_TYPES.join(', ')}（不填为全部 / all when not given）`,
].join('\n');

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({ allowPositionals: true, options: { events: { type: 'string' }, since: { type: 'string' } } });
}
try {
  args = parse();
} catch (e) {
  fail(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`, '');
}
const [cmd, arg, third] = args!.positionals;
const needs: Record<string, number> = { add: 2, list: 0, secret: 1, rotate: 1, test: 1, remove: 1, url: 2, replay: 1 };
if (!cmd || !(cmd in needs) || args!.positionals.length - 1 < needs[cmd]!) fail(USAGE, '');

/** A URL as lists show it: no query (it may hold a token). */
const shown = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
};

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
} catch (e) {
  fail(e instanceof ConfigError ? e.message : String(e), '');
}
const key = config!.subscriberKey?.reveal();
const store = await openStore({ databasePath: config!.databasePath, databaseUrl: config!.databaseUrl });
try {
  const now = new Date();
  if (cmd === 'add') {
    const r = await addSubscriber(store, { name: arg!, url: third!, events: args!.values.events?.split(/[,，]/) ?? [], signingKey: key, now });
    if (!r.ok) fail(`无法添加订阅方：${r.problem.zh}`, `Cannot add the subscriber: ${r.problem.en}`);
    else {
      out(`已添加订阅方「${r.subscriber.name}」 Added subscriber "${r.subscriber.name}"  id ${r.subscriber.id}`);
      out(`  事件 Events: ${r.subscriber.events.length ? r.subscriber.events.join(', ') : `全部 all (${LEAD_EVENT_TYPES.join(', ')})`}`);
      out('签名密钥（Standard Webhooks，交给接收方用来校验 webhook-signature；可用 secret 命令再次查看）/ Signing secret (Standard Webhooks; the receiver verifies webhook-signature with it):');
      out(`  ${r.secret}`);
      out(`试一下 Try it: npm run webhooks -- test ${r.subscriber.id}`);
    }
  } else if (cmd === 'list') {
    const all = await store.webhookSubscribers.all();
    if (!all.length) out('还没有订阅方。/ No subscribers yet: npm run webhooks -- add CRM https://crm.example.com/hooks/leads');
    for (const s of all) {
      const c = await store.messages.countsOf(SUBSCRIBER_TARGET(s.id));
      out(`${s.id}  ${s.name}  ${shown(s.url)}  ${s.revokedAt ? `已删除 removed ${s.revokedAt.toISOString()}` : `启用 since ${s.createdAt.toISOString()}`}`);
      out(`    事件 events ${s.events.length ? s.events.join(', ') : '全部 all'} · 待发 pending ${c.pending + c.in_flight} · 已送达 delivered ${c.done} · 死信 dead ${c.dead}`);
    }
  } else {
    const s = (await store.webhookSubscribers.byName(arg!)) ?? (await store.webhookSubscribers.get(arg!));
    if (!s) fail(`没有名为或编号为「${arg}」的订阅方（npm run webhooks -- list）`, `No subscriber named or with id "${arg}" (npm run webhooks -- list)`);
    else if (s.revokedAt) fail(`订阅方「${s.name}」已删除`, `Subscriber "${s.name}" was removed`);
    else if (cmd === 'secret' || cmd === 'rotate') {
      const r = cmd === 'secret' ? secretOf(key, s) : await rotateSubscriber(store, s, key);
      if (!r.ok) fail(r.problem.zh, r.problem.en);
      else {
        out(cmd === 'rotate' ? `「${s.name}」的新签名密钥（旧的已停用）/ New signing secret for "${s.name}" (the old one no longer signs):` : `「${s.name}」的签名密钥 / Signing secret of "${s.name}":`);
        out(`  ${r.secret}`);
      }
    } else if (cmd === 'url') {
      const u = checkUrl(third!);
      if (!u.ok) fail(u.problem.zh, u.problem.en);
      else {
        await store.webhookSubscribers.setUrl(s.id, u.url);
        out(`「${s.name}」的事件改发到 ${shown(u.url)}（包括尚未送达的）。/ "${s.name}" now gets its events (queued ones too) at ${shown(u.url)}.`);
      }
    } else if (cmd === 'test') {
      const id = await sendTest(store, s, now);
      out(`已排队测试事件 ${id}（webhook.test）；运行中的服务几秒内发送。/ Queued test event ${id}; a running server sends it within seconds.`);
    } else if (cmd === 'replay') {
      const since = readWhen(args!.values.since, now, new Date(now.getTime() - 86_400_000));
      if (!since) fail(`看不懂 --since「${args!.values.since}」：用 24h、7d 或 2026-12-01`, `Cannot read --since "${args!.values.since}": use 24h, 7d or 2026-12-01`);
      else {
        const n = await replayTo(store, s, since, now);
        out(`已重新排队「${s.name}」自 ${since.toISOString()} 起的 ${n} 个事件（webhook-id 不变，接收方可据此去重）。/ Re-queued ${n} events for "${s.name}" since ${since.toISOString()} (same webhook-id: receivers may dedupe).`);
      }
    } else {
      await store.webhookSubscribers.revoke(s.id, now);
      out(`已删除「${s.name}」：不再向它发送事件（尚未送达的将成为死信）。/ Removed "${s.name}": no more events (queued ones become dead letters).`);
    }
  }
} finally {
  await store.close();
}
