/**
 * npm run bench [-- --only webhook,sync,… --markdown FILE]
 *
 * Every benchmark, one after another, each printing its own lines as it runs; then one table of the
 * headline figures with their targets (met or not, and by how much when not), and the machine they ran
 * on. `--markdown FILE` writes the table as Markdown too (the README carries it). Loopback only; takes
 * about ten minutes on 2 cores. The benches: webhook (ack latency at 200 and 1,000 signed requests a
 * second, forged requests refused), sync (10,000 leads to the Bitable), inbound (a grid edit answered),
 * engine (decay, routing, timer sweep), report (100,000 leads), server (cold start and memory with
 * 100,000 leads), cards (a card click's round trip on each transport).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchFigure } from './lib/bench-figures.js';

const BENCHES: Record<string, string[]> = {
  webhook: ['scripts/bench-webhook.ts'],
  sync: ['scripts/bench-sync.ts'],
  inbound: ['scripts/bench-inbound.ts'],
  engine: ['scripts/bench-engine.ts'],
  report: ['scripts/bench-report.ts', '--runs', '3'],
  server: ['scripts/bench-server.ts'],
  cards: ['scripts/bench-cards.ts'],
};
const { values } = parseArgs({ options: { only: { type: 'string' }, markdown: { type: 'string' } } });
const chosen = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(BENCHES);
const unknown = chosen.filter((b) => !BENCHES[b]);
if (unknown.length) {
  process.stderr.write(`没有这些基准 / no such benches: ${unknown.join(', ')} (one of ${Object.keys(BENCHES).join(', ')})\n`);
  process.exit(2);
}
const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'lj-bench-'));
const file = join(dir, 'figures.jsonl');
writeFileSync(file, '');
const failed: string[] = [];
const t0 = performance.now();
try {
  for (const name of chosen) {
    process.stdout.write(`\n━━ npm run bench:${name}\n`);
    try {
      execFileSync(process.execPath, ['--import', 'tsx', ...BENCHES[name]!], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, LJ_BENCH_FIGURES: file } });
    } catch {
      failed.push(name);
    }
  }
  const figures = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as BenchFigure);
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
  const mark = (f: BenchFigure) => (f.met === undefined ? '' : f.met ? '✓' : '✗');
  const width = (k: keyof BenchFigure, min: number) => Math.max(min, ...figures.map((f) => String(f[k] ?? '').length));
  const [w1, w2, w3] = [width('what', 10), width('value', 10), width('target', 6)];
  console.log(`\n线索旅程 benchmarks — ${machine} — ${((performance.now() - t0) / 60_000).toFixed(1)} min`);
  console.log(`  ${'what'.padEnd(w1)}  ${'figure'.padEnd(w2)}  ${'target'.padEnd(w3)}  met`);
  for (const f of figures) console.log(`  ${f.what.padEnd(w1)}  ${f.value.padEnd(w2)}  ${(f.target ?? '').padEnd(w3)}  ${mark(f)}`);
  const missed = figures.filter((f) => f.met === false);
  console.log(missed.length ? `\n  ${missed.length} target(s) not met: ${missed.map((f) => `${f.what} (${f.value}; target ${f.target})`).join('; ')}` : '\n  every target met');
  if (failed.length) console.log(`  benches that failed to run: ${failed.join(', ')}`);
  if (values.markdown) {
    const md = [`Measured on ${machine} (\`npm run bench\`).`, '', '| What | Figure | Target | Met |', '|---|---|---|---|', ...figures.map((f) => `| ${f.what} | ${f.value} | ${f.target ?? ''} | ${mark(f)} |`), ''].join('\n');
    writeFileSync(values.markdown, md);
    console.log(`  Markdown: ${values.markdown}`);
  }
  process.exitCode = failed.length ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
