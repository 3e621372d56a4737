import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanLogLines } from './log-scan.js';

/**
 * vitest globalSetup: one directory for the run's log output (test/support/log-capture.ts), scanned when
 * the run ends; a finding fails the run (exit code 1) and names the line. Every project of a run shares
 * the directory; the last one to finish scans it.
 */
const state = globalThis as { __ljLogScanUsers?: number };

export default function setup(): () => void {
  if (!process.env.LJ_TEST_LOG_DIR) process.env.LJ_TEST_LOG_DIR = mkdtempSync(join(tmpdir(), 'lead-journey-logs-'));
  state.__ljLogScanUsers = (state.__ljLogScanUsers ?? 0) + 1;
  const dir = process.env.LJ_TEST_LOG_DIR;
  return () => {
    state.__ljLogScanUsers! -= 1;
    if (state.__ljLogScanUsers! > 0) return;
    const files = readdirSync(dir);
    const read = (prefix: string) => files.filter((f) => f.startsWith(prefix)).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
    const lines = read('lines-');
    const findings = scanLogLines(lines, read('secrets-'));
    if (findings.length) {
      const shown = findings.slice(0, 20).map((f) => `  ${f.what}:\n    ${f.line.length > 600 ? `${f.line.slice(0, 600)}…` : f.line}`);
      console.error(`\nLog scan: ${findings.length} of ${lines.length} log lines hold what no log may hold (docs/reliability.md#log-hygiene):\n${shown.join('\n')}\nThe full output is kept in ${dir}\n`);
      process.exitCode = 1;
      return;
    }
    console.log(`Log scan: ${lines.length} log lines from this run, none holds a secret, token, full phone number or e-mail address.`);
    rmSync(dir, { recursive: true, force: true });
  };
}
