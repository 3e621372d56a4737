/**
 * The numbers (docs/metrics.md) in the terminal:
 *   npm run report                               the last 90 days
 *   npm run report -- --since 30d                or 2026-09-01 (Asia/Shanghai); --until likewise (default: now)
 *   npm run report -- --lang en                  in English (default: LOCALE, zh-CN)
 *   npm run report -- --json report.json         also write the report as JSON
 *   npm run report -- --html report.html         where the HTML report goes (default ./data/reports/lead-journey-<date>.html):
 *                                                one file with its charts (ECharts inlined) that opens with no network
 * Uses the server's database (DATABASE_PATH or DATABASE_URL; in sandbox mode ./data/sandbox.db) and
 * journey (JOURNEY); reads only. How channels count (marketing sources, costs): bitable-templates/metrics.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { renderHtml } from '../src/report/html-report.js';
import { readPeriod } from '../src/report/period.js';
import { renderText } from '../src/report/text-report.js';
import { loadBaseTemplate } from '../src/rules/base-template.js';
import { loadJourney } from '../src/rules/load-journey.js';
import { loadMetricsConfig } from '../src/rules/metrics-config.js';
import { describeStore, openStore } from '../src/store/open-store.js';
import { buildReport } from '../src/usecases/report.js';

// piped into `head` or `less` and closed early: not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const fail = (zh: string, en: string, code = 2): never => {
  process.stderr.write(`${zh}\n${en}\n`);
  process.exit(code);
};
const USAGE = '用法 Usage: npm run report -- [--since 90d|2026-09-01] [--until 2026-12-01] [--lang zh-CN|en] [--json FILE] [--html FILE]';
let values: { since?: string; until?: string; lang?: string; json?: string; html?: string };
try {
  ({ values } = parseArgs({ options: { since: { type: 'string' }, until: { type: 'string' }, lang: { type: 'string' }, json: { type: 'string' }, html: { type: 'string' } } }));
} catch (e) {
  fail(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`, '');
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
} catch (e) {
  fail(e instanceof ConfigError ? e.message : String(e), '');
}
const lang = values!.lang ?? config!.locale;
if (lang !== 'zh-CN' && lang !== 'en') fail(`--lang 只能是 zh-CN 或 en\n${USAGE}`, '--lang is zh-CN or en');
const period = readPeriod({ since: values!.since, until: values!.until }, new Date());
if ('error' in period) fail(`${period.error.zh}\n${USAGE}`, period.error.en);
const { since, until } = period as { since: Date; until: Date };

const choice = { databasePath: config!.databasePath, databaseUrl: config!.databaseUrl };
const path = describeStore(choice);
if (!choice.databaseUrl && path !== ':memory:' && !existsSync(path)) fail(`还没有数据库 ${path}（服务尚未运行过）`, `No database at ${path} yet (the server has not run)`, 1);
const template = loadBaseTemplate();
const journey = loadJourney(config!.journey);
const metricsConfig = loadMetricsConfig(template);
const store = await openStore(choice);
try {
  const report = await buildReport({ store, journey, config: metricsConfig }, { since, until });
  const locale = lang as 'zh-CN' | 'en';
  process.stdout.write(renderText(report, locale));
  const wrote = (file: string, text: string) => {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    writeFileSync(file, text);
    process.stdout.write(`${locale === 'en' ? `Wrote ${file}` : `已写入 ${file}`}\n`);
  };
  process.stdout.write('\n');
  const stamp = new Date(until.getTime() - 1 + 8 * 3_600_000).toISOString().slice(0, 10);
  wrote(values!.html ?? `./data/reports/lead-journey-${stamp}.html`, renderHtml(report, locale));
  if (values!.json) wrote(values!.json, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await store.close();
}
