import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/store/migrations/index.js';
import { ROOT } from './support/run-main.js';
import { databaseEnvs } from './support/stores.js';

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
