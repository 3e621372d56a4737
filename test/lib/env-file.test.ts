import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { mergeEnv, readEnvFile } from '../../src/lib/env-file.js';
import { tempDbPath } from '../support/temp-db.js';

describe('.env file', () => {
  it('is read when present, and the real environment wins over it', () => {
    const t = tempDbPath();
    try {
      const file = join(t.dir, '.env');
      writeFileSync(file, '# comment\nPORT=4100\nLOCALE=en\nJOURNEY="funnel-4"\nEMPTY=\n');
      const env = mergeEnv(readEnvFile(file), { PORT: '4200', UNSET: undefined });
      expect(env).toEqual({ PORT: '4200', LOCALE: 'en', JOURNEY: 'funnel-4', EMPTY: '' });
      expect(loadConfig(env)).toMatchObject({ port: 4200, locale: 'en', journey: 'funnel-4' });
    } finally {
      t.remove();
    }
  });

  it('is optional', () => {
    expect(readEnvFile('/nonexistent/.env')).toEqual({});
  });
});
