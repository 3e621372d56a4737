import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const DOMAIN = resolve(import.meta.dirname, '../../src/domain');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  return out;
}

describe('src/domain is pure', () => {
  const all = files(DOMAIN);

  it('has files to check', () => {
    expect(all.length).toBeGreaterThan(3);
  });

  it.each(all.map((f) => [relative(DOMAIN, f), f]))('%s imports only from src/domain', (_name, file) => {
    const src = readFileSync(file, 'utf8');
    for (const spec of importsOf(src)) {
      expect(spec.startsWith('.'), `${spec} is a package or absolute import`).toBe(true);
      const target = resolve(dirname(file), spec);
      expect(target.startsWith(DOMAIN + '/') || target === DOMAIN, `${spec} leaves src/domain`).toBe(true);
    }
    expect(src, 'reads the wall clock').not.toMatch(/Date\.now\(|new Date\(\s*\)/);
    expect(src, 'touches the process').not.toMatch(/\bprocess\./);
  });

  it('the import scanner catches what it must', () => {
    expect(importsOf(`import { x } from '../store/db.js';\nexport * from "zod";\nimport 'node:fs';\nconst m = await import('../http/x.js');`)).toEqual([
      '../store/db.js',
      'zod',
      'node:fs',
      '../http/x.js',
    ]);
  });
});
