import { CONFIG_KEYS, type ConfigKey, SECRET_KEYS } from '../../src/config.js';

/**
 * The READMEs' configuration reference, made from the config schema itself (src/config.ts): every key
 * in its order, its default (what an empty value means), whether it is a secret, and what to put in it —
 * in Chinese for README.md and in English for README.en.md. `npm run docs:config` writes each between
 * the markers below; test/docs/config-table.test.ts fails when a README and the schema disagree.
 */
export const START = '<!-- config-table:start (npm run docs:config writes this table from src/config.ts) -->';
export const END = '<!-- config-table:end -->';

export type DocLang = 'zh' | 'en';
/** which README carries which language */
export const README_OF: Record<DocLang, string> = { zh: 'README.md', en: 'README.en.md' };

const HEAD: Record<DocLang, string> = { zh: '| 变量 | 默认值 | 说明 |', en: '| Key | Default | Meaning |' };

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function defaultOf(key: ConfigKey): string {
  const r = CONFIG_KEYS[key].schema.safeParse(undefined);
  return r.success && r.data !== undefined ? `\`${String(r.data)}\`` : '—';
}

export function configTable(lang: DocLang): string {
  const rows = (Object.keys(CONFIG_KEYS) as ConfigKey[]).map((key) => {
    const secret = SECRET_KEYS.includes(key) ? ' 🔒' : '';
    return `| \`${key}\`${secret} | ${defaultOf(key)} | ${cell(CONFIG_KEYS[key].hint[lang])} |`;
  });
  return [HEAD[lang], '|---|---|---|', ...rows].join('\n');
}

/** `text` with the block between the markers replaced by the table (the markers must be there). */
export function withConfigTable(text: string, lang: DocLang): string {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${README_OF[lang]} has no ${START} … ${END} block`);
  return `${text.slice(0, a + START.length)}\n${configTable(lang)}\n${text.slice(b)}`;
}
