import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * A webhook subscriber as a real one would be written, on 127.0.0.1: every request is verified with the
 * reference Standard Webhooks library (signature over the raw body, timestamp within five minutes) and
 * refused with 401 when it does not verify; events are taken once per webhook-id. It can go `down()`
 * (the port closed: connections refused) and come back `up()` on the same port.
 */
export interface ReceivedEvent {
  webhookId: string;
  type: string;
  data: Record<string, any>;
}

export async function startEventReceiver(secret: string) {
  let verifier = new Webhook(secret);
  const events: ReceivedEvent[] = [];
  /** deliveries per webhook-id (a retry after a lost answer, a replay) */
  const deliveries = new Map<string, number>();
  let refused = 0;
  let status = 204;
  let server: Server | undefined;
  let port = 0;

  const listen = async () => {
    const s = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: { type: string; data: Record<string, unknown> };
        try {
          body = verifier.verify(raw, req.headers as Record<string, string>) as typeof body;
        } catch {
          refused++;
          res.writeHead(401).end();
          return;
        }
        if (status >= 300) {
          res.writeHead(status).end();
          return;
        }
        const id = String(req.headers['webhook-id']);
        deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
        if (deliveries.get(id) === 1) events.push({ webhookId: id, type: body.type, data: body.data });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  await listen();

  return {
    url: `http://127.0.0.1:${port}/leads`,
    events,
    deliveries,
    refused: () => refused,
    /** answer every verified request with this status (e.g. 503) instead of taking it */
    answer(s: number) {
      status = s;
    },
    /** the receiver now checks with this secret (after a rotation) */
    useSecret(s: string) {
      verifier = new Webhook(s);
    },
    async down() {
      const s = server;
      server = undefined;
      if (s)
        await new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        });
    },
    up: listen,
    close() {
      return this.down();
    },
  };
}

export type EventReceiver = Awaited<ReturnType<typeof startEventReceiver>>;
