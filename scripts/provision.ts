/**
 * npm run provision [-- --dry-run]
 *
 * Creates the leads Base when FEISHU_BITABLE_APP_TOKEN is empty (and prints the token for .env), then
 * adds every table, field, select option and view of bitable-templates/leads.base.json that the Base
 * lacks. Never deletes, renames or retypes. A second run changes nothing and says so.
 * Exit: 0 done (or nothing to do); 1 done, but a field has the wrong type (named); 2 bad configuration;
 * 3 a call failed (the step is named; run again to continue).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createBitableApi } from '../src/bitable/api.js';
import { provision } from '../src/bitable/provision.js';
import { describeProblem, describeStep } from '../src/bitable/provision-plan.js';
import { ConfigError, type FeishuCredentials, loadFeishuCredentials } from '../src/config.js';
import { FeishuCallError } from '../src/feishu/errors.js';
import { createFeishuClient } from '../src/feishu/sdk-client.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { loadBaseTemplate } from '../src/rules/base-template.js';

const out = (s = '') => process.stdout.write(`${s}\n`);
const step = (i: number, n: number, t: { zh: string; en: string }) => out(`  [${i + 1}/${n}] ${t.zh} / ${t.en}`);
const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false } } });
const dryRun = values['dry-run'] === true;

let creds: FeishuCredentials;
try {
  creds = loadFeishuCredentials(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n运行前请在 .env 填写飞书应用凭证。/ Fill in the Feishu app credentials in .env first.\n`);
  process.exit(e instanceof ConfigError ? 2 : 1);
}

const api = createBitableApi(createFeishuClient({ domain: creds.domain, appId: creds.appId, appSecret: creds.appSecret }));
const template = loadBaseTemplate();
out(`线索旅程 · 多维表格初始化 Provisioning${dryRun ? '（演练，不做任何修改 / dry run: nothing is changed）' : ''}`);
out(`  飞书 Feishu: ${creds.domain} · 应用 App: ${creds.appId} · 多维表格 Base: ${creds.bitableAppToken ?? '（未配置，将新建 / none yet: one will be created）'}`);

try {
  const r = await provision(api, template, {
    appToken: creds.bitableAppToken,
    dryRun,
    onStep: (_s, i, n, text) => step(i, n, text),
    onRetry: (what, ms) => out(`      …「${what}」暂时失败，${Math.round(ms)} ms 后重试 / "${what}" failed for now; retrying in ${Math.round(ms)} ms`),
  });
  if (r.createdBase) {
    out(`\n已新建多维表格 Created the Base: ${r.appToken}`);
    out('  请把下面这一行写进 .env / Put this line in .env:');
    out(`  FEISHU_BITABLE_APP_TOKEN=${r.appToken}`);
    out("  然后把多维表格分享给团队（应用新建的表格在应用自己的空间里）/ Then share the Base with your team (a Base the app creates lives in the app's own space).");
  }
  if (dryRun) {
    if (!creds.bitableAppToken) out('  [+] 新建多维表格 / create the Base');
    for (const [i, s] of r.plan.steps.entries()) {
      step(i, r.plan.steps.length, describeStep(s));
    }
  }
  const n = r.plan.steps.length;
  if (n === 0 && !r.createdBase) out('\n无需变更：多维表格已包含模板中的全部表、字段、选项和视图。/ Nothing to change: the Base already has every table, field, option and view of the template.');
  else if (dryRun) out(`\n演练结束：将执行 ${n + (creds.bitableAppToken ? 0 : 1)} 项变更。/ Dry run: ${n + (creds.bitableAppToken ? 0 : 1)} change(s) would be made.`);
  else out(`\n已完成 ${r.applied} 项变更。/ Applied ${r.applied} change(s).`);
  for (const m of r.plan.manual) out(`  手动步骤 Manual step「${m.tableName} / ${m.viewName}」: ${m.text.zh} / ${m.text.en}`);
  if (r.plan.conflicts.length) {
    out('\n以下问题不会自动修改 / Not changed automatically:');
    for (const c of r.plan.conflicts) {
      const d = describeProblem(c);
      out(`  ✗ ${d.what.zh} / ${d.what.en}\n    修复 Fix: ${d.fix.zh} / ${d.fix.en}`);
    }
    process.exit(1);
  }
} catch (e) {
  const err = e instanceof FeishuCallError ? e.summary : e instanceof Error ? e.message : String(e);
  process.stderr.write(`\n初始化中断 Provisioning stopped: ${err}\n  已完成的变更会保留，修复后重新运行即可继续。/ What was done stays; fix the cause and run again to continue.\n`);
  process.exit(3);
}
