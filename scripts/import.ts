/**
 * npm run import -- FILE.csv|FILE.xlsx [--dry-run] [--encoding utf-8|gbk] [--errors REPORT.csv]
 *                                      [--server URL] [--key API_KEY]
 *
 * Imports a spreadsheet's leads through the running server (POST /api/leads/batch): each row is scored,
 * routed and deduplicated exactly like a lead from a web form (docs/intake.md#import). Headers may be
 * the Base's column names (公司名称, 联系人, 电话 …) or English (Company, Contact, Phone, Email …). CSV in
 * UTF-8 (with or without a BOM) or GBK, found by itself. Interrupted, it can be run again: rows already
 * taken are not taken twice. Rows refused go to an error report (default FILE.errors.csv) with the
 * reason per row. Without --key, the import posts as the source 「批量导入」 of this server's database
 * (made, or given a new key, on each run).
 */
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { ConfigError, loadConfig } from '../src/config.js';
import { ImportError, runImport } from '../src/import/run-import.js';
import { mergeEnv, readEnvFile } from '../src/lib/env-file.js';
import { loadBaseTemplate } from '../src/rules/base-template.js';
import { optionsOf } from '../src/rules/rule-table.js';
import { openStore } from '../src/store/open-store.js';
import { addSource, rotateSourceKey } from '../src/usecases/intake-sources.js';

export const IMPORT_SOURCE = '批量导入';
const err = (s: string) => process.stderr.write(`${s}\n`);
const USAGE = '用法 Usage: npm run import -- 文件FILE.csv|FILE.xlsx [--dry-run] [--encoding utf-8|gbk] [--errors 报告REPORT.csv] [--server URL] [--key API_KEY]';

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({ allowPositionals: true, options: { 'dry-run': { type: 'boolean', default: false }, encoding: { type: 'string' }, errors: { type: 'string' }, server: { type: 'string' }, key: { type: 'string' } } });
}
try {
  args = parse();
} catch (e) {
  err(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  process.exit(2);
}
const [file] = args.positionals;
const encoding = args.values.encoding?.toLowerCase();
if (!file || args.positionals.length > 1 || (encoding && encoding !== 'utf-8' && encoding !== 'gbk')) {
  err(USAGE);
  process.exit(2);
}
if (!existsSync(file)) {
  err(`找不到文件 ${file} / No such file: ${file}`);
  process.exit(2);
}
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(mergeEnv(readEnvFile(resolve(process.cwd(), '.env')), process.env));
} catch (e) {
  err(e instanceof ConfigError ? e.message : String(e));
  process.exit(2);
}
const server = args.values.server ?? `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${config.port}`;

/** The import source's key: given, or a new one for 「批量导入」 in this server's database. */
async function importKey(): Promise<string> {
  const given = args.values.key ?? process.env.LJ_IMPORT_KEY;
  if (given) return given;
  const store = await openStore({ databasePath: config.databasePath, databaseUrl: config.databaseUrl });
  try {
    const s = await store.intake.sourceByName(IMPORT_SOURCE);
    const made = s ? await rotateSourceKey(store, s) : await addSource(store, { name: IMPORT_SOURCE, channels: optionsOf(loadBaseTemplate(), 'leads', '来源渠道'), ratePerMinute: 100_000, now: new Date() });
    if (!made.ok) throw new ImportError(made.problem.zh);
    return made.credential;
  } finally {
    await store.close();
  }
}

const reportPath = args.values.errors ?? `${file.replace(/\.(csv|xlsx|txt)$/i, '')}.errors.csv`;
let report: number | undefined;
const csvCell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const size = statSync(file).size;
const tty = process.stderr.isTTY === true;
const bar = new cliProgress.SingleBar(
  { format: '导入 Importing [{bar}] {percentage}% · {rows} 行 rows · {eta_formatted}', stream: process.stderr, noTTYOutput: !tty, notTTYSchedule: 5000, hideCursor: tty },
  cliProgress.Presets.shades_classic,
);
try {
  const apiKey = await importKey();
  bar.start(size, 0, { rows: 0 });
  const tally = await runImport({
    file,
    server,
    apiKey,
    dryRun: args.values['dry-run'],
    encoding: encoding as 'utf-8' | 'gbk' | undefined,
    onProgress: (p) => bar.update(p.bytes, { rows: p.rows }),
    onIgnoredHeaders: (h) => err(`\n未导入的列 Columns not imported: ${h.join(', ')}`),
    onRejected: (row, reason, cells) => {
      if (report === undefined) {
        report = openSync(reportPath, 'w');
        writeSync(report, '\uFEFF行号 row,原因 reason,原始内容 original\n');
      }
      writeSync(report, `${row},${csvCell(reason)},${csvCell(JSON.stringify(cells))}\n`);
    },
  });
  bar.update(size);
  bar.stop();
  const what = args.values['dry-run'] ? '试运行（未写入）Dry run (nothing kept)' : '导入完成 Import done';
  process.stdout.write(
    `${what}: ${tally.rows} 行 rows · 新建 created ${tally.created} · 合并到已有线索 merged ${tally.merged} · 待人工确认 flagged ${tally.flagged} · 拒绝 rejected ${tally.rejected}${tally.already ? ` · 此前已导入 already imported ${tally.already}` : ''}\n`,
  );
  if (report !== undefined) process.stdout.write(`被拒绝的行及原因见 Rejected rows and why: ${reportPath}\n`);
  if (!args.values['dry-run'] && tally.created + tally.merged + tally.flagged) process.stdout.write('线索会在几秒内被评分、分配，并出现在多维表格中。/ Leads are scored, routed and in the Base within seconds.\n');
} catch (e) {
  bar.stop();
  err(e instanceof ImportError || e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
} finally {
  if (report !== undefined) closeSync(report);
}
