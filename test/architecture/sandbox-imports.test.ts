import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, tsFiles as files } from '../support/imports.js';

const SRC = resolve(import.meta.dirname, '../../src');
const SANDBOX = join(SRC, 'sandbox');

/**
 * The product never leans on the emulator: outside src/sandbox/, only main.ts (which picks the sandbox
 * as the platform when no Feishu app is configured) imports it. The composition root and every adapter
 * reach the sandbox the way they reach Feishu, through the SDK over HTTP.
 */
describe('only main.ts imports src/sandbox/', () => {
  const product = files(SRC).filter((f) => !f.startsWith(`${SANDBOX}/`) && f !== join(SRC, 'main.ts'));

  it('has files to check', () => {
    expect(product.length).toBeGreaterThan(50);
  });

  it.each(product.map((f) => [relative(SRC, f), f]))('%s does not import the sandbox', (_name, file) => {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      expect(target.startsWith(`${SANDBOX}/`) || target === SANDBOX, `${spec} reaches into src/sandbox/`).toBe(false);
    }
  });

  it('main.ts is where the sandbox is chosen', () => {
    expect(importsOf(readFileSync(join(SRC, 'main.ts'), 'utf8'))).toContain('./sandbox/platform.js');
  });
});
