/**
 * npm run build: the server as plain JavaScript in dist/ (tsc with tsconfig.build.json), with the files
 * it reads at run time beside it (the Base templates, the sandbox page's static files and the demo
 * site). `npm run start:prod` runs it with node: no TypeScript compiler in the running process, so it
 * starts in about a second and uses about 100 MB less memory than `npm start` (tsx) —
 * docs/operations.md#running-in-production. `npm start` keeps working without a build.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const t0 = performance.now();
rmSync(DIST, { recursive: true, force: true });
execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
const copy = (from: string) => cpSync(join(ROOT, from), join(DIST, from), { recursive: true, filter: (src) => !src.endsWith('.ts') });
copy('bitable-templates');
copy('src/sandbox/feishu/ui/static');
copy('src/sandbox/demo-site');
process.stdout.write(`构建完成 Built: dist/ in ${((performance.now() - t0) / 1000).toFixed(1)} s — 运行 run: npm run start:prod\n`);
