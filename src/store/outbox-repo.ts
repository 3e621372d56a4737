import { placeholders, type Sql } from './sql/sql.js';

/**
 * Transactional outbox: a side effect (Bitable write, card send, webhook) is a row written in the same
 * transaction as the decision that caused it; a worker claims due rows under a lease and retries until
 * done or dead. The idempotency key (client_token / message uuid) is fixed at enqueue time and reused
 * on every retry.
 */
export type OutboxStatus = 'pending' | 'in_flight' | 'done' | 'dead';

export interface OutboxItem {
  id: number;
  kind: string;
  target: string;
  payload: unknown;
  idempotencyKey: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
}

interface Raw {
  id: number;
  kind: string;
  target: string;
  payload_json: string;
  idempotency_key: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
}

const toItem = (r: Raw): OutboxItem => ({
  id: r.id,
  kind: r.kind,
  target: r.target,
  payload: JSON.parse(r.payload_json),
  idempotencyKey: r.idempotency_key,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: new Date(r.next_attempt_at),
  leaseUntil: r.lease_until === null ? null : new Date(r.lease_until),
  lastError: r.last_error,
  createdAt: new Date(r.created_at),
});

export type OutboxRepo = ReturnType<typeof createOutboxRepo>;

export function createOutboxRepo(sql: Sql) {
  const changed = async (text: string, params: Readonly<Record<string, unknown>>) => (await sql.run(text, params)) === 1;
  // Expired leases count as due: a worker that died mid-call leaves its rows to be retried. Each worker
  // claims its own kinds by prefix (`im.`, `webhook.`); Bitable rows are never claimed here: the Bitable
  // writer batches them per table (bitable-outbox-repo.ts).
  // In order per target (a group chat, a webhook URL): a row waits while an earlier one to the same
  // target is waiting for its retry or is in flight, so messages arrive in the order of the decisions
  // that caused them (a reminder never lands after the reassignment it preceded). A dead row does not
  // hold the rest back. On PostgreSQL the rows are locked as they are read and other instances skip them.
  // Each "an earlier row to the same target is waiting" test is a seek in a partial index (migration
  // 016: pending rows by target and next attempt, in-flight rows by target and lease), so a claim costs
  // the same with a backlog of thousands for one target (an import's events for one subscriber).
  const holds = (status: 'pending' | 'in_flight', column: 'next_attempt_at' | 'lease_until') =>
    `NOT EXISTS (SELECT 1 FROM outbox e WHERE e.target = o.target AND e.status = '${status}' AND e.${column} > @now AND e.id < o.id
         AND e.kind NOT LIKE 'bitable.%' AND substr(e.kind, 1, length(CAST(@prefix AS TEXT))) = @prefix)`;
  const due = `SELECT * FROM outbox o WHERE kind NOT LIKE 'bitable.%' AND substr(kind, 1, length(CAST(@prefix AS TEXT))) = @prefix
       AND ((status = 'pending' AND next_attempt_at <= @now) OR (status = 'in_flight' AND lease_until <= @now))
       AND ${holds('pending', 'next_attempt_at')}
       AND ${holds('in_flight', 'lease_until')}
     ORDER BY id LIMIT @limit ${sql.dialect.skipLocked}`;
  return {
    /** Queue a side effect; a second enqueue with the same key returns the first row unchanged. */
    async enqueue(e: { kind: string; target: string; payload: unknown; idempotencyKey: string; now: Date }): Promise<OutboxItem> {
      const added = await sql.get<Raw>(
        `INSERT INTO outbox (kind, target, payload_json, idempotency_key, status, next_attempt_at, created_at, updated_at)
         VALUES (@kind, @target, @payload, @key, 'pending', @now, @now, @now) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
        { kind: e.kind, target: e.target, payload: JSON.stringify(e.payload), key: e.idempotencyKey, now: e.now.getTime() },
      );
      return toItem(added ?? (await sql.get<Raw>('SELECT * FROM outbox WHERE idempotency_key = ?', [e.idempotencyKey]))!);
    },
    /** Which of these idempotency keys are queued already (any status). */
    async existingKeys(keys: readonly string[]): Promise<Set<string>> {
      const out = new Set<string>();
      for (let i = 0; i < keys.length; i += 500) {
        const chunk = keys.slice(i, i + 500);
        for (const r of await sql.all<{ idempotency_key: string }>(`SELECT idempotency_key FROM outbox WHERE idempotency_key IN (${placeholders(chunk.length)})`, chunk)) out.add(r.idempotency_key);
      }
      return out;
    },
    /** Lease up to `limit` due rows whose kind starts with `kindPrefix` ('' for all) for `leaseMs`. */
    claim: (now: Date, limit: number, leaseMs: number, kindPrefix = ''): Promise<OutboxItem[]> =>
      sql.transaction(async () => {
        const rows = await sql.all<Raw>(due, { prefix: kindPrefix, now: now.getTime(), limit });
        const out: OutboxItem[] = [];
        for (const r of rows) {
          const leased = await sql.get<Raw>(`UPDATE outbox SET status = 'in_flight', lease_until = @until, attempts = attempts + 1, updated_at = @now WHERE id = @id RETURNING *`, {
            id: r.id,
            until: now.getTime() + leaseMs,
            now: now.getTime(),
          });
          out.push(toItem(leased!));
        }
        return out;
      }),
    /** Replace what a row sends (the same idempotency key): a card with a mention Feishu refused, say. */
    updatePayload: (id: number, payload: unknown, now: Date): Promise<boolean> => changed('UPDATE outbox SET payload_json = @payload, updated_at = @now WHERE id = @id', { id, payload: JSON.stringify(payload), now: now.getTime() }),
    /** Give a claimed row back untried (an earlier row to its target failed): no attempt is counted. */
    release: (id: number, now: Date): Promise<boolean> => changed(`UPDATE outbox SET status = 'pending', lease_until = NULL, attempts = attempts - 1, updated_at = @now WHERE id = @id AND status = 'in_flight'`, { id, now: now.getTime() }),
    markDone: (id: number, now: Date): Promise<boolean> => changed(`UPDATE outbox SET status = 'done', lease_until = NULL, last_error = NULL, updated_at = @now WHERE id = @id AND status = 'in_flight'`, { id, now: now.getTime() }),
    /** Record a failed attempt: retry at `nextAttemptAt`, or give up (`dead`) and keep the row visible. */
    markFailed(id: number, error: string, now: Date, next: { retryAt: Date } | { dead: true }): Promise<boolean> {
      const dead = 'dead' in next;
      return changed(`UPDATE outbox SET status = @status, lease_until = NULL, last_error = @error, next_attempt_at = @next, updated_at = @now WHERE id = @id AND status = 'in_flight'`, {
        id,
        status: dead ? 'dead' : 'pending',
        error,
        next: dead ? now.getTime() : next.retryAt.getTime(),
        now: now.getTime(),
      });
    },
    get: async (id: number): Promise<OutboxItem | undefined> => {
      const r = await sql.get<Raw>('SELECT * FROM outbox WHERE id = ?', [id]);
      return r && toItem(r);
    },
    listByStatus: async (status: OutboxStatus): Promise<OutboxItem[]> => (await sql.all<Raw>("SELECT * FROM outbox WHERE status = ? AND kind NOT LIKE 'bitable.%' ORDER BY id", [status])).map(toItem),
    /** Replay a dead row with the same idempotency key. */
    requeueDead: (id: number, now: Date): Promise<boolean> =>
      changed(`UPDATE outbox SET status = 'pending', next_attempt_at = @now, attempts = 0, updated_at = @now WHERE id = @id AND status = 'dead' AND kind NOT LIKE 'bitable.%'`, { id, now: now.getTime() }),
    /**
     * Send a target's settled rows again (done or dead, made at or after `since`), with their own
     * idempotency keys: a webhook subscriber that lost what it was sent replays it (it may dedupe on
     * webhook-id). Returns how many were queued.
     */
    requeueTarget: async (target: string, since: Date, now: Date): Promise<number> =>
      sql.run(`UPDATE outbox SET status = 'pending', next_attempt_at = @now, attempts = 0, last_error = NULL, updated_at = @now WHERE target = @target AND status IN ('done', 'dead') AND created_at >= @since`, {
        target,
        since: since.getTime(),
        now: now.getTime(),
      }),
    /** Rows of one target by status (a webhook subscriber's deliveries, for `npm run webhooks -- list`). */
    async countsOf(target: string): Promise<Record<OutboxStatus, number>> {
      const out: Record<OutboxStatus, number> = { pending: 0, in_flight: 0, done: 0, dead: 0 };
      for (const r of await sql.all<{ status: OutboxStatus; n: number }>('SELECT status, COUNT(*) AS n FROM outbox WHERE target = ? GROUP BY status', [target])) out[r.status] = Number(r.n);
      return out;
    },
    async counts(): Promise<Record<OutboxStatus, number>> {
      const out: Record<OutboxStatus, number> = { pending: 0, in_flight: 0, done: 0, dead: 0 };
      for (const r of await sql.all<{ status: OutboxStatus; n: number }>("SELECT status, COUNT(*) AS n FROM outbox WHERE kind NOT LIKE 'bitable.%' GROUP BY status")) out[r.status] = r.n;
      return out;
    },
  };
}
