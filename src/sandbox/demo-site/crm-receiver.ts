import type { Hono } from 'hono';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { EmuKernel } from '../feishu/kernel/kernel.js';

/**
 * The demo company's CRM in the sandbox, as a webhook subscriber: `POST /demo/crm/webhook` receives
 * Lead Journey's lead events as any receiver would (the Standard Webhooks signature checked over the
 * raw body with the subscriber's secret, the timestamp within five minutes, each webhook-id taken once),
 * and `/demo/crm` shows what arrived. It is not the product: the product only knows it as a URL.
 */
export interface CrmEvent {
  id: string;
  type: string;
  timestamp: string;
  receivedAt: string;
  data: Record<string, unknown>;
  /** how often it was delivered (a retry after a lost answer, a replay) */
  deliveries: number;
}

const KEEP = 200;

export function createDemoCrm() {
  let verifier: Webhook | undefined;
  const events: CrmEvent[] = [];
  const byId = new Map<string, CrmEvent>();
  const counts = { accepted: 0, duplicates: 0, refused: 0 };

  function receive(raw: string, headers: Record<string, string>): { status: number; why?: string } {
    if (!verifier) return { status: 503, why: 'not configured' };
    let body: { type?: unknown; timestamp?: unknown; data?: unknown };
    try {
      body = verifier.verify(raw, headers) as typeof body;
    } catch (e) {
      counts.refused++;
      return { status: 401, why: e instanceof WebhookVerificationError ? e.message : 'bad signature' };
    }
    const id = headers['webhook-id']!;
    const seen = byId.get(id);
    if (seen) {
      seen.deliveries++;
      counts.duplicates++;
      return { status: 204 };
    }
    const e: CrmEvent = { id, type: String(body.type), timestamp: String(body.timestamp), receivedAt: new Date().toISOString(), data: (body.data ?? {}) as Record<string, unknown>, deliveries: 1 };
    events.push(e);
    byId.set(id, e);
    if (events.length > KEEP) byId.delete(events.shift()!.id);
    counts.accepted++;
    return { status: 204 };
  }

  return {
    events,
    counts,
    /** the subscriber's secret (whsec_…), as its owner would paste it into the CRM */
    setSecret(secret: string): void {
      verifier = new Webhook(secret);
    },
    register(k: EmuKernel, root: Hono, page: (file: string, type: string, csp?: string) => Response): void {
      root.post('/demo/crm/webhook', async (c) => {
        const raw = await c.req.text();
        const headers = Object.fromEntries(
          Object.entries(c.req.header())
            .filter(([h]) => h.toLowerCase().startsWith('webhook-'))
            .map(([h, v]) => [h.toLowerCase(), v]),
        );
        const r = receive(raw, headers);
        return r.why ? c.json({ error: r.why }, r.status as 401 | 503) : c.body(null, 204);
      });
      root.get('/demo/crm', () =>
        page('crm.html', 'text/html; charset=utf-8', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"),
      );
      root.get('/demo/crm.js', () => page('crm.js', 'text/javascript; charset=utf-8'));
      // people by open_id, so the page shows 李雷 rather than ou_…
      root.get('/demo/crm/events', (c) => c.json({ ready: !!verifier, counts, events: [...events].reverse(), people: Object.fromEntries(k.directory.listUsers().map((u) => [u.open_id, u.name])) }));
    },
  };
}

export type DemoCrm = ReturnType<typeof createDemoCrm>;
