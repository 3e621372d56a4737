import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/run-main.js';
import { runScript } from './support/run-script.js';
import { tempDbPath } from './support/temp-db.js';

/**
 * `npm run build` and `npm run start:prod` (docs/operations.md#running-in-production): the build has
 * everything the server reads at run time, and the built server starts on the sandbox and answers.
 */
const db = tempDbPath();
afterAll(() => db.remove());

describe('npm run build, npm run start:prod', () => {
  it('builds dist/ with the templates and static files, and the built server answers /healthz and serves the sandbox page', async () => {
    const built = await runScript('build', {});
    expect(built.code, built.stderr).toBe(0);
    for (const f of ['dist/src/main.js', 'dist/package.json', 'dist/bitable-templates/leads.base.json', 'dist/src/sandbox/feishu/ui/static/index.html', 'dist/src/sandbox/demo-site/form.html'])
      expect(existsSync(join(ROOT, f)), f).toBe(true);
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const { spawn } = require('node:child_process');
         const c = spawn(process.execPath, ['dist/src/main.js'], { env: { PATH: process.env.PATH, PORT: '0', SANDBOX_PORT: '0', DATABASE_PATH: ${JSON.stringify(db.path)}, SANDBOX_DEMO_HISTORY: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] });
         let log = '';
         c.stdout.on('data', async (d) => {
           log += d;
           const m = /"url":"(http:[^"]+)".*"sandboxUrl":"(http:[^"]+)".*"msg":"Lead Journey listening"/.exec(log);
           if (!m || c.done) return;
           c.done = true;
           const health = await (await fetch(m[1] + '/healthz')).json();
           const page = await (await fetch(m[2] + '/')).text();
           console.log(JSON.stringify({ health, page: page.slice(0, 200) }));
           c.kill('SIGTERM');
         });
         c.on('exit', (code) => process.exit(code ?? 1));
         setTimeout(() => { c.kill('SIGKILL'); process.exit(3); }, 60000);`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { health: { status: string; mode: string }; page: string };
    expect(r.health).toMatchObject({ status: 'ok', mode: 'sandbox' });
    expect(r.page).toContain('<html lang="zh-CN">');
  }, 180_000);
});
