import { Hono } from 'hono';
import type { Store } from '../store/store.js';
import type { AppEnv } from './request-log.js';

export interface HealthDeps {
  ping: Store['ping'];
  mode: 'feishu' | 'sandbox';
  version: string;
  startedAt: Date;
  /** the Bitable outbox's row counts; dead letters are shown (and doctor fails on them) */
  outbox?: () => Promise<{ pending: number; in_flight: number; dead: number }>;
  /** cards and messages waiting to be sent, and dead letters */
  messages?: () => Promise<{ pending: number; in_flight: number; dead: number }>;
  /** verified events waiting to be processed, and those given up on */
  inbound?: () => Promise<{ pending: number; failed: number }>;
  /** this process among the instances sharing the database, and the leases held now (who does what) */
  instance?: string;
  leases?: () => Promise<Array<{ name: string; holder: string; expiresAt: Date }>>;
}

/** GET /healthz: 200 when the database answers, 503 when it does not; outbox counts and dead-letter warnings. */
export function createHealthRoutes(deps: HealthDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', async (c) => {
    const db = await deps.ping();
    const outbox = db.ok && deps.outbox ? await deps.outbox() : undefined;
    const inbound = db.ok && deps.inbound ? await deps.inbound() : undefined;
    const messages = db.ok && deps.messages ? await deps.messages() : undefined;
    const leases = db.ok && deps.leases ? await deps.leases() : undefined;
    const body = {
      status: db.ok ? 'ok' : 'error',
      version: deps.version,
      mode: deps.mode,
      startedAt: deps.startedAt.toISOString(),
      ...(deps.instance ? { instance: deps.instance } : {}),
      db,
      ...(outbox ? { outbox: { pending: outbox.pending, inFlight: outbox.in_flight, dead: outbox.dead } } : {}),
      ...(messages ? { messages: { pending: messages.pending, inFlight: messages.in_flight, dead: messages.dead } } : {}),
      ...(inbound ? { inbound: { pending: inbound.pending, failed: inbound.failed } } : {}),
      ...(leases ? { leases: leases.map((l) => ({ name: l.name, holder: l.holder, mine: l.holder === deps.instance, expiresAt: l.expiresAt.toISOString() })) } : {}),
      ...(outbox?.dead || messages?.dead
        ? {
            warnings: [
              ...(outbox?.dead ? [`发件箱有 ${outbox.dead} 条死信，运行 npm run outbox -- list 查看 / ${outbox.dead} dead letter(s) in the outbox: npm run outbox -- list`] : []),
              ...(messages?.dead ? [`有 ${messages.dead} 条卡片/消息未能发出，运行 npm run outbox -- list 查看 / ${messages.dead} card(s) or message(s) could not be sent: npm run outbox -- list`] : []),
            ],
          }
        : {}),
    };
    return c.json(body, db.ok ? 200 : 503);
  });
  return app;
}
