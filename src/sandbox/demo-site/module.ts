import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EmulatorModule } from '../feishu/emulator.js';
import { createDemoCrm, type DemoCrm } from './crm-receiver.js';

/**
 * The demo company's website in the sandbox: a landing page with a 预约演示 form, as a marketer would
 * build it, at `/demo/form` beside the emulator. It is not Feishu and not the product: it posts the
 * visitor's form to the product's POST /api/leads from the browser (cross-origin, so the product's CORS
 * allows this origin), with the demo source's API key, as any web form would. A browser form's key is
 * public by nature: the source's rate limit and the allowed origins are what guard it (docs/intake.md).
 */
const DIR = fileURLToPath(new URL('./', import.meta.url));

export interface DemoSite {
  module: EmulatorModule;
  /** where the form posts, and with which key (known once the product listens and has made the source); the metrics API's token for /demo/report */
  configure(c: { productUrl?: string; apiKey?: string; metricsToken?: string }): void;
  /** the demo CRM at /demo/crm: a webhook subscriber of the product's lead events */
  crm: DemoCrm;
}

export function createDemoSite(): DemoSite {
  const config: { productUrl?: string; apiKey?: string; metricsToken?: string } = {};
  const crm = createDemoCrm();
  const page = (file: string, type: string, csp?: string) =>
    new Response(readFileSync(DIR + file, 'utf8'), {
      headers: {
        'content-type': type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        ...(csp ? { 'content-security-policy': csp, 'referrer-policy': 'no-referrer' } : {}),
      },
    });
  return {
    configure: (c) => Object.assign(config, c),
    crm,
    module: {
      name: 'demo-site',
      register(k, root) {
        crm.register(k, root, page);
        root.get('/demo/form', () =>
          page(
            'form.html',
            'text/html; charset=utf-8',
            `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' ${config.productUrl ?? ''}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'`,
          ),
        );
        root.get('/demo/form.js', () => page('form.js', 'text/javascript; charset=utf-8'));
        // The company's intranet link to the report: it holds the metrics API's token on the server side and
        // fetches the product's HTML report with it (GET /api/metrics/report.html), as a person's browser
        // cannot send a bearer token from a link. ?since= and ?lang= are passed on; the product checks them.
        root.get('/demo/report', async (c) => {
          if (!config.productUrl || !config.metricsToken) return c.text('报表尚未就绪：服务还在启动 / the report is not ready yet: the server is starting', 503);
          const q = new URLSearchParams();
          for (const k of ['since', 'until', 'lang']) {
            const v = c.req.query(k);
            if (v) q.set(k, v);
          }
          try {
            const lang = c.req.header('accept-language');
            const r = await fetch(`${config.productUrl}/api/metrics/report.html?${q}`, { headers: { authorization: `Bearer ${config.metricsToken}`, ...(lang ? { 'accept-language': lang } : {}) } });
            return new Response(await r.text(), { status: r.status, headers: { 'content-type': r.headers.get('content-type') ?? 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } });
          } catch (e) {
            return c.text(`报表服务不可达 / the report could not be fetched: ${e instanceof Error ? e.message : String(e)}`, 502);
          }
        });
        root.get('/demo/form/config', (c) => (config.productUrl && config.apiKey ? c.json({ endpoint: `${config.productUrl}/api/leads`, apiKey: config.apiKey }) : c.json({ error: 'not_ready' }, 503)));
      },
    },
  };
}
