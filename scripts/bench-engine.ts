/**
 * Lead engine benchmark, on a real SQLite file with the production settings: a decay pass over
 * 100,000 silent leads (target ≤ 2 s), routing of 10,000 leads through the 分配规则 with the weighted
 * round robin, capacity and same-company lookups (target ≤ 1 s), and a timer sweep over 100,000 due
 * timers (target ≤ 5 s). Prints figures and the peak memory; asserts nothing.
 * Usage: npm run bench:engine [-- --leads 100000 --route 10000 --timers 100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Member } from '../src/bitable/roster.js';
import { openStages } from '../src/domain/journey.js';
import { createTimerSweep } from '../src/jobs/timer-sweep.js';
import { createManualClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { loadBaseTemplate } from '../src/rules/base-template.js';
import { loadJourney } from '../src/rules/load-journey.js';
import { loadRoutingRules } from '../src/rules/routing-rules.js';
import { loadScoringRules } from '../src/rules/scoring-rules.js';
import { ruleRouter } from '../src/routing/router.js';
import { openDb } from '../src/store/db.js';
import { createStore } from '../src/store/store.js';
import { createScoring } from '../src/usecases/score-lead.js';
import { reportFigure } from './lib/bench-figures.js';

const { values } = parseArgs({ options: { leads: { type: 'string', default: '100000' }, route: { type: 'string', default: '10000' }, timers: { type: 'string', default: '100000' } } });
const LEADS = Number(values.leads);
const ROUTE = Number(values.route);
const TIMERS = Number(values.timers);
const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'lj-bench-engine-'));
const store = createStore(openDb(join(dir, 'bench.db')));
const journey = loadJourney('default');
const template = loadBaseTemplate();
const scoringRules = loadScoringRules(journey, template);
const T0 = Date.UTC(2026, 10, 2, 2);
const clock = createManualClock(T0);
let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const sampler = setInterval(sample, 20);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const line = (what: string, n: number, ms: number, target?: string) => {
  const limit = target ? Number(/([\d.]+) s/.exec(target)?.[1]) * 1000 : undefined;
  if (target) reportFigure({ bench: 'engine', what, value: `${(ms / 1000).toFixed(2)} s for ${n.toLocaleString('en')}`, target, met: ms <= limit! });
  process.stdout.write(
    `  ${what.padEnd(44)} ${String(n).padStart(7)}  ${(ms / 1000).toFixed(3).padStart(7)} s  ${Math.round((n * 1000) / ms)
      .toLocaleString('en')
      .padStart(9)} /s${target ? `  (target ${target})` : ''}\n`,
  );
};

process.stdout.write(`bench:engine — SQLite file in ${dir}\n\n`);

// Setup (not timed): LEADS leads in the pool with a Bitable row, scored, silent since T0.
const scoring = createScoring({ store, journey, rules: () => scoringRules });
const facts = (i: number) => ({ company: `公司${i}有限公司`, source: ['内容下载', '官网咨询', '线下活动'][i % 3]!, industry: ['制造业', '教育', '金融'][i % 3]!, size: '200-999人', region: '华东' });
const s0 = performance.now();
for (let b = 0; b < LEADS; b += 5000) {
  await store.transaction(async () => {
    for (let i = b; i < Math.min(LEADS, b + 5000); i++) {
      const lead = await store.leads.insert({ leadKey: `XS-${String(i + 1).padStart(6, '0')}`, journeyId: 'default', facts: facts(i), baseToken: 'bascnBench', tableId: 'tblLeads', recordId: `rec${i}`, now: new Date(T0) });
      await store.leads.setStage(lead.id, lead.version, 'nurture', new Date(T0));
      await scoring.rescore((await store.leads.get(lead.id))!, new Date(T0));
    }
  });
}
process.stdout.write(`  setup: ${LEADS} scored leads in ${((performance.now() - s0) / 1000).toFixed(1)} s\n\n`);

// 1. Decay: 15 days later every lead has its 14-day tier due.
clock.set(T0 + 15 * DAY);
let t = performance.now();
const decayed = await scoring.decayPass(clock.now());
line(`decay pass (${decayed.leads} leads, ${decayed.tiers} tiers, row writes queued)`, LEADS, performance.now() - t, '≤ 2 s');
t = performance.now();
const none = await scoring.decayPass(clock.now());
line(`decay pass again, nothing due (${none.leads})`, LEADS, performance.now() - t);

// 2. Routing: ROUTE new leads at the hand-off among 20 reps (weights 1–3, capacity on half), 1,000 companies.
const members = new Map<string, Member>();
for (let r = 0; r < 20; r++) {
  const id = `ou_rep${String(r).padStart(2, '0')}`;
  members.set(id, { id: id, name: `销售${r}`, roles: ['sales'], managerId: undefined, onDuty: true, weight: 1 + (r % 3), regions: r % 4 ? ['华东'] : ['华北'], ...(r % 2 ? { capacity: 100_000 } : {}) });
}
const routingRules = loadRoutingRules(template);
const router = await ruleRouter({ store, rules: () => routingRules, candidateRoles: ['sales'], openStages: openStages(journey) });
const routeIds: number[] = [];
await store.transaction(async () => {
  for (let i = 0; i < ROUTE; i++) {
    const lead = await store.leads.insert({ leadKey: `RT-${i}`, journeyId: 'default', facts: { company: `客户${i % 1000}股份有限公司`, source: '线下活动', region: '华东', industry: '制造业' }, now: clock.now() });
    await store.leads.setStage(lead.id, lead.version, 'sql', clock.now());
    routeIds.push(lead.id);
  }
});
t = performance.now();
await store.transaction(async () => {
  for (const id of routeIds) {
    const d = await router.pick((await store.leads.get(id))!, members, { when: 'handoff', now: clock.now() });
    if (d.kind !== 'person') throw new Error(d.why);
    await store.assignments.offer({ leadId: id, ownerId: d.ownerId, source: `routing:${d.rule}`, acceptDueAt: null, why: d.why, now: clock.now() });
  }
});
line('routing (decide + record the assignment)', ROUTE, performance.now() - t, '≤ 1 s');

// 3. Timer sweep: TIMERS due timers, each fired once (compare-and-set) with a handler that does nothing else.
await store.transaction(async () => {
  for (let i = 0; i < TIMERS; i++) await store.timers.schedule({ kind: 'bench.tick', dueAt: new Date(T0), dedupeKey: `tick:${i}`, now: new Date(T0) });
});
let fired = 0;
const sweep = createTimerSweep({
  store,
  clock,
  log: createLogger({ level: 'silent' }),
  handlers: {
    'bench.tick': async (timer, now) => {
      if (await store.timers.markFired(timer.id, now)) fired++;
    },
  },
});
t = performance.now();
await sweep.kick();
line(`timer sweep (${fired} fired)`, TIMERS, performance.now() - t, '≤ 5 s');

sample();
clearInterval(sampler);
process.stdout.write(`\n  peak memory: ${mb(peak)} RSS (maxRSS ${mb(process.resourceUsage().maxRSS * 1024)})\n`);
await store.close();
rmSync(dir, { recursive: true, force: true });
