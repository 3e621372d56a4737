import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface LoopbackServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** A Hono app (its `fetch`) served by @hono/node-server on 127.0.0.1 at a free port, as main.ts serves the product. */
export function serveOnLoopback(fetch: (req: Request) => Response | Promise<Response>): Promise<LoopbackServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ port: info.port, url: `http://127.0.0.1:${info.port}`, close: () => new Promise<void>((done) => server.close(() => done())) }));
  });
}
