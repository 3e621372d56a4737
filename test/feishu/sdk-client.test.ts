import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBitableApi } from '../../src/bitable/api.js';
import { FeishuCallError } from '../../src/feishu/errors.js';
import { withRetry } from '../../src/feishu/retry.js';
import { createFeishuClient } from '../../src/feishu/sdk-client.js';
import { Secret } from '../../src/lib/secret.js';
import { bitableModule } from '../../src/sandbox/feishu/bitable/module.js';
import { startEmulator, type StartedEmulator } from '../support/feishu-emulator.js';

/** The product's SDK client: a refused token is forgotten (the SDK itself keeps using it, docs/platform/feishu.md#1-tenant-access-token); calls time out. */
describe('Feishu SDK client', () => {
  let emu: StartedEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ modules: [bitableModule] });
  });
  afterAll(() => emu.stop());

  it('after Feishu refuses the cached token (99991663), the next call fetches a new one and succeeds', async () => {
    const api = createBitableApi(createFeishuClient({ domain: emu.url, appId: emu.app.app_id, appSecret: new Secret(emu.app.app_secret) }));
    const { appToken } = await api.createApp('令牌');
    const r = await emu.control('POST', '/tokens/revoke', { app_id: emu.app.app_id });
    expect(r.status).toBeLessThan(300);
    const first = await api.listTables(appToken).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(FeishuCallError);
    expect((first as FeishuCallError).action).toBe('auth');
    expect(await api.listTables(appToken)).toHaveLength(1); // a fresh token
    await emu.control('POST', '/tokens/revoke', { app_id: emu.app.app_id });
    expect(await withRetry(() => api.listTables(appToken), { baseMs: 1 })).toHaveLength(1);
  });

  it('a call that takes longer than the timeout fails as retryable', async () => {
    const api = createBitableApi(createFeishuClient({ domain: emu.url, appId: emu.app.app_id, appSecret: new Secret(emu.app.app_secret), timeoutMs: 200 }));
    const { appToken } = await api.createApp('超时');
    await emu.control('POST', '/faults', { route: 'bitable.table.list', kind: 'delay', ms: 600, times: 1 });
    const e = await api.listTables(appToken).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FeishuCallError);
    expect((e as FeishuCallError).action).toBe('retry');
  });
});
