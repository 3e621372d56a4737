import { CONFIG_KEYS, type ConfigKey, SECRET_KEYS } from '../../src/config.js';

/**
 * The README's configuration reference, made from the config schema itself (src/config.ts): every key
 * in its order, its default (what an empty value means), whether it is a secret, and what to put in it,
 * in Chinese and English. `npm run docs:config` writes it between the markers below;
 * test/docs/config-table.test.ts fails when the README and the schema disagree.
 */
export const START = '<!-- config-table:start (npm run docs:config writes this table from src/config.ts) -->';
export const END = '<!-- config-table:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function defaultOf(key: ConfigKey): string {
  const r = CONFIG_KEYS[key].schema.safeParse(undefined);
  return r.success && r.data !== undefined ? `\`${String(r.data)}\`` : '—';
}

export function configTable(): string {
  const rows = (Object.keys(CONFIG_KEYS) as ConfigKey[]).map((key) => {
    const { hint } = CONFIG_KEYS[key];
    const secret = SECRET_KEYS.includes(key) ? ' 🔒' : '';
    return `| \`${key}\`${secret} | ${defaultOf(key)} | ${cell(hint.zh)} | ${cell(hint.en)} |`;
  });
  return ['| 变量 Key | 默认 Default | 说明 | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** `text` with the block between the markers replaced by the table (the markers must be there). */
export function withConfigTable(text: string): string {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`the README has no ${START} … ${END} block`);
  return `${text.slice(0, a + START.length)}\n${configTable()}\n${text.slice(b)}`;
}
