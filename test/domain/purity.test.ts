import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, tsFiles as files } from '../support/imports.js';

const DOMAIN = resolve(import.meta.dirname, '../../src/domain');

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
      expect(target.startsWith(`${DOMAIN}/`) || target === DOMAIN, `${spec} leaves src/domain`).toBe(true);
    }
    expect(src, 'reads the wall clock').not.toMatch(/Date\.now\(|new Date\(\s*\)/);
    expect(src, 'touches the process').not.toMatch(/\bprocess\./);
  });

  it('the import scanner catches what it must', () => {
    expect(importsOf(`import { x } from '../store/db.js';\nexport * from "zod";\nimport 'node:fs';\nconst m = await import('../http/x.js');`)).toEqual(['../store/db.js', 'zod', 'node:fs', '../http/x.js']);
  });
});
