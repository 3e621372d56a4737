/**
 * npm run docs:config — writes the README's configuration reference from the config schema
 * (scripts/lib/config-table.ts). Run it after adding or changing a setting in src/config.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { withConfigTable } from './lib/config-table.js';

const file = resolve(import.meta.dirname, '../README.md');
const before = readFileSync(file, 'utf8');
const after = withConfigTable(before);
if (after === before) console.log('README.md: 配置表已是最新 / the configuration table is up to date');
else {
  writeFileSync(file, after);
  console.log('README.md: 已更新配置表 / the configuration table was rewritten');
}
