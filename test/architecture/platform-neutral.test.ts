import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, tsFiles } from '../support/imports.js';

const SRC = resolve(import.meta.dirname, '../../src');

/**
 * The use cases (and the other platform-neutral layers) speak domain values through the ports they own
 * (src/ports/): no Feishu or DingTalk adapter is imported, and no platform shape is written out. See
 * docs/architecture.md.
 */
const NEUTRAL = ['usecases', 'domain', 'ports', 'routing', 'jobs', 'rules'];
const NEUTRAL_FILES = ['compose/lead-journey.ts', 'compose/rule-set.ts'];
/** where the platforms live: an import of any of these from a neutral file is a leak */
const ADAPTERS = ['bitable', 'feishu', 'im', 'http', 'sandbox', 'cards', 'webhooks', 'dingtalk', 'adapters'];
/** platform shapes: Feishu ids, person cells, mention markup, card JSON 2.0 fields, IM message types */
const SHAPES: Array<[string, RegExp]> = [
  ['open_id', /\bopen_id\b/],
  ['a Feishu open id by name', /openId|OpenId/],
  ['an ou_ id', /['"`/^(]ou_/],
  ['a person cell [{ id }]', /\[\{\s*id\s*:/],
  ['<at> markup', /<at[\s>]/],
  ['card JSON 2.0', /schema:\s*'2\.0'|\btag:\s*'(button|markdown|div|column_set|form)'/],
  ['an IM message type', /msgType|msg_type|'interactive'/],
];

const files = [...NEUTRAL.flatMap((d) => tsFiles(join(SRC, d))), ...NEUTRAL_FILES.map((f) => join(SRC, f))];

function leaks(file: string, src = readFileSync(file, 'utf8')): string[] {
  const out: string[] = [];
  for (const spec of importsOf(src)) {
    if (!spec.startsWith('.')) continue;
    const top = relative(SRC, resolve(dirname(file), spec)).split('/')[0]!;
    if (ADAPTERS.includes(top)) out.push(`imports ${spec}`);
  }
  const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const [what, re] of SHAPES) if (re.test(code)) out.push(`writes ${what}`);
  return out;
}

describe('platform-neutral layers use no platform adapter and no platform shape', () => {
  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(40);
  });

  it.each(files.map((f) => [relative(SRC, f), f]))('%s', (_name, file) => {
    expect(leaks(file!)).toEqual([]);
  });

  it('catches what it must', () => {
    const probe = (text: string) => leaks(join(SRC, 'usecases', 'probe.ts'), text);
    expect(probe("import { x } from '../bitable/api.js';")).toEqual(['imports ../bitable/api.js']);
    expect(probe('const a = { 跟进人: [{ id: who }] };')).toEqual(['writes a person cell [{ id }]']);
    expect(probe('const t = "<at user_id=\\"x\\"></at>";')).toEqual(['writes <at> markup']);
    expect(probe("if (id.startsWith('ou_')) x();")).toEqual(['writes an ou_ id']);
    expect(probe('const who = member.openId;')).toEqual(['writes a Feishu open id by name']);
    expect(probe('// a comment about open_id is fine\nconst x = 1;')).toEqual([]);
  });
});
