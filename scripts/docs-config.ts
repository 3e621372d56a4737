/**
 * npm run docs:config — writes the READMEs' configuration reference from the config schema
 * (scripts/lib/config-table.ts): Chinese in README.md, English in README.en.md. Run it after adding or
 * changing a setting in src/config.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type DocLang, README_OF, withConfigTable } from './lib/config-table.js';

for (const lang of ['zh', 'en'] as DocLang[]) {
  const file = resolve(import.meta.dirname, '..', README_OF[lang]);
  const before = readFileSync(file, 'utf8');
  const after = withConfigTable(before, lang);
  if (after === before) console.log(`${README_OF[lang]}: 配置表已是最新 / the configuration table is up to date`);
  else {
    writeFileSync(file, after);
    console.log(`${README_OF[lang]}: 已更新配置表 / the configuration table was rewritten`);
  }
}
