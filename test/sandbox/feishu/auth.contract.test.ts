import { quietLogger } from '../../support/feishu-emulator.js';
import * as lark from '@larksuiteoapi/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedBase } from '../../../src/sandbox/feishu/bitable/template.js';
import { freshClient, outcome, startBitable, type BitableEmulator } from '../../support/bitable-fixtures.js';

/** tenant_access_token issue/reuse/expiry and the Bearer check on Open API routes (docs/platform/feishu.md §0, §1). */
describe('auth (SDK contract)', () => {
  const T0 = Date.UTC(2025, 0, 15, 4, 0, 0);
  const MIN = 60_000;
  let emu: BitableEmulator;
  let base: CreatedBase;
  const tables = (client: lark.Client, ...opts: Parameters<lark.Client['bitable']['v1']['appTable']['list']>[1][]) => outcome(client.bitable.v1.appTable.list({ path: { app_token: base.app_token } }, ...opts));
  const quiet = quietLogger();
  /** With the token cache on, the SDK overrides withTenantToken(); pass explicit tokens through a cache-less client (§1). */
  let explicit: lark.Client;
  const issue = () => emu.client.auth.v3.tenantAccessToken.internal({ data: { app_id: emu.app.app_id, app_secret: emu.app.app_secret } }) as Promise<{ code: number; msg: string; tenant_access_token: string; expire: number }>;

  beforeAll(async () => {
    emu = await startBitable({ clock: { frozenAt: T0 } });
    base = await emu.createBase({ name: 'Auth', tables: [{ name: 'T', fields: [{ field_name: 'A', type: 1 }] }] });
    explicit = new lark.Client({ appId: emu.app.app_id, appSecret: emu.app.app_secret, domain: emu.url, disableTokenCache: true, logger: quiet });
  });
  afterAll(() => emu.stop());

  it('issues a t-… token with expire 7200 at top level (no data); the same token while ≥30 min remain; a new one after, the old still valid', async () => {
    const first = await issue();
    expect(first).toEqual({ code: 0, msg: 'ok', tenant_access_token: expect.stringMatching(/^t-[0-9a-f]{40}$/), expire: 7200 });
    emu.emu.kernel.clock.advance(90 * MIN); // 30 min left
    const same = await issue();
    expect(same.tenant_access_token).toBe(first.tenant_access_token);
    expect(same.expire).toBe(30 * 60);
    emu.emu.kernel.clock.advance(1_000); // 29:59 left
    const renewed = await issue();
    expect(renewed.tenant_access_token).not.toBe(first.tenant_access_token);
    expect(renewed.expire).toBe(7200);
    // Both valid now.
    expect(await tables(explicit, lark.withTenantToken(first.tenant_access_token))).toMatchObject({ status: 200, code: 0 });
    expect(await tables(explicit, lark.withTenantToken(renewed.tenant_access_token))).toMatchObject({ status: 200, code: 0 });
    // The old one dies at its own 2 h mark; the new one lives on.
    emu.emu.kernel.clock.advance(30 * MIN);
    expect(await tables(explicit, lark.withTenantToken(first.tenant_access_token))).toMatchObject({ status: 400, code: 99991663 });
    expect(await tables(explicit, lark.withTenantToken(renewed.tenant_access_token))).toMatchObject({ status: 200, code: 0 });
  });

  it('app_access_token/internal returns app_access_token and tenant_access_token', async () => {
    const res = (await emu.client.auth.v3.appAccessToken.internal({ data: { app_id: emu.app.app_id, app_secret: emu.app.app_secret } })) as Record<string, unknown>;
    expect(res).toMatchObject({ code: 0, app_access_token: expect.stringMatching(/^t-/), tenant_access_token: expect.stringMatching(/^t-/), expire: expect.any(Number) });
  });

  it('a wrong secret answers 10014 (HTTP 200, top level); the SDK then fails before calling the API', async () => {
    const res = await emu.client.auth.v3.tenantAccessToken.internal({ data: { app_id: emu.app.app_id, app_secret: 'wrong' } });
    expect(res).toEqual({ code: 10014, msg: 'app secret invalid' });
    const bad = new lark.Client({ appId: emu.app.app_id, appSecret: 'wrong', domain: emu.url, logger: quiet });
    await expect(bad.bitable.v1.appTable.list({ path: { app_token: base.app_token } })).rejects.toThrow('failed to get tenant_access_token, code: 10014, msg: app secret invalid');
    const unknown = await emu.client.auth.v3.tenantAccessToken.internal({ data: { app_id: 'cli_0000000000000000', app_secret: 'x' } });
    expect(unknown.code).toBe(10003);
  });

  it('no token → HTTP 400 / 99991661; a fake token → HTTP 400 / 99991663', async () => {
    const missing = await tables(explicit);
    expect(missing).toMatchObject({ status: 400, code: 99991661 });
    expect((missing.body as { error: { log_id: string } }).error.log_id).toBe(missing.headers['x-tt-logid']);
    expect(await tables(explicit, lark.withTenantToken('t-0000000000000000000000000000000000000000'))).toMatchObject({ status: 400, code: 99991663 });
    const raw = await fetch(`${emu.url}/open-apis/bitable/v1/apps/${base.app_token}/tables`, { headers: { authorization: 'Basic abc' } });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { code: number }).code).toBe(99991661);
  });

  it('a revoked token fails with 99991663 and the SDK keeps using it (it never drops a rejected token); a fresh cache recovers', async () => {
    const client = freshClient(emu);
    expect(await tables(client)).toMatchObject({ code: 0 });
    const rev = await emu.control<{ revoked: number }>('POST', '/tokens/revoke', { app_id: emu.app.app_id });
    expect(rev.body.revoked).toBeGreaterThan(0);
    expect(await tables(client)).toMatchObject({ status: 400, code: 99991663 });
    expect(await tables(client)).toMatchObject({ status: 400, code: 99991663 });
    expect(await tables(freshClient(emu))).toMatchObject({ status: 200, code: 0 });
  });

  it('the 99991663 status is configurable (some reports show HTTP 200)', async () => {
    await emu.control('POST', '/errors/status', { code: 99991663, status: 200 });
    try {
      expect(await tables(explicit, lark.withTenantToken('t-fake'))).toMatchObject({ status: 200, code: 99991663 });
    } finally {
      emu.emu.kernel.errors.clearOverrides();
    }
  });
});
