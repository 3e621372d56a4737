/**
 * npm run bench:intake [-- --seconds 10 --connections 10 --rows 10000]
 *
 * Starts the server the way `npm start` does (sandbox, a temporary database), makes an intake source
 * with `npm run sources`, and posts distinct leads (a different phone and company each) to
 * POST /api/leads over loopback with autocannon, as fast as the server takes them. Prints the leads
 * accepted per second with the latency the load tool saw (it shares the 2 cores with the server), then
 * how long the server took to score and route every accepted lead (its intake timers fired) and to
 * write their rows to the Bitable. Then `npm run import` of a CSV and an .xlsx of `rows` new leads each:
 * rows per second for the command's whole run, and when every row was in the Bitable; then how long the
 * sandbox's demo CRM (a webhook subscriber of every lead event) took to receive them all. Asserts nothing.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { runMain } from '../test/support/run-main.js';
import { runScript } from '../test/support/run-script.js';
import { writeLeadsCsv, writeLeadsXlsx } from '../test/support/import-files.js';
import { cellText, sandboxHarness } from '../test/support/sandbox-main.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '10' }, rows: { type: 'string', default: '10000' } } });
const dir = mkdtempSync(join(tmpdir(), 'lj-bench-intake-'));
const dbPath = join(dir, 'bench.db');
const m = await runMain({ DATABASE_PATH: dbPath });
const count = (q: string) => {
  const d = new Database(dbPath, { readonly: true });
  try {
    return (d.prepare(q).get() as { n: number }).n;
  } finally {
    d.close();
  }
};
try {
  const h = await sandboxHarness(m, dbPath);
  await h.until('demo keys', async () => (await h.rows()).every((r) => cellText(r.fields['线索编号']).startsWith('XS-')), 30_000);
  const made = await runScript('sources', { DATABASE_PATH: dbPath }, ['add', '压测来源', '--channel', '内容下载', '--rate', '100000']);
  const key = /\b(lj_[a-z0-9]{10}_[A-Za-z0-9_-]{43})\b/.exec(made.stdout)?.[1];
  if (!key) throw new Error(`no source: ${made.stderr}`);
  const leadsBefore = count('SELECT COUNT(*) AS n FROM leads');
  let n = 0;
  const started = Date.now();
  const result = await autocannon({
    url: `${m.url}/api/leads`,
    method: 'POST',
    connections: Number(values.connections),
    duration: Number(values.seconds),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    requests: [
      {
        setupRequest: (req) => {
          n++;
          return { ...req, body: JSON.stringify({ company: `压测公司${n}`, contact_name: '测试', phone: `139${String(n).padStart(8, '0')}`, industry: '制造业', activity: '下载资料' }) };
        },
      },
    ],
  });
  const loadMs = Date.now() - started;
  const accepted = count('SELECT COUNT(*) AS n FROM leads') - leadsBefore;
  const non2xx = result.non2xx;
  process.stdout.write(
    `\nPOST /api/leads, ${values.connections} connections, ${values.seconds} s (loopback, load tool and server share the machine):\n` +
      `  accepted ${accepted} leads (${(accepted / (loadMs / 1000)).toFixed(0)} leads/s); non-2xx ${non2xx}; errors ${result.errors}; timeouts ${result.timeouts}\n` +
      `  latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms\n`,
  );
  const until = async (what: string, q: string, want: number, ms = 600_000) => {
    const t0 = Date.now();
    for (;;) {
      const got = count(q);
      if (got >= want) return Date.now() - t0;
      if (Date.now() - t0 > ms) throw new Error(`${what}: ${got} of ${want} after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const scored = await until('scored and routed', "SELECT COUNT(*) AS n FROM timers WHERE kind = 'intake.new' AND status = 'fired'", accepted);
  const written = await until(
    'rows written',
    "SELECT COUNT(*) AS n FROM leads WHERE record_id IS NOT NULL AND lead_key IN (SELECT lead_key FROM intake_requests UNION SELECT lead_key FROM leads WHERE facts_json LIKE '%压测公司%')",
    accepted,
  );
  process.stdout.write(`  after the load: every lead scored and routed within ${(scored / 1000).toFixed(1)} s, every row in the Bitable within ${(written / 1000).toFixed(1)} s more\n`);

  // npm run import of a CSV and an .xlsx of new leads (distinct phones), through the same server
  for (const kind of ['csv', 'xlsx'] as const) {
    const file = join(dir, `import.${kind}`);
    const from = kind === 'csv' ? 200_001 : 300_001;
    if (kind === 'csv') writeLeadsCsv(file, Number(values.rows), { from });
    else await writeLeadsXlsx(file, Number(values.rows), { from });
    const before = count('SELECT COUNT(*) AS n FROM leads');
    const t0 = Date.now();
    const r = await runScript('import', { DATABASE_PATH: dbPath }, [file, '--server', m.url]);
    const took = Date.now() - t0;
    if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
    const made = count('SELECT COUNT(*) AS n FROM leads') - before;
    const inBase = await until(`${kind} rows in the Base`, 'SELECT COUNT(*) AS n FROM leads WHERE record_id IS NOT NULL', before + made);
    process.stdout.write(
      `npm run import, ${values.rows} rows of .${kind}: ${made} leads in ${(took / 1000).toFixed(1)} s (${(made / (took / 1000)).toFixed(0)} rows/s, the command's whole run); every row in the Bitable ${(inBase / 1000).toFixed(1)} s after\n`,
    );
  }
  // the sandbox's demo CRM subscribes to every lead event: how long until each queued event was delivered
  const events = count("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'webhook.send'");
  const delivered = await until('lead events delivered', "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'webhook.send' AND status IN ('done', 'dead')", events);
  const dead = count("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'webhook.send' AND status = 'dead'");
  process.stdout.write(`lead events for the demo CRM (a webhook subscriber): ${events} queued, every one settled ${(delivered / 1000).toFixed(1)} s after the last import (${dead} dead letters)\n`);
} finally {
  await m.stop();
  rmSync(dir, { recursive: true, force: true });
}
