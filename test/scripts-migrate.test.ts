import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/run-main.js';
import { tempDbPath } from './support/temp-db.js';

describe('npm run migrate', () => {
  it('applies migrations once, then reports up to date', () => {
    const t = tempDbPath();
    try {
      const run = () => execFileSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', DATABASE_PATH: t.path }, encoding: 'utf8' });
      expect(run()).toMatch(/Applied migrations: 1, 2, 3, 4, 5 → schema version 5/);
      expect(run()).toMatch(/Database is up to date: schema version 5/);
    } finally {
      t.remove();
    }
  });
});
