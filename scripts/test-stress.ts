/**
 * npm run test:stress [-- --runs 5 --load 2 --minutes 30 [vitest filters…]]
 *
 * Runs the test suite (or the files named) several times in a row while busy loops keep the CPU
 * saturated, and reports every failure by test name. A test that fails here is flaky on a busy CI
 * machine, which is a bug. The load is bounded: each busy loop stops itself at the deadline and is
 * killed when the runs end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '5' },
    load: { type: 'string', default: String(availableParallelism()) },
    minutes: { type: 'string', default: '30' },
  },
});
const runs = Number(values.runs);
const load = Number(values.load);
const minutes = Number(values.minutes);
if (![runs, load, minutes].every((n) => Number.isInteger(n) && n >= 0) || runs < 1) {
  console.error('用法 Usage: npm run test:stress -- [--runs N≥1] [--load busy-loops] [--minutes bound] [vitest filters…]');
  process.exit(2);
}

interface JsonReport {
  numTotalTests: number;
  numFailedTests: number;
  testResults: Array<{ name: string; message?: string; assertionResults: Array<{ fullName: string; status: string; failureMessages?: string[] }> }>;
}

const deadline = Date.now() + minutes * 60_000;
const busy = Array.from({ length: load }, () => spawn(process.execPath, ['-e', `const end=${deadline};let x=0;while(Date.now()<end){x=(x+1)%1e9}`], { stdio: 'ignore' }));
const stopLoad = () => {
  for (const b of busy) if (b.exitCode === null) b.kill('SIGKILL');
};
process.on('exit', stopLoad);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const dir = mkdtempSync(join(tmpdir(), 'lj-stress-'));
const failures = new Map<string, { count: number; first: string }>();
let green = 0;
console.log(`== ${runs} run(s) of vitest ${positionals.join(' ') || '(whole suite)'} beside ${load} busy loop(s), bounded to ${minutes} min`);
for (let i = 1; i <= runs; i++) {
  if (Date.now() > deadline) {
    console.log(`== time bound reached after ${i - 1} run(s)`);
    break;
  }
  const out = join(dir, `run-${i}.json`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=json', `--outputFile=${out}`, ...positionals], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  let report: JsonReport | undefined;
  try {
    report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
  } catch {
    console.log(`run ${i}: vitest exited ${r.status} without a report (${secs} s)\n${r.stderr.slice(-2000)}`);
    failures.set('(no report)', { count: (failures.get('(no report)')?.count ?? 0) + 1, first: r.stderr.slice(-500) });
    continue;
  }
  const failed: string[] = [];
  for (const file of report.testResults) {
    const bad = file.assertionResults.filter((a) => a.status === 'failed');
    // A file that failed outside any test (a hook, an import) has no failed assertion to name.
    if (!bad.length && file.message) bad.push({ fullName: '(file)', status: 'failed', failureMessages: [file.message] });
    for (const a of bad) {
      const name = `${file.name.replace(`${ROOT}/`, '')} › ${a.fullName}`;
      failed.push(name);
      const f = failures.get(name);
      failures.set(name, { count: (f?.count ?? 0) + 1, first: f?.first ?? (a.failureMessages ?? []).join('\n').split('\n').slice(0, 4).join('\n') });
    }
  }
  if (!failed.length && r.status === 0) green++;
  console.log(`run ${i}: ${report.numTotalTests} tests, ${report.numFailedTests} failed, exit ${r.status}, ${secs} s${failed.length ? `\n  ✗ ${failed.join('\n  ✗ ')}` : ''}`);
}
stopLoad();
rmSync(dir, { recursive: true, force: true });

console.log(`\n== ${green}/${runs} run(s) green under load`);
for (const [name, f] of [...failures].sort((a, b) => b[1].count - a[1].count)) console.log(`${f.count}× ${name}\n    ${f.first.replace(/\n/g, '\n    ')}`);
process.exit(green === runs ? 0 : 1);
