import { execFile } from 'node:child_process';
import { captureLog } from './log-capture.js';
import { ROOT } from './run-main.js';

/** Run `scripts/<name>.ts` the way `npm run` does (tsx), with only the given environment; never throws. */
export function runScript(name: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      // its log lines (JSON) and its errors; the rest of stdout is its answer to the operator (a new API
      // key is shown there once, by design)
      captureLog(`script:${name}`, [...stdout.split('\n').filter((l) => l.startsWith('{')), stderr].join('\n'));
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
