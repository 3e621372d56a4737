import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../src/store/db.js';
import { createStore } from '../src/store/store.js';
import { hashKey } from '../src/lib/source-keys.js';
import { runScript } from './support/run-script.js';
import { tempDbPath } from './support/temp-db.js';

/** `npm run sources`: who may post to /api/leads; keys shown once and kept only as their hash. */
describe('npm run sources', () => {
  const db = tempDbPath();
  afterAll(() => db.remove());
  const env = { DATABASE_PATH: db.path };

  it('adds a source and shows its key once (only the hash is stored), lists, rotates and revokes it', async () => {
    const add = await runScript('sources', env, ['add', '官网表单', '--channel', '官网咨询', '--rate', '30']);
    expect(add.code, add.stderr).toBe(0);
    const key = /\b(lj_[a-z0-9]{10}_[A-Za-z0-9_-]{43})\b/.exec(add.stdout)![1]!;
    expect(add.stdout).toContain('只显示这一次');
    const store = createStore(openDb(db.path));
    const [s] = await store.intake.sources();
    expect(s).toMatchObject({ name: '官网表单', channel: '官网咨询', ratePerMinute: 30, signing: false, keyHash: hashKey(key) });
    expect(JSON.stringify(await store.sql.all('SELECT * FROM intake_sources'))).not.toContain(key.slice(14)); // never the key itself
    store.db.close();

    const list = await runScript('sources', env, ['list']);
    expect(list.stdout).toContain(`${s!.id}  官网表单  API Key  渠道 channel 官网咨询  30/min`);
    expect(list.stdout).not.toContain(key);

    const dup = await runScript('sources', env, ['add', '官网表单']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('已有名为「官网表单」的来源');

    const rotate = await runScript('sources', env, ['rotate', '官网表单']);
    const fresh = /\b(lj_[a-z0-9]{10}_[A-Za-z0-9_-]{43})\b/.exec(rotate.stdout)![1]!;
    expect(fresh).not.toBe(key);
    const revoke = await runScript('sources', env, ['revoke', s!.id]);
    expect(revoke.stdout).toContain('已停用「官网表单」');
    const after = createStore(openDb(db.path));
    expect(await after.intake.source(s!.id)).toMatchObject({ keyHash: hashKey(fresh), revokedAt: expect.any(Date) });
    after.db.close();
  });

  it('refuses a channel that is not a 来源渠道 option, a signed source without SOURCE_SIGNING_KEY, and bad usage', async () => {
    const bad = await runScript('sources', env, ['add', '展会', '--channel', '抖音']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('来源渠道只能是：官网咨询、搜索引擎（SEM）');
    const signed = await runScript('sources', env, ['add', '展会小程序', '--signed']);
    expect(signed.code).toBe(2);
    expect(signed.stderr).toContain('SOURCE_SIGNING_KEY');
    const ok = await runScript('sources', { ...env, SOURCE_SIGNING_KEY: 'k'.repeat(40) }, ['add', '展会小程序', '--signed', '--channel', '线下活动']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/whsec_[A-Za-z0-9+/=]{40,}/);
    expect(ok.stdout).toContain('X-Source-Id');
    expect((await runScript('sources', env, ['delete', 'x'])).code).toBe(2);
    expect((await runScript('sources', env, ['rotate', '没有这个'])).stderr).toContain('没有名为或编号为「没有这个」的来源');
  });
});
