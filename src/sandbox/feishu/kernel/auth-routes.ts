import type { EmuKernel } from './kernel.js';

/**
 * POST /open-apis/auth/v3/tenant_access_token/internal and app_access_token/internal (docs/platform/feishu.md#1-tenant-access-token).
 * The body fields are top-level (no `data`). A wrong secret answers code 10014.
 */
export function registerAuthRoutes(k: EmuKernel): void {
  const handler = (withAppToken: boolean) => async (c: Parameters<Parameters<EmuKernel['route']>[1]>[0]) => {
    let body: { app_id?: unknown; app_secret?: unknown };
    try {
      body = await c.req.json();
    } catch {
      return c.json({ code: 10003, msg: 'invalid param' });
    }
    const app = typeof body.app_id === 'string' ? k.apps.get(body.app_id) : undefined;
    if (!app) return c.json({ code: 10003, msg: 'invalid param: app_id not found' });
    if (body.app_secret !== app.app_secret) return c.json({ code: 10014, msg: 'app secret invalid' });
    const { token, expire } = k.tokens.issue(app.app_id);
    return c.json(withAppToken ? { code: 0, msg: 'ok', app_access_token: token, tenant_access_token: token, expire } : { code: 0, msg: 'ok', tenant_access_token: token, expire });
  };
  k.route({ method: 'POST', path: '/open-apis/auth/v3/tenant_access_token/internal', key: 'auth.tenant_token', auth: false, rate: ['auth.token'] }, handler(false));
  k.route({ method: 'POST', path: '/open-apis/auth/v3/app_access_token/internal', key: 'auth.app_token', auth: false, rate: ['auth.token'] }, handler(true));
}
