import { afterEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/compose/services.js';
import { loadConfig } from '../../src/config.js';
import { testLogger } from '../support/log-capture.js';
import { sandboxPlatform } from '../../src/sandbox/platform.js';
import { databaseEnvs } from '../support/stores.js';
import { waitUntil } from '../support/webhook-server.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/**
 * The composition root in-process: what `npm start` builds, imported by a test instead of spawned.
 * The server runs on the sandbox, adopts the demo rows, answers /healthz and a signed event, and stops.
 */
const databases = databaseEnvs(cleanups);

describe.each(databases)('createServices (the one composition root) on $name', ({ env }) => {
  it('builds the server on the sandbox platform: prepare, start, listen, stop', async () => {
    const config = loadConfig({ ...(await env()), PORT: '0', SANDBOX_PORT: '0', LOG_LEVEL: 'silent' });
    const log = testLogger();
    const platform = await sandboxPlatform({ port: 0, log });
    let s: Services | undefined = await createServices({ config, log, platform, version: 'test' });
    cleanups.push(() => s?.stop());
    await platform.prepare(s);
    await s.start();
    const url = await s.listen();
    platform.onListening?.(url);
    expect(await s.store.leads.count()).toBe(5);
    expect(s.lj.timerHandlers).toHaveProperty('sla.accept');
    const health = (await (await fetch(`${url}/healthz`)).json()) as { mode: string; status: string };
    expect(health).toMatchObject({ mode: 'sandbox', status: 'ok' });
    // the writer (started by start()) gives every adopted row its 线索编号
    await waitUntil(async () => (await s!.store.tableWrites.counts()).pending === 0 || undefined, 20_000, 'writes drained');
    // an unsigned event is refused: the verifier was built from the platform's keys
    const refused = await fetch(`${url}/feishu/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"schema":"2.0"}' });
    expect(refused.status).toBe(401);
    const stopped = s;
    s = undefined;
    await stopped.stop();
    expect((await stopped.store.ping()).ok).toBe(false); // the database is closed
  });
});
