/**
 * Report benchmark: the numbers over a large store. Writes made-up history (src/sandbox/demo-history.ts)
 * for 100,000 leads with about 1,000,000 stage entries into a SQLite file, then, in a fresh process
 * per run (so its time is a cold start's, as `npm run report` has it, and its peak memory the report's
 * own), builds the report for the last 90 days, then the weekly digest and a slow-down alert pass's
 * figures. Prints times and peak memory; asserts nothing. Target: the report in ≤ 1 s.
 * Usage: npm run bench:report [-- --leads 100000 --cycles 7 --runs 3 --db FILE]
 * `--db FILE`: keep the made-up store in FILE (and reuse it when FILE exists) instead of a temporary one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { digestFigures, weekStart } from '../src/domain/metrics/digest.js';
import { stuckLeads, usualTimes } from '../src/domain/metrics/stuck.js';
import { loadBaseTemplate } from '../src/rules/base-template.js';
import { loadJourney } from '../src/rules/load-journey.js';
import { loadMetricsConfig } from '../src/rules/metrics-config.js';
import { demoHistory } from '../src/sandbox/demo-history.js';
import { storeDemoHistory } from '../src/sandbox/store-demo-history.js';
import { openDb } from '../src/store/db.js';
import { createStore } from '../src/store/store.js';
import { buildReport } from '../src/usecases/report.js';
import { reportFigure } from './lib/bench-figures.js';

const { values } = parseArgs({ options: { leads: { type: 'string', default: '100000' }, cycles: { type: 'string', default: '7' }, runs: { type: 'string', default: '3' }, measure: { type: 'string' }, db: { type: 'string' } } });
const DAY = 86_400_000;
const NOW = new Date('2026-12-01T10:00:00+08:00');
const journey = loadJourney('default');
const config = loadMetricsConfig(loadBaseTemplate());
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;

if (values.measure) {
  // one run, in its own process: time each part, then the peak resident memory of the whole process
  const store = createStore(openDb(values.measure));
  // the report first, as `npm run report` makes it: in a process that has read nothing yet
  const t0 = performance.now();
  await buildReport({ store, journey, config }, { since: new Date(NOW.getTime() - 90 * DAY), until: NOW });
  const t1 = performance.now();
  const histories = await store.metrics.histories();
  const t2 = performance.now();
  const assignments = await store.metrics.assignments({ from: new Date(weekStart(NOW).getTime() - 7 * DAY), to: weekStart(NOW) });
  digestFigures(journey, histories, assignments, { from: new Date(weekStart(NOW).getTime() - 7 * DAY), isMarketing: config.isMarketing, stuck: config.stuck });
  const t3 = performance.now();
  stuckLeads(journey, histories, usualTimes(journey, histories, config.stuck), NOW);
  const t4 = performance.now();
  await store.close();
  console.log(JSON.stringify({ report: t1 - t0, load: t2 - t1, digest: t3 - t2, slowdown: t4 - t3, peakRss: process.resourceUsage().maxRSS * 1024, heap: process.memoryUsage().heapUsed }));
  process.exit(0);
}

const count = Number(values.leads);
const dir = mkdtempSync(join(tmpdir(), 'lj-bench-report-'));
const path = values.db ?? join(dir, 'report.db');
try {
  if (values.db && existsSync(path)) console.log(`bench:report  reusing ${path}`);
  else await makeUp(path);
  console.log('  run   report (90 days, its reads included)   read histories again   weekly digest   slow-down pass   peak RSS');
  const reports: number[] = [];
  const peaks: number[] = [];
  for (let r = 1; r <= Number(values.runs); r++) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--measure', path], { encoding: 'utf8' });
    const m = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>;
    reports.push(m.report!);
    peaks.push(m.peakRss!);
    const ms = (x: number) => `${x.toFixed(0)} ms`.padStart(8);
    console.log(`  ${String(r).padEnd(4)}  ${ms(m.report!).padStart(37)}  ${ms(m.load!).padStart(21)}  ${ms(m.digest!).padStart(14)}  ${ms(m.slowdown!).padStart(15)}  ${mb(m.peakRss!).padStart(9)}`);
  }
  if (reports.length)
    reportFigure({
      bench: 'report',
      what: `report over ${count.toLocaleString('en')} leads (fresh process)`,
      value: `${(Math.min(...reports) / 1000).toFixed(2)}–${(Math.max(...reports) / 1000).toFixed(2)} s, peak RSS ${mb(Math.max(...peaks))}`,
      target: '≤ 1 s',
      met: Math.max(...reports) <= 1000,
    });
  console.log("  target: the report in ≤ 1 s, its reads included, in a fresh process (as npm run report makes it); the digest (with its read of the week's offers) and the slow-down pass are timed on the histories read again");
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function makeUp(path: string) {
  const g0 = performance.now();
  const reps = Array.from({ length: 20 }, (_, i) => `ou_rep${i}`);
  const leads = demoHistory({ seed: 7, count, from: new Date(NOW.getTime() - 365 * DAY), to: NOW, reps, sdr: 'ou_sdr', cycles: Number(values.cycles) });
  const transitions = leads.reduce((n, l) => n + l.transitions.length, 0);
  const generated = performance.now() - g0;
  const store = createStore(openDb(path));
  const bar = new SingleBar({ format: '  writing the store [{bar}] {value}/{total} leads', hideCursor: true, noTTYOutput: true, notTTYSchedule: 5_000 });
  bar.start(count, 0);
  const w0 = performance.now();
  await storeDemoHistory(store, journey.id, leads, { keyOf: (i) => `XS-${String(i + 1).padStart(6, '0')}`, onProgress: (n) => bar.update(n) });
  bar.stop();
  const written = performance.now() - w0;
  await store.close();
  console.log(`bench:report  leads=${count.toLocaleString('en')}  stage entries=${transitions.toLocaleString('en')}  assignments=${leads.reduce((n, l) => n + l.assignments.length, 0).toLocaleString('en')}`);
  console.log(`  made up in ${(generated / 1000).toFixed(1)} s, written to SQLite in ${(written / 1000).toFixed(1)} s`);
}
