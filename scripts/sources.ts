/**
 * Who may post leads to POST /api/leads (docs/intake.md):
 *   npm run sources -- add NAME [--channel 官网咨询] [--rate 120] [--signed]   a new source; its API key (or,
 *                                                   --signed, its Standard Webhooks secret) is shown once
 *   npm run sources -- list                          the sources, their channel, rate and requests accepted
 *   npm run sources -- rotate NAME|ID                a new API key (the old one stops working at once)
 *   npm run sources -- revoke NAME|ID                stop accepting the source's requests
 * Uses the server's database (DATABASE_PATH or DATABASE_URL; in sandbox mode ./data/sandbox.db).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { loadBaseTemplate } from '../src/rules/base-template.js';
import { optionsOf } from '../src/rules/rule-table.js';
import { openStore } from '../src/store/open-store.js';
import { addSource, rotateSourceKey } from '../src/usecases/intake-sources.js';

const out = (s = '') => process.stdout.write(`${s}\n`);
const fail = (zh: string, en: string, code = 2): never => {
  process.stderr.write(`${zh}\n${en}\n`);
  process.exit(code);
};
const USAGE = ['用法 Usage:', '  npm run sources -- add 名称NAME [--channel 来源渠道] [--rate 每分钟次数] [--signed]', '  npm run sources -- list', '  npm run sources -- rotate 名称NAME|ID', '  npm run sources -- revoke 名称NAME|ID'].join(
  '\n',
);

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({ allowPositionals: true, options: { channel: { type: 'string' }, rate: { type: 'string' }, signed: { type: 'boolean', default: false } } });
}
try {
  args = parse();
} catch (e) {
  fail(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`, '');
}
const [cmd, arg] = args!.positionals;
if (!['add', 'list', 'rotate', 'revoke'].includes(cmd ?? '') || (cmd !== 'list' && !arg)) fail(USAGE, '');

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
} catch (e) {
  fail(e instanceof ConfigError ? e.message : String(e), '');
}
const store = await openStore({ databasePath: config!.databasePath, databaseUrl: config!.databaseUrl });
try {
  const now = new Date();
  if (cmd === 'add') {
    const rate = args!.values.rate === undefined ? undefined : Number(args!.values.rate);
    const r = await addSource(store, {
      name: arg!,
      channel: args!.values.channel,
      channels: optionsOf(loadBaseTemplate(), 'leads', '来源渠道'),
      ratePerMinute: rate,
      signed: args!.values.signed,
      signingKey: config!.intake.signingKey?.reveal(),
      now,
    });
    if (!r.ok) fail(`无法添加来源：${r.problem.zh}`, `Cannot add the source: ${r.problem.en}`);
    else {
      out(`已添加来源「${r.source.name}」 Added source "${r.source.name}"  id ${r.source.id}`);
      if (r.source.signing) {
        out(`签名密钥 Signing secret (Standard Webhooks; 请求头 header X-Source-Id: ${r.source.id}):`);
        out(`  ${r.credential}`);
      } else {
        out('API Key（只显示这一次，请立即保存；服务器只保存它的哈希）/ API key (shown this once; the server keeps only its hash):');
        out(`  ${r.credential}`);
        out('调用 Call: curl -X POST $SERVER/api/leads -H "Authorization: Bearer <API Key>" -H "Content-Type: application/json" -d \'{"company":"…","contact_name":"…","phone":"…"}\'');
      }
    }
  } else if (cmd === 'list') {
    const counts = await store.intake.requestCounts();
    const all = await store.intake.sources();
    if (!all.length) out('还没有来源。/ No sources yet: npm run sources -- add 官网表单 --channel 官网咨询');
    for (const s of all)
      out(
        `${s.id}  ${s.name}  ${s.signing ? '签名 signed' : 'API Key'}  渠道 channel ${s.channel ?? '-'}  ${s.ratePerMinute}/min  幂等请求 keyed requests ${counts.get(s.id) ?? 0}  ${s.revokedAt ? `已停用 revoked ${s.revokedAt.toISOString()}` : `启用 since ${s.createdAt.toISOString()}`}`,
      );
  } else {
    const s = (await store.intake.sourceByName(arg!)) ?? (await store.intake.source(arg!));
    if (!s) fail(`没有名为或编号为「${arg}」的来源（npm run sources -- list）`, `No source named or with id "${arg}" (npm run sources -- list)`);
    else if (cmd === 'revoke') {
      await store.intake.revoke(s.id, now);
      out(`已停用「${s.name}」：它的请求将被拒绝（401）。/ Revoked "${s.name}": its requests are refused (401).`);
    } else {
      const r = await rotateSourceKey(store, s);
      if (!r.ok) fail(r.problem.zh, r.problem.en);
      else {
        out(`「${s.name}」的新 API Key（只显示这一次；旧的已失效）/ New API key for "${s.name}" (shown this once; the old one no longer works):`);
        out(`  ${r.credential}`);
      }
    }
  }
} finally {
  await store.close();
}
