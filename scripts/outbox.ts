/**
 * npm run outbox -- list            the dead letters: Bitable writes, cards/messages and outbound webhooks that failed for good, with why
 * npm run outbox -- retry ID…       send those rows again (after fixing the cause)
 * npm run outbox -- retry --all     send every dead letter again
 * Uses the same database as the server (DATABASE_PATH; in sandbox mode ./data/sandbox.db). A running
 * server picks re-queued rows up within a second; otherwise at its next start.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { describeStore, openStore, type StoreChoice } from '../src/store/open-store.js';

const out = (s = '') => process.stdout.write(`${s}\n`);
const { positionals, values } = parseArgs({ allowPositionals: true, options: { all: { type: 'boolean', default: false } } });
const [cmd, ...ids] = positionals;
if (cmd !== 'list' && cmd !== 'retry') {
  process.stderr.write('用法 Usage: npm run outbox -- list | retry ID… | retry --all\n');
  process.exit(2);
}
let choice: StoreChoice;
try {
  const config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
  choice = { databasePath: config.databasePath, databaseUrl: config.databaseUrl };
} catch (e) {
  process.stderr.write(`${e instanceof ConfigError ? e.message : String(e)}\n`);
  process.exit(2);
}
const path = describeStore(choice);
if (!choice.databaseUrl && path !== ':memory:' && !existsSync(path)) {
  out(`还没有数据库 ${path}（服务尚未运行过）。/ No database at ${path} yet (the server has not run).`);
  process.exit(0);
}
const store = await openStore(choice);
const dead = await store.tableWrites.deadLetters();
const deadMessages = await store.messages.listByStatus('dead');
if (cmd === 'list') {
  const c = await store.tableWrites.counts();
  out(`发件箱 Outbox (${path}): 待发 pending ${c.pending} · 发送中 in flight ${c.in_flight} · 已完成 done ${c.done} · 死信 dead ${c.dead}`);
  for (const d of dead) {
    const what = 'leadKey' in d.payload && d.payload.leadKey ? d.payload.leadKey : 'recordId' in d.payload ? (d.payload.recordId ?? '') : '';
    out(`  #${d.id}  ${d.kind}  ${d.target.split('/')[1] ?? d.target}  ${what}  ${d.at.toISOString()}  尝试 attempts ${d.attempts}`);
    out(`      原因 Error: ${d.error ?? '-'}`);
    out(`      字段 Fields: ${Object.keys(d.payload.fields).join(', ')}`);
  }
  const m = await store.messages.counts();
  out(`卡片与消息 Cards and messages: 待发 pending ${m.pending} · 发送中 in flight ${m.in_flight} · 已完成 done ${m.done} · 死信 dead ${m.dead}`);
  for (const d of deadMessages) {
    out(`  #${d.id}  ${d.kind}  ${d.target}  ${d.createdAt.toISOString()}  尝试 attempts ${d.attempts}`);
    out(`      原因 Error: ${d.lastError ?? '-'}`);
  }
  const all = [...dead.map((d) => d.id), ...deadMessages.map((d) => d.id)];
  if (!all.length) out('没有死信。/ No dead letters.');
  else out(`\n修复原因后运行 npm run outbox -- retry ${all[0]}（或 --all）重新发送。/ Fix the cause, then npm run outbox -- retry ${all[0]} (or --all).`);
} else {
  const targets = values.all ? [...dead.map((d) => d.id), ...deadMessages.map((d) => d.id)] : ids.map(Number);
  if (!targets.length || targets.some((n) => !Number.isInteger(n))) {
    process.stderr.write('请给出死信编号，或用 --all。/ Name dead-letter ids, or use --all.\n');
    process.exit(2);
  }
  const now = new Date();
  let n = 0;
  for (const id of targets) {
    if ((await store.tableWrites.retryDead(id, now)) || (await store.messages.requeueDead(id, now))) n++;
    else out(`  #${id} 不是死信，已跳过 / is not a dead letter; skipped`);
  }
  out(`已重新排队 ${n} 条。/ Re-queued ${n}.`);
}
await store.close();
