import type { Context, Hono } from 'hono';
import type { FeishuVerifier, Verified } from '../feishu/verify.js';
import { limitBody } from './body-limit.js';
import type { AppEnv } from './request-log.js';

/**
 * A POST route for what Feishu sends us (events and card callbacks alike): the size limit before the
 * body is read, then the one verifier over the raw bytes (signature, window, token, decryption; fail
 * closed), the url_verification challenge answered; only a verified event reaches `handle`.
 */
export type VerifiedEvent = Extract<Verified, { kind: 'event' }>;

export function verifiedFeishuPost(app: Hono<AppEnv>, path: string, o: { verify: FeishuVerifier; maxBodyBytes: number; what: string }, handle: (c: Context<AppEnv>, v: VerifiedEvent) => Response | Promise<Response>): void {
  app.post(
    path,
    limitBody(o.maxBodyBytes, (c) => {
      c.set('logFields', { ...c.get('logFields'), refused: 'too_large' });
      return c.json({ error: 'too_large' }, 413);
    }),
    async (c) => {
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const v = o.verify(raw, (name) => c.req.header(name));
      if (!v.ok) {
        c.get('log').warn({ reason: v.reason, status: v.status }, `${o.what} refused`);
        c.set('logFields', { ...c.get('logFields'), refused: v.reason });
        return c.json({ error: v.reason }, v.status);
      }
      if (v.kind === 'challenge') return c.json({ challenge: v.challenge });
      return handle(c, v);
    },
  );
}
