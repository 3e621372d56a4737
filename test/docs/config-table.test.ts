import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config.js';
import { configTable, END, START } from '../../scripts/lib/config-table.js';

/** The README's configuration table is the config schema's (issue 23): `npm run docs:config` after a change. */
describe('the README configuration table', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

  it('is exactly what the schema makes (run `npm run docs:config` if this fails)', () => {
    const block = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END)).trim();
    expect(block).toBe(configTable());
  });

  it('has one row per setting, with its default', () => {
    const rows = configTable().split('\n').slice(2);
    expect(rows.map((r) => /^\| `(\w+)`/.exec(r)?.[1])).toEqual(Object.keys(CONFIG_KEYS));
    expect(rows.find((r) => r.startsWith('| `PORT`'))).toContain('| `3000` |');
    expect(rows.find((r) => r.startsWith('| `FEISHU_APP_SECRET`'))).toContain('🔒 | — |');
  });
});
