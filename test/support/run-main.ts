import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { captureLog } from './log-capture.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface RunningMain {
  child: ChildProcess;
  url: string;
  sandboxUrl: string | undefined;
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The vitest projects that run the end-to-end files again over the long connection set
 * LJ_E2E_FEISHU_TRANSPORT (and LJ_E2E_SOCKET_RECORD_EVENTS): every server they start uses it, so the
 * files themselves stay unchanged.
 */
function transportUnderTest(): Record<string, string> {
  const t = process.env.LJ_E2E_FEISHU_TRANSPORT;
  return t ? { FEISHU_TRANSPORT: t, SANDBOX_SOCKET_RECORD_EVENTS: process.env.LJ_E2E_SOCKET_RECORD_EVENTS ?? 'on' } : {};
}

/** Start `src/main.ts` the way `npm start` does (tsx, no build step) and wait until it listens. */
export function runMain(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningMain> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', SANDBOX_PORT: '0', ...transportUnderTest(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let err = '';
  let out = '';
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`main did not start within ${timeoutMs} ms:\n${err}`));
    }, timeoutMs);
    const source = `server:${child.pid}`;
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      captureLog(source, d.toString());
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      captureLog(source, lines.join('\n'));
      for (const l of lines) {
        if (!l.trim()) continue;
        const rec = JSON.parse(l) as Record<string, unknown>;
        logs.push(rec);
        if (rec.msg === 'Lead Journey listening') {
          clearTimeout(timer);
          res({
            child,
            url: rec.url as string,
            sandboxUrl: rec.sandboxUrl as string | undefined,
            logs,
            stderr: () => err,
            stop: (signal = 'SIGTERM') => {
              child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
    // 'close' (all of stderr read), not 'exit': the error names what stderr said.
    child.on('close', (code) => {
      clearTimeout(timer);
      rej(Object.assign(new Error(`main exited with ${code}:\n${err}`), { code, stderr: err }));
    });
  });
}
