/**
 * npm run erase -- --phone 13912345678 | --email zhou@example.cn | --lead XS-000123 [--by NAME] [--dry-run] [--yes]
 * npm run erase -- --list
 * Erase a person's contact data (PIPL): their leads keep rows, stages and counts but lose 联系人, 电话,
 * 邮箱 and 微信 everywhere the server keeps or wrote them; an audit row says who did it and when
 * (docs/operations.md#erasing-a-person). Uses the server's database (DATABASE_PATH / DATABASE_URL; in
 * sandbox mode ./data/sandbox.db). A running server writes the Base within seconds; else at its start.
 */
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadRuleSet } from '../src/compose/rule-set.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { systemClock } from '../src/lib/clock.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { templateTable } from '../src/rules/base-template.js';
import { openStore } from '../src/store/open-store.js';
import { createErasure, type ErasureSelector, maskedSubject } from '../src/usecases/erase-person.js';

const out = (s = '') => process.stdout.write(`${s}\n`);
const fail = (s: string, code = 1): never => {
  process.stderr.write(`${s}\n`);
  process.exit(code);
};
const { values } = parseArgs({
  options: {
    phone: { type: 'string' },
    email: { type: 'string' },
    lead: { type: 'string' },
    by: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    yes: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
});
const chosen = (['phone', 'email', 'lead'] as const).filter((k) => values[k] !== undefined);
if (!values.list && chosen.length !== 1) fail('用法 Usage: npm run erase -- --phone 号码 | --email 邮箱 | --lead XS-… [--by 操作人] [--dry-run] [--yes]；npm run erase -- --list', 2);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
} catch (e) {
  fail(e instanceof ConfigError ? e.message : String(e), 2);
}
const store = await openStore({ databasePath: config!.databasePath, databaseUrl: config!.databaseUrl });
try {
  if (values.list) {
    const rows = await store.privacy.list(50);
    if (!rows.length) out('还没有删除记录。/ No erasures yet.');
    for (const r of rows) out(`${r.at.toISOString()}  ${r.operator}  ${r.selector} ${r.subject}  → ${r.leadKeys.join(', ') || '（无线索 no leads）'}  ${JSON.stringify(r.cleared)}`);
  } else {
    const kind = chosen[0]!;
    const selector = { kind, value: String(values[kind]) } as ErasureSelector;
    const rules = loadRuleSet(config!.journey);
    const erasure = createErasure({ store, leadsTable: templateTable(rules.template, 'leads'), clock: systemClock });
    const found = await erasure.find(selector);
    out(`${maskedSubject(selector)}：找到 ${found.length} 条线索 / ${found.length} lead(s) found`);
    for (const l of found) out(`  ${l.leadKey}  ${typeof l.facts.company === 'string' ? l.facts.company : ''}  ${l.stage ?? ''}${l.erasedAt ? '  （已删除过 erased before）' : ''}`);
    if (values['dry-run']) process.exit(0);
    if (!values.yes) {
      if (!process.stdin.isTTY) fail('确认请加 --yes / add --yes to confirm', 2);
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question('删除这些线索的联系人、电话、邮箱、微信？输入 yes 确认 / Erase their contact name, phone, e-mail and WeChat? Type yes: ');
      rl.close();
      if (answer.trim().toLowerCase() !== 'yes') fail('已取消 / Cancelled', 1);
    }
    const operator = values.by?.trim() || userInfo().username;
    const r = await erasure.erase(selector, operator);
    out(`已删除 Erased: ${r.leadKeys.length} 条线索 lead(s) · 审计记录 audit #${r.auditId} · 操作人 by ${operator}`);
    for (const [where, n] of Object.entries(r.cleared)) out(`  ${where}: ${n}`);
    out('多维表格里的单元格已排队清除：服务在运行时几秒内写入，否则在下次启动时。飞书会保留记录的修改历史，如需一并清除请在飞书中处理（见 docs/operations.md）。');
    out("The Base's cells are queued: a running server writes them within seconds, else at its next start. Feishu keeps a record's edit history: clear it in Feishu if needed (docs/operations.md).");
  }
} catch (e) {
  fail(`删除失败 / erase failed: ${(e as Error).message}`);
} finally {
  await store.close();
}
