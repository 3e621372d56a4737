import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory for a real on-disk SQLite file; remove() cleans it up. */
export function tempDbPath(name = 'test.db'): { path: string; dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lead-journey-'));
  return { dir, path: join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
