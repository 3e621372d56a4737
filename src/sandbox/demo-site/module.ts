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
  /** where the form posts, and with which key (known once the product listens and has made the source) */
  configure(c: { productUrl?: string; apiKey?: string }): void;
  /** the demo CRM at /demo/crm: a webhook subscriber of the product's lead events */
  crm: DemoCrm;
}

export function createDemoSite(): DemoSite {
  const config: { productUrl?: string; apiKey?: string } = {};
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
        root.get('/demo/form/config', (c) => (config.productUrl && config.apiKey ? c.json({ endpoint: `${config.productUrl}/api/leads`, apiKey: config.apiKey }) : c.json({ error: 'not_ready' }, 503)));
      },
    },
  };
}
