import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/store/migrations/index.js';
import { ROOT } from './support/run-main.js';
import { openDb } from '../src/store/db.js';
import { createStore } from '../src/store/store.js';
import { databaseEnvs, postgresDatabase, realPostgresAvailable } from './support/stores.js';
import { tempDbPath } from './support/temp-db.js';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const f of cleanups.splice(0)) await f();
});

const targets = databaseEnvs(cleanups);

describe.each(targets)('npm run migrate on $name', ({ name, env }) => {
  it('applies migrations once, then reports up to date', async () => {
    const vars = await env();
    const run = () => execFileSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...vars }, encoding: 'utf8' });
    const n = MIGRATIONS.length;
    const first = run();
    expect(first).toContain(`Applied migrations: ${MIGRATIONS.map((m) => m.version).join(', ')} → schema version ${n}`);
    expect(first).toContain(name.startsWith('SQLite') ? 'sqlite' : 'postgres');
    expect(first).not.toMatch(/:[^@/]*@/); // no password shown
    expect(run()).toContain(`Database is up to date: schema version ${n}`);
  });
});

describe('npm run migrate -- --from sqlite:… --to postgres://…', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });

  it('refuses what it cannot use, naming the form it wants', () => {
    const r = run(['--from', './x.db', '--to', 'mysql://a@b/c']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--from sqlite:./data/lead-journey.db --to postgres://');
    expect(run(['--from', 'sqlite:./no/such.db', '--to', 'postgres://a@127.0.0.1:1/x']).stderr).toContain('No SQLite file at ./no/such.db');
  });

  it.skipIf(!realPostgresAvailable())('moves a SQLite file into a PostgreSQL database, counts agree, and a second run adds nothing', async () => {
    const t = tempDbPath();
    cleanups.push(t.remove);
    const sqlite = createStore(openDb(t.path));
    for (const k of ['XS-000001', 'XS-000002', 'XS-000003']) await sqlite.leads.insert({ leadKey: k, journeyId: 'default', facts: { company: k }, now: new Date() });
    await sqlite.close();
    const db = await postgresDatabase();
    cleanups.push(db.close);
    const first = run(['--from', `sqlite:${t.path}`, '--to', db.url]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/✓ leads\s+3 → 3/);
    expect(first.stdout).toContain('Done: set DATABASE_URL');
    const again = run(['--from', `sqlite:${t.path}`, '--to', db.url]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/✓ leads\s+3 → 3/);
  });
});
