import { appendFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { createLogger, type Logger } from '../../src/lib/logger.js';

/**
 * Everything the product logs during `npm test` lands in one directory (LJ_TEST_LOG_DIR, made by
 * test/support/log-scan-setup.ts): the in-process loggers tests hand to the product (testLogger), and
 * the output of every server and script a test starts (runMain, runScript). When the run ends, every
 * line is checked for secrets, tokens, full phone numbers and e-mail addresses (test/support/log-scan.ts);
 * docs/reliability.md#log-hygiene. Without LJ_TEST_LOG_DIR (a file run outside vitest's setup) nothing
 * is kept.
 */
const dir = () => process.env.LJ_TEST_LOG_DIR;
const file = (kind: string) => join(dir()!, `${kind}-${process.pid}.log`);

/** Lines of log output from `source` (a script or a server a test started), kept for the scan. */
export function captureLog(source: string, text: string): void {
  if (!dir() || !text) return;
  const lines = text.split('\n').filter((l) => l.trim());
  if (lines.length) appendFileSync(file('lines'), lines.map((l) => `${source}\t${l}\n`).join(''));
}

/** A secret a test made up or was handed (an app secret, a signing key): no log line may hold it. */
export function registerSecret(value: string | undefined): void {
  if (dir() && value && value.length >= 8) appendFileSync(file('secrets'), `${value}\n`);
}

/**
 * The logger tests hand to the product: debug level (more than production's info, so the scan sees more)
 * into the scanned directory. The test file's name marks each line so a finding names where it came from.
 */
export function testLogger(): Logger {
  if (!dir()) return createLogger({ level: 'silent' });
  const source = () => relative(process.cwd(), expect.getState().testPath ?? '?');
  return createLogger({ level: 'debug', destination: { write: (line: string) => captureLog(source(), line) } });
}
