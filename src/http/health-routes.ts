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
  /** GET /readyz: what must hold for this instance to take traffic; absent: /readyz is not served */
  ready?: ReadyDeps;
}

export interface ReadyDeps {
  /** each platform's access token, fetched or from its cache (a refused secret, an unreachable platform: not ready) */
  tokens: ReadonlyArray<{ name: string; get: () => Promise<unknown> }>;
  /** how long the oldest Bitable write still waiting has waited (0: none waiting); /metrics shows the same */
  writerLagSeconds: () => Promise<number>;
  /** writes waiting longer than this make the answer `degraded` (still 200) */
  maxWriterLagSeconds: number;
  /** how long a token check may take (default 3 s) */
  timeoutMs?: number;
}

const within = <T>(p: Promise<T>, ms: number): Promise<T> => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

/**
 * GET /readyz (docs/operations.md#health-and-readiness): 200 `ready` when the database answers and every
 * platform token can be had; 503 `not_ready` when either fails (a load balancer or a rolling update
 * stops sending traffic here: a wrong app secret shows at once). Writes waiting longer than the limit
 * make it `degraded` but keep 200: taking the server out of rotation would not write any faster, and
 * it would refuse the card clicks it can still answer.
 */
export function readinessOf(deps: { ping: Store['ping']; ready: ReadyDeps }) {
  return async () => {
    const r = deps.ready;
    const db = await deps.ping();
    const tokens = await Promise.all(
      r.tokens.map(async (t) => {
        try {
          const got = await within(t.get(), r.timeoutMs ?? 3000);
          return { name: t.name, ok: Boolean(got), ...(got ? {} : { error: 'no token in the answer' }) };
        } catch (e) {
          return { name: t.name, ok: false, error: (e instanceof Error ? e.message : String(e)).slice(0, 200) };
        }
      }),
    );
    const lagSeconds = db.ok ? Math.round(await r.writerLagSeconds()) : 0;
    const lagOk = lagSeconds <= r.maxWriterLagSeconds;
    const ok = db.ok && tokens.every((t) => t.ok);
    return {
      status: !ok ? 'not_ready' : lagOk ? 'ready' : 'degraded',
      checks: { database: db, tokens, writerLag: { ok: lagOk, seconds: lagSeconds, limitSeconds: r.maxWriterLagSeconds } },
    } as const;
  };
}

/** GET /healthz (liveness): 200 when the database answers, 503 when it does not; outbox counts and dead-letter warnings. */
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
  if (deps.ready) {
    const readiness = readinessOf({ ping: deps.ping, ready: deps.ready });
    app.get('/readyz', async (c) => {
      const r = await readiness();
      return c.json(r, r.status === 'not_ready' ? 503 : 200);
    });
  }
  return app;
}
