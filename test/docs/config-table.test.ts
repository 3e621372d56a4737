import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config.js';
import { configTable, type DocLang, END, README_OF, START } from '../../scripts/lib/config-table.js';

/** Each README's configuration table is the config schema's, in its language (issue 23): `npm run docs:config` after a change. */
describe.each(['zh', 'en'] as DocLang[])('the configuration table of %s', (lang) => {
  const readme = readFileSync(resolve(import.meta.dirname, '../..', README_OF[lang]), 'utf8');

  it(`is exactly what the schema makes in ${README_OF[lang]} (run \`npm run docs:config\` if this fails)`, () => {
    expect(readme).toContain(START);
    const block = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END)).trim();
    expect(block).toBe(configTable(lang));
  });

  it('has one row per setting, with its default and what to put in it in that language', () => {
    const rows = configTable(lang).split('\n').slice(2);
    expect(rows.map((r) => /^\| `(\w+)`/.exec(r)?.[1])).toEqual(Object.keys(CONFIG_KEYS));
    expect(rows.find((r) => r.startsWith('| `PORT`'))).toContain('| `3000` |');
    expect(rows.find((r) => r.startsWith('| `FEISHU_APP_SECRET`'))).toContain('🔒 | — |');
    const port = rows.find((r) => r.startsWith('| `PORT`'))!;
    expect(port).toContain(CONFIG_KEYS.PORT.hint[lang]);
    expect(port).not.toContain(CONFIG_KEYS.PORT.hint[lang === 'zh' ? 'en' : 'zh']);
  });
});
