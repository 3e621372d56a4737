import { describe, expect, it } from 'vitest';
import type { RunningMain } from '../support/run-main.js';
import { cellText as text, type sandboxHarness, sandboxForFile } from '../support/sandbox-main.js';

/**
 * `npm start` (sandbox) over the long connection while Feishu refuses it (docs/platform/feishu.md#55-long-connection):
 * refused handshakes are retried at the ClientConfig's interval, a refused endpoint (which makes the
 * SDK give up for good) by the server's own capped, jittered restart; either way the attempts are
 * counted, never a storm, and the server is back and working once the refusals stop.
 */
interface LongConn {
  stats: { endpointRequests: number; endpointRefusals: number; handshakes: number; handshakeRefusals: number };
  connections: Array<{ id: string; pings: number }>;
}

describe('the long connection refused for a while', () => {
  let h: Awaited<ReturnType<typeof sandboxHarness>>;
  let m: RunningMain;
  sandboxForFile((run) => ({ h, m } = run), { FEISHU_TRANSPORT: 'long-connection' });
  const longconn = () => h.control<LongConn>('GET', '/longconn');
  const connected = async () => {
    const s = await longconn();
    return s.connections.length === 1 && s.connections[0]!.pings > 0;
  };
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** a row typed in the grid becomes a lead: events flow over the socket again */
  async function works(company: string): Promise<void> {
    const made = await h.control<{ record_id: string }>('POST', `/bases/${h.app}/tables/${h.leads}/records`, { operator_open_id: h.users['张伟'], fields: { 公司名称: company, 联系人: '孙', 电话: '13300003333', 需求描述: '试用' } });
    await h.until('adopted', async () => text((await h.rows()).find((r) => r.record_id === made.record_id)?.fields['线索编号']).startsWith('XS-'), 30_000);
  }

  it('handshakes refused for 30 s: one attempt per reconnect interval (3 s in the sandbox), then back', async () => {
    await h.until('connected', connected, 30_000);
    const before = (await longconn()).stats;
    await h.control('POST', '/longconn/settings', { refuse_handshake: true });
    expect(await h.control('POST', '/longconn/drop', {})).toEqual({ dropped: 1 });
    await pause(30_000);
    const during = (await longconn()).stats;
    await h.control('POST', '/longconn/settings', { refuse_handshake: false });
    const refused = during.handshakeRefusals - before.handshakeRefusals;
    // 30 s at one attempt every 3 s (+ up to 1 s of nonce, + the attempt itself): about 9; a storm would be hundreds
    expect(refused).toBeGreaterThanOrEqual(6);
    expect(refused).toBeLessThanOrEqual(12);
    expect(during.handshakes).toBe(before.handshakes);
    await h.until('connected again', connected, 10_000);
    await works('握手恢复公司');
  }, 120_000);

  it('the endpoint refused for 20 s (the SDK gives up): the server starts a new client, doubling its wait, then back', async () => {
    await h.until('connected', connected, 30_000);
    const before = (await longconn()).stats;
    const logged = m.logs.length;
    // 1000040350: too many connections, a code the SDK does not retry
    await h.control('POST', '/longconn/settings', { refuse_endpoint_code: 1000040350 });
    expect(await h.control('POST', '/longconn/drop', {})).toEqual({ dropped: 1 });
    await pause(20_000);
    const during = (await longconn()).stats;
    await h.control('POST', '/longconn/settings', { refuse_endpoint_code: null });
    const refused = during.endpointRefusals - before.endpointRefusals;
    // waits of 1–2, 2–4, 4–8, 8–16 s: 3 to 5 attempts in 20 s
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(refused).toBeLessThanOrEqual(5);
    const restarts = m.logs.slice(logged).filter((l) => l.msg === 'Feishu long connection refused: trying again later; check FEISHU_APP_ID/SECRET and that the console subscribes by long connection (npm run doctor)');
    expect(restarts.length).toBe(refused);
    const waits = restarts.map((l) => l.retryInMs as number);
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(1000 * 2 ** i);
      expect(w).toBeLessThanOrEqual(2000 * 2 ** i);
    });
    // back at the next restart: at most 30 s (the sandbox's cap)
    await h.until('connected again', connected, 40_000);
    await works('接入点恢复公司');
  }, 150_000);
});
