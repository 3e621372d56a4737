import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/run-main.js';
import { tempDbPath } from './support/temp-db.js';
import { MIGRATIONS } from '../src/store/migrations/index.js';

describe('npm run migrate', () => {
  it('applies migrations once, then reports up to date', () => {
    const t = tempDbPath();
    try {
      const run = () => execFileSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', DATABASE_PATH: t.path }, encoding: 'utf8' });
      const n = MIGRATIONS.length;
      expect(run()).toContain(`Applied migrations: ${MIGRATIONS.map((m) => m.version).join(', ')} → schema version ${n}`);
      expect(run()).toContain(`Database is up to date: schema version ${n}`);
    } finally {
      t.remove();
    }
  });
});
