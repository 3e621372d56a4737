import { stableJson } from '../lib/stable-json.js';
import { chunks, placeholders, type Sql } from './sql/sql.js';

/**
 * Bitable writes as outbox rows (kind `bitable.create` / `bitable.update`, target `app_token/table_id`),
 * the batches the writer builds from them, and the values the server last wrote to each cell.
 */
export interface CreatePayload {
  fields: Record<string, unknown>;
  /** a lead's row: the record id is linked to the lead when the create succeeds */
  leadKey?: string;
}

export interface UpdatePayload {
  fields: Record<string, unknown>;
  recordId?: string;
  /** resolved to the lead's record id when the batch is built (the create may still be pending) */
  leadKey?: string;
  /** write even the fields whose value equals what the server last wrote (a revert of a human edit) */
  force?: boolean;
  /**
   * Write only if the row still shows these values (read shape, as the decision saw them) right before
   * the call: a revert must never overwrite a newer human edit. Otherwise the update is dropped.
   */
  expect?: Record<string, unknown>;
}

export interface PendingRow {
  id: number;
  kind: 'bitable.create' | 'bitable.update';
  payload: CreatePayload | UpdatePayload;
}

export type BatchOp = 'create' | 'update';

export interface Batch {
  id: number;
  target: string;
  op: BatchOp;
  clientToken: string | null;
  records: Array<{ fields: Record<string, unknown>; record_id?: string; expect?: Record<string, unknown> }>;
  /** per body record, the outbox rows it carries */
  items: number[][];
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

interface RawBatch {
  id: number;
  target: string;
  op: BatchOp;
  client_token: string | null;
  body_json: string;
  items_json: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

const toBatch = (r: RawBatch): Batch => ({
  id: r.id,
  target: r.target,
  op: r.op,
  clientToken: r.client_token,
  records: JSON.parse(r.body_json),
  items: JSON.parse(r.items_json),
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
});

export const bitableTarget = (appToken: string, tableId: string) => `${appToken}/${tableId}`;
export function splitTarget(target: string): { appToken: string; tableId: string } {
  const [appToken, tableId] = target.split('/');
  if (!appToken || !tableId) throw new Error(`bad Bitable target ${target}`);
  return { appToken, tableId };
}

export type BitableOutboxRepo = ReturnType<typeof createBitableOutboxRepo>;

export function createBitableOutboxRepo(sql: Sql) {
  const { jsonTrue } = sql.dialect;
  const batchById = async (id: number) => sql.get<RawBatch>('SELECT * FROM bitable_batches WHERE id = ?', [id]);
  const setBatch = (p: { id: number; status: string; attempts: number; next: number; error: string | null; now: Date }) =>
    sql.run(`UPDATE bitable_batches SET status = @status, attempts = @attempts, next_attempt_at = @next, last_error = @error, updated_at = @now WHERE id = @id`, { ...p, now: p.now.getTime() });
  // row_key: the record a write is for, or the 线索编号 of a lead whose row is being created (indexed: migration 15)
  // `dueAt`: when the writer may send it (default now); a script that runs beside the server, whose clock
  // may be another (the sandbox's), says 0: at once
  const enqueue = async (kind: PendingRow['kind'], target: string, payload: { recordId?: string; leadKey?: string }, key: string, now: Date, dueAt: Date = now) =>
    (await sql.run(
      `INSERT INTO outbox (kind, target, payload_json, idempotency_key, status, next_attempt_at, created_at, updated_at, row_key)
       VALUES (@kind, @target, @payload, @key, 'pending', @due, @now, @now, @rowKey) ON CONFLICT (idempotency_key) DO NOTHING`,
      { kind, target, payload: JSON.stringify(payload), key, now: now.getTime(), due: dueAt.getTime(), rowKey: payload.recordId ?? payload.leadKey ?? null },
    )) === 1;
  const setRow = async (text: string, params: Readonly<Record<string, unknown>>) => void (await sql.run(text, params));

  /** What the server wrote to these records' cells (one statement per 200 cells; the last value of a cell wins). */
  async function recordWrittenMany(target: string, records: ReadonlyArray<{ recordId: string; fields: Record<string, unknown> }>, now: Date): Promise<void> {
    const cells = new Map<string, unknown[]>();
    for (const r of records) for (const [field, value] of Object.entries(r.fields)) cells.set(`${r.recordId}\u0000${field}`, [target, r.recordId, field, stableJson(value), now.getTime()]);
    for (const part of chunks([...cells.values()], 200))
      await sql.run(
        `INSERT INTO bitable_written (target, record_id, field_name, value_json, written_at) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (target, record_id, field_name) DO UPDATE SET value_json = excluded.value_json, written_at = excluded.written_at`,
        part.flat(),
      );
  }

  return {
    /** Queue a record create; `key` makes the enqueue idempotent. False when the key was already queued. */
    enqueueCreate: (target: string, payload: CreatePayload, key: string, now: Date): Promise<boolean> => enqueue('bitable.create', target, payload, key, now),
    enqueueUpdate: (target: string, payload: UpdatePayload, key: string, now: Date, dueAt?: Date): Promise<boolean> => enqueue('bitable.update', target, payload, key, now, dueAt),
    async pending(target: string, kind: PendingRow['kind'], now: Date, limit: number): Promise<PendingRow[]> {
      const rows = await sql.all<{ id: number; kind: PendingRow['kind']; payload_json: string }>(
        `SELECT id, kind, payload_json FROM outbox WHERE target = ? AND status = 'pending' AND kind = ? AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
        [target, kind, now.getTime(), limit],
      );
      return rows.map((r) => ({ id: r.id, kind: r.kind, payload: JSON.parse(r.payload_json) }));
    },
    hasPendingCreate: async (target: string, leadKey: string): Promise<boolean> =>
      (await sql.get(`SELECT 1 AS one FROM outbox WHERE target = ? AND row_key = ? AND status IN ('pending', 'in_flight') AND kind = 'bitable.create' LIMIT 1`, [target, leadKey])) !== undefined,
    async openBatch(target: string): Promise<Batch | undefined> {
      const r = await sql.get<RawBatch>(`SELECT * FROM bitable_batches WHERE status = 'open' AND target = ? ORDER BY id LIMIT 1`, [target]);
      return r && toBatch(r);
    },
    openBatchCount: async (target: string): Promise<number> => (await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM bitable_batches WHERE status = 'open' AND target = ?`, [target]))!.n,
    async getBatch(id: number): Promise<Batch | undefined> {
      const r = await batchById(id);
      return r && toBatch(r);
    },
    /** Persist a batch (body and token fixed from now on) and move its rows into it. */
    createBatch: (b: { target: string; op: BatchOp; clientToken: string | null; records: Batch['records']; items: number[][]; now: Date }): Promise<Batch> =>
      sql.transaction(async () => {
        const created = (await sql.get<RawBatch>(
          `INSERT INTO bitable_batches (target, op, client_token, body_json, items_json, status, next_attempt_at, created_at, updated_at)
           VALUES (@target, @op, @token, @body, @items, 'open', @now, @now, @now) RETURNING *`,
          { target: b.target, op: b.op, token: b.clientToken, body: JSON.stringify(b.records), items: JSON.stringify(b.items), now: b.now.getTime() },
        ))!;
        for (const rowId of b.items.flat())
          if ((await sql.run(`UPDATE outbox SET status = 'in_flight', batch_id = @batch, updated_at = @now WHERE id = @id AND status = 'pending'`, { batch: created.id, id: rowId, now: b.now.getTime() })) !== 1)
            throw new Error(`outbox row ${rowId} is not pending`);
        return toBatch(created);
      }),
    /** The rows of a batch that are put-backs (forced updates), in one read. */
    forcedRows: async (batchId: number): Promise<Set<number>> => new Set((await sql.all<{ id: number }>(`SELECT id FROM outbox WHERE batch_id = ? AND ${jsonTrue('payload_json', 'force')}`, [batchId])).map((r) => r.id)),
    /** Several rows' payloads at once (the writer's bookkeeping after a batch landed). */
    async rowPayloads(ids: readonly number[]): Promise<Map<number, CreatePayload | UpdatePayload>> {
      const out = new Map<number, CreatePayload | UpdatePayload>();
      for (const part of chunks(ids, 500))
        for (const r of await sql.all<{ id: number; payload_json: string }>(`SELECT id, payload_json FROM outbox WHERE id IN (${placeholders(part.length)})`, part)) out.set(r.id, JSON.parse(r.payload_json));
      return out;
    },
    /** Several rows done in one statement per 500. */
    async rowsDone(ids: readonly number[], now: Date): Promise<void> {
      for (const part of chunks(ids, 500)) await sql.run(`UPDATE outbox SET status = 'done', last_error = NULL, updated_at = ? WHERE id IN (${placeholders(part.length)})`, [now.getTime(), ...part]);
    },
    rowDone: (id: number, now: Date) => setRow(`UPDATE outbox SET status = 'done', last_error = NULL, updated_at = @now WHERE id = @id`, { id, now: now.getTime() }),
    rowDead: (id: number, error: string, now: Date) => setRow(`UPDATE outbox SET status = 'dead', last_error = @error, updated_at = @now WHERE id = @id`, { id, error, now: now.getTime() }),
    /** Rows of a split batch go back to pending, so the two halves can take them. */
    rowBack: (id: number, now: Date) => setRow(`UPDATE outbox SET status = 'pending', batch_id = NULL, updated_at = @now WHERE id = @id`, { id, now: now.getTime() }),
    async finishBatch(id: number, status: 'done' | 'split' | 'dead', now: Date, error: string | null = null): Promise<void> {
      const b = (await batchById(id))!;
      await setBatch({ id, status, attempts: b.attempts, next: b.next_attempt_at, error, now });
    },
    /** A failed attempt: the batch stays open (same body, same token) until `retryAt`. */
    retryBatch: (id: number, error: string, retryAt: number, now: Date, countAttempt: boolean): Promise<void> =>
      sql.transaction(async () => {
        const b = (await batchById(id))!;
        await setBatch({ id, status: 'open', attempts: b.attempts + (countAttempt ? 1 : 0), next: retryAt, error, now });
        await sql.run(`UPDATE outbox SET attempts = attempts + 1, last_error = @error, updated_at = @now WHERE batch_id = @batch`, { batch: id, error, now: now.getTime() });
      }),
    activeTargets: async (): Promise<string[]> =>
      (
        await sql.all<{ target: string }>(
          `SELECT DISTINCT target FROM outbox WHERE kind LIKE 'bitable.%' AND status IN ('pending', 'in_flight')
           UNION SELECT DISTINCT target FROM bitable_batches WHERE status = 'open'`,
        )
      ).map((r) => r.target),
    /** When the next row or open batch of `target` is due (ms), or undefined when it has none. */
    nextDueAt: async (target: string): Promise<number | undefined> =>
      (
        await sql.get<{ at: number | null }>(
          `SELECT MIN(at) AS at FROM (SELECT MIN(next_attempt_at) AS at FROM outbox WHERE target = @target AND kind LIKE 'bitable.%' AND status = 'pending'
           UNION ALL SELECT MIN(next_attempt_at) FROM bitable_batches WHERE target = @target AND status = 'open') AS due`,
          { target },
        )
      )?.at ?? undefined,
    /** What the server last wrote to each field of a record, as stable JSON. */
    written: async (target: string, recordId: string): Promise<Map<string, string>> =>
      new Map((await sql.all<{ field_name: string; value_json: string }>('SELECT field_name, value_json FROM bitable_written WHERE target = ? AND record_id = ?', [target, recordId])).map((r) => [r.field_name, r.value_json])),
    /** Values the server has queued or is sending to a record (field → stable JSON of each), not yet confirmed. */
    async inFlight(target: string, recordId: string, leadKey?: string): Promise<Map<string, Set<string>>> {
      const out = new Map<string, Set<string>>();
      const rows = await sql.all<{ payload_json: string }>(`SELECT payload_json FROM outbox WHERE target = @target AND row_key IN (@record, @lead) AND status IN ('pending', 'in_flight') AND kind = 'bitable.update' ORDER BY id`, {
        target,
        record: recordId,
        lead: leadKey ?? recordId,
      });
      for (const r of rows) {
        for (const [k, v] of Object.entries((JSON.parse(r.payload_json) as UpdatePayload).fields)) {
          if (!out.has(k)) out.set(k, new Set());
          out.get(k)!.add(stableJson(v));
        }
      }
      return out;
    },
    /** What the server wrote to a record's cells. */
    recordWritten: (target: string, recordId: string, fields: Record<string, unknown>, now: Date): Promise<void> => recordWrittenMany(target, [{ recordId, fields }], now),
    recordWrittenMany,
    async deadLetters() {
      const rows = await sql.all<{ id: number; kind: string; target: string; payload_json: string; last_error: string | null; attempts: number; updated_at: number }>(
        `SELECT id, kind, target, payload_json, last_error, attempts, updated_at FROM outbox WHERE kind LIKE 'bitable.%' AND status = 'dead' ORDER BY id`,
      );
      return rows.map((r) => ({ id: r.id, kind: r.kind, target: r.target, payload: JSON.parse(r.payload_json) as CreatePayload | UpdatePayload, error: r.last_error, attempts: r.attempts, at: new Date(r.updated_at) }));
    },
    /** Send a dead row again (a create keeps its lead key, so it links to the same lead). */
    retryDead: async (id: number, now: Date): Promise<boolean> =>
      (await sql.run(`UPDATE outbox SET status = 'pending', batch_id = NULL, attempts = 0, next_attempt_at = @now, updated_at = @now WHERE id = @id AND status = 'dead' AND kind LIKE 'bitable.%'`, { id, now: now.getTime() })) === 1,
    /** When the oldest write still waiting (pending or in flight) was queued: the writer's lag. */
    async oldestWaiting(): Promise<Date | undefined> {
      const r = await sql.get<{ at: number | null }>(`SELECT MIN(created_at) AS at FROM outbox WHERE status IN ('pending', 'in_flight') AND kind LIKE 'bitable.%'`);
      return r?.at == null ? undefined : new Date(Number(r.at));
    },
    async counts(): Promise<Record<'pending' | 'in_flight' | 'done' | 'dead', number>> {
      const out = { pending: 0, in_flight: 0, done: 0, dead: 0 };
      for (const r of await sql.all<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM outbox WHERE kind LIKE 'bitable.%' GROUP BY status`)) out[r.status as keyof typeof out] = r.n;
      return out;
    },
  };
}
