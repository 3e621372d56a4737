import { randomUUID } from 'node:crypto';
import { FEISHU_CODES, fromThrown, type FeishuCallError } from '../feishu/errors.js';
import { backoffDelay } from '../feishu/retry.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createKickLoop, type KickLoop } from '../lib/kick-loop.js';
import type { Lease } from '../jobs/lease.js';
import { stableJson } from '../lib/stable-json.js';
import { RECORD_CHANGED } from '../feishu/record-changed.js';
import { splitTarget, type Batch, type UpdatePayload } from '../store/bitable-outbox-repo.js';
import type { Store } from '../store/store.js';
import type { BitableApi } from './api.js';
import { shownValue } from './field-map.js';
import type { RateGate } from './rate-gate.js';

/**
 * The only way the product writes to the Bitable. Pending outbox rows of a table are coalesced into
 * batch_create / batch_update calls of up to `batchSize` records; one call is in flight per table; every
 * call first passes the app's write budget. A batch's body and client_token are stored before it is sent,
 * so after a crash the same body goes out with the same token and Feishu returns the first result
 * instead of creating the records again. Failures: a 429 waits for its reset; 5xx, timeouts, 1254290,
 * 1254291, 1254607 … back off with full jitter; a refused value splits the batch in halves until the
 * bad record stands alone, and that one is dead-lettered with the error while the rest go through.
 * (docs/platform/feishu.md §2.6–2.7, docs/reliability.md §2.2–2.3)
 */
export interface WriterOptions {
  batchSize: number;
  backoff: { baseMs: number; capMs: number };
  /** failed attempts (not counting rate limits) before a batch's rows are dead-lettered */
  maxAttempts: number;
  /** how often the background loop looks for work nobody kicked it for */
  pollMs: number;
}

export const DEFAULT_WRITER_OPTIONS: WriterOptions = { batchSize: 500, backoff: { baseMs: 1000, capMs: 300_000 }, maxAttempts: 10, pollMs: 1000 };

export interface WriterDeps {
  store: Store;
  api: BitableApi;
  gate: RateGate;
  clock: Clock;
  log: Logger;
  options?: Partial<WriterOptions>;
  /** for tests: jitter source */
  random?: () => number;
  /**
   * A put-back (a forced update) landed: its rows are re-read and checked once more, as if Feishu had
   * sent an event for the server's own write. Whether it does is not documented; a person's edit that
   * crossed the put-back on the wire must be answered either way. Called after the transaction.
   */
  onPutBackLanded?: () => void;
  /** each write call sent, with how many records it carried (metrics) */
  onCall?: (op: 'create' | 'update', records: number) => void;
  /**
   * The queued values are plain (a person is their id); this gives them the record API's shapes at send
   * time (bitableCellEncoder). What the server remembers as written stays plain.
   */
  encode?: (fields: Record<string, unknown>) => Record<string, unknown>;
  /**
   * Several instances on one database: the lease named `name` (one per table) is held by the instance
   * writing that table, so one call is in flight per table across all of them. Without it (one
   * instance), the worker per table is enough.
   */
  lease?: (name: string) => Lease;
}

export interface WriterStats {
  calls: { batch_create: number; batch_update: number };
  records: { created: number; updated: number };
  /** update rows dropped because every field already held what the server last wrote */
  unchanged: number;
  /** guarded updates (reverts) dropped because a person changed the row again first */
  superseded: number;
  retries: number;
  rateLimited: number;
  splits: number;
  dead: number;
}

export type BitableWriter = ReturnType<typeof createBitableWriter>;

export function createBitableWriter(deps: WriterDeps) {
  const o: WriterOptions = { ...DEFAULT_WRITER_OPTIONS, ...deps.options, backoff: { ...DEFAULT_WRITER_OPTIONS.backoff, ...deps.options?.backoff } };
  const repo = deps.store.tableWrites;
  const encode = deps.encode ?? ((f: Record<string, unknown>) => f);
  const log = deps.log.child({ component: 'bitable-writer' });
  const stats: WriterStats = { calls: { batch_create: 0, batch_update: 0 }, records: { created: 0, updated: 0 }, unchanged: 0, superseded: 0, retries: 0, rateLimited: 0, splits: 0, dead: 0 };
  let stopped = false;
  const wakers = new Set<() => void>();
  let kicks = 0;

  /** Sleep up to `ms`, or until kick()/stop(). */
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      wakers.add(done);
    });

  /** A create batch from the table's pending creates (body and token stored), or undefined. Inside a transaction. */
  async function createBatchFromPending(target: string, now: Date): Promise<Batch | undefined> {
    const creates = await repo.pending(target, 'bitable.create', now, o.batchSize);
    if (!creates.length) return undefined;
    return repo.createBatch({ target, op: 'create', clientToken: randomUUID(), records: creates.map((r) => ({ fields: r.payload.fields })), items: creates.map((r) => [r.id]), now });
  }

  /**
   * While a create is on the wire, store the next create batch, so it goes out the moment the table is
   * free (the SQLite work overlaps the call instead of following it). Still one call in flight: the new
   * batch waits behind the open one (oldest first). Creates only: new rows do not depend on each other,
   * so a split of the batch in flight may be sent after it without changing any outcome.
   */
  async function prebuildCreate(target: string, inFlight: number): Promise<void> {
    if (stopped) return;
    try {
      await deps.store.transaction(async () => {
        if ((await repo.openBatch(target))?.id !== inFlight || (await repo.openBatchCount(target)) > 1) return;
        await createBatchFromPending(target, deps.clock.now());
      });
    } catch (e) {
      // only an optimisation: the loop builds the batch itself when the table is free
      log.warn({ target, err: e instanceof Error ? e.message : String(e) }, 'could not prepare the next batch early');
    }
  }

  /** The open batch of `target`, or a new one built from its pending rows; 'progress' when rows were settled without a call. */
  async function nextBatch(target: string): Promise<Batch | 'progress' | undefined> {
    // counted after the commit: PostgreSQL may run the transaction again
    const tally = { dead: 0, unchanged: 0 };
    const next = await deps.store.transaction(async () => {
      tally.dead = tally.unchanged = 0;
      const open = await repo.openBatch(target);
      if (open) return open;
      const now = deps.clock.now();
      const created = await createBatchFromPending(target, now);
      if (created) return created;
      const byRecord = new Map<string, { fields: Record<string, unknown>; rows: number[]; force: boolean; expect?: Record<string, unknown> }>();
      let settled = 0;
      for (const r of await repo.pending(target, 'bitable.update', now, o.batchSize * 4)) {
        const p = r.payload as UpdatePayload;
        const recordId = p.recordId ?? (p.leadKey ? ((await deps.store.leads.getByKey(p.leadKey))?.recordId ?? undefined) : undefined);
        if (!recordId) {
          if (p.leadKey && (await repo.hasPendingCreate(target, p.leadKey))) continue; // sent once its create has a record id
          await repo.rowDead(r.id, `no record to update: ${p.leadKey ? `lead ${p.leadKey} has no Bitable row` : 'neither recordId nor leadKey given'}`, now);
          tally.dead++;
          settled++;
          continue;
        }
        const e = byRecord.get(recordId);
        if (e) {
          Object.assign(e.fields, p.fields);
          e.rows.push(r.id);
          e.force ||= p.force === true;
          if (p.expect) e.expect = { ...e.expect, ...p.expect };
        } else if (byRecord.size < o.batchSize) byRecord.set(recordId, { fields: { ...p.fields }, rows: [r.id], force: p.force === true, ...(p.expect ? { expect: { ...p.expect } } : {}) });
      }
      const records: Batch['records'] = [];
      const items: number[][] = [];
      for (const [recordId, e] of byRecord) {
        const last = e.force ? new Map<string, string>() : await repo.written(target, recordId);
        const changed = Object.fromEntries(Object.entries(e.fields).filter(([k, v]) => last.get(k) !== stableJson(v)));
        if (!Object.keys(changed).length) {
          for (const id of e.rows) await repo.rowDone(id, now);
          tally.unchanged += e.rows.length;
          settled++;
          continue;
        }
        records.push({ record_id: recordId, fields: changed, ...(e.expect ? { expect: e.expect } : {}) });
        items.push(e.rows);
      }
      if (records.length) return repo.createBatch({ target, op: 'update', clientToken: null, records, items, now });
      return settled ? 'progress' : undefined;
    });
    stats.dead += tally.dead;
    stats.unchanged += tally.unchanged;
    return next;
  }

  /**
   * Guarded updates (reverts) go out only if the row still shows what the decision saw: re-read right
   * before the call; a row a person changed again (or deleted) is left to that newer edit.
   */
  async function dropSuperseded(b: Batch): Promise<Batch> {
    if (b.op !== 'update' || !b.records.some((r) => r.expect)) return b;
    const { appToken, tableId } = splitTarget(b.target);
    const ids = b.records.filter((r) => r.expect).map((r) => r.record_id!);
    const live = await deps.api.batchGet(appToken, tableId, ids);
    const byId = new Map(live.records.map((r) => [r.record_id, r.fields]));
    const keep: number[] = [];
    const now = deps.clock.now();
    stats.superseded += await deps.store.transaction(async () => {
      keep.length = 0; // PostgreSQL may run the transaction again
      let superseded = 0;
      for (const [i, r] of b.records.entries()) {
        const fields = r.expect ? byId.get(r.record_id!) : undefined;
        const current = !r.expect || (fields !== undefined && Object.entries(r.expect).every(([k, v]) => shownValue(fields[k]) === shownValue(v)));
        if (current) keep.push(i);
        else {
          for (const id of b.items[i]!) await repo.rowDone(id, now);
          superseded += b.items[i]!.length;
        }
      }
      if (!keep.length) await repo.finishBatch(b.id, 'done', now, 'superseded by a newer edit');
      return superseded;
    });
    return { ...b, records: keep.map((i) => b.records[i]!), items: keep.map((i) => b.items[i]!) };
  }

  async function send(batch: Batch): Promise<void> {
    const { appToken, tableId } = splitTarget(batch.target);
    let b = batch;
    try {
      b = await dropSuperseded(batch);
    } catch (e) {
      return failed(batch, fromThrown(e));
    }
    if (!b.records.length) return;
    await deps.gate.acquire();
    stats.calls[b.op === 'create' ? 'batch_create' : 'batch_update']++;
    deps.onCall?.(b.op, b.records.length);
    try {
      const call =
        b.op === 'create'
          ? deps.api.batchCreate(
              appToken,
              tableId,
              b.records.map((r) => ({ fields: encode(r.fields) })),
              b.clientToken!,
            )
          : deps.api.batchUpdate(
              appToken,
              tableId,
              b.records.map((r) => ({ record_id: r.record_id!, fields: encode(r.fields) })),
            );
      // after the request is on the wire (the SDK writes it over the next ticks), not before it
      if (b.op === 'create') setTimeout(() => void prebuildCreate(b.target, b.id), 2);
      const res = await call;
      if (res.length !== b.records.length) throw new Error(`${b.op} answered ${res.length} records for ${b.records.length} sent`);
      const putBacks = await deps.store.transaction(() =>
        succeeded(
          b,
          res.map((r) => r.record_id),
        ),
      );
      stats.records[b.op === 'create' ? 'created' : 'updated'] += b.records.length;
      if (putBacks) deps.onPutBackLanded?.();
    } catch (e) {
      await failed(b, fromThrown(e));
    }
  }

  /** (in a transaction) The batch landed: bookkeeping; returns how many put-backs it carried. */
  async function succeeded(b: Batch, recordIds: string[]): Promise<number> {
    const now = deps.clock.now();
    let putBacks = 0;
    const forced = b.op === 'update' ? await repo.forcedRows(b.id) : new Set<number>();
    const { appToken, tableId } = splitTarget(b.target);
    // set-based where it can be: on PostgreSQL each statement is a round trip
    await repo.recordWrittenMany(
      b.target,
      b.records.map((r, i) => ({ recordId: recordIds[i]!, fields: r.fields })),
      now,
    );
    if (b.op === 'create') {
      const payloads = await repo.rowPayloads(b.items.map((rows) => rows[0]!));
      const keyOf = (rows: number[]) => (payloads.get(rows[0]!) as { leadKey?: string } | undefined)?.leadKey;
      const leads = await deps.store.leads.getByKeys(b.items.flatMap((rows) => keyOf(rows) ?? []));
      for (const [i, rows] of b.items.entries()) {
        const lead = leads.get(keyOf(rows) ?? '');
        if (lead && !lead.recordId) await deps.store.leads.linkRecord(lead.id, { baseToken: appToken, tableId, recordId: recordIds[i]! }, now);
      }
    }
    for (const [i, rows] of b.items.entries()) {
      const recordId = recordIds[i]!;
      // a put-back re-checks its row (the inbound path re-reads it and compares with the lead)
      if (rows.some((id) => forced.has(id))) {
        await deps.store.eventQueue.add({
          eventId: `self-check:${b.id}:${recordId}`,
          source: 'self',
          eventType: RECORD_CHANGED,
          payload: { event: { file_token: appToken, table_id: tableId, action_list: [{ record_id: recordId, action: 'record_edited' }] } },
          now,
        });
        putBacks++;
      }
    }
    await repo.rowsDone(b.items.flat(), now);
    await repo.finishBatch(b.id, 'done', now);
    return putBacks;
  }

  async function failed(b: Batch, err: FeishuCallError): Promise<void> {
    const now = deps.clock.now();
    const at = now.getTime();
    const ctx = { target: b.target, op: b.op, batch: b.id, records: b.records.length, attempt: b.attempts + 1, error: err.summary };
    if (err.action === 'rate_limited') {
      const wait = backoffDelay(b.attempts, { ...o.backoff, ...(deps.random ? { random: deps.random } : {}) }, err);
      deps.gate.pauseUntil(Date.now() + wait);
      await repo.retryBatch(b.id, err.summary, at + wait, now, false);
      stats.rateLimited++;
      log.warn({ ...ctx, waitMs: wait }, 'bitable write rate-limited; waiting for the reset');
      return;
    }
    if (err.action !== 'permanent') {
      if (b.attempts + 1 >= o.maxAttempts) {
        await bury(b, `gave up after ${b.attempts + 1} attempts: ${err.summary}`, now);
        return;
      }
      // A table lock held by another write (1254291) or data not yet ready (1254607) clears in moments
      // (third parties wait 0.3–1 s, docs/platform/feishu.md#27-write-lock-and-consistency): retry those on a short scale, the rest on the long one.
      const short = err.code === FEISHU_CODES.TABLE_LOCKED || err.code === FEISHU_CODES.DATA_NOT_READY;
      const scale = short ? { baseMs: Math.min(o.backoff.baseMs, 100), capMs: Math.min(o.backoff.capMs, 2000) } : o.backoff;
      const wait = backoffDelay(b.attempts, { ...scale, ...(deps.random ? { random: deps.random } : {}) });
      await repo.retryBatch(b.id, err.summary, at + wait, now, true);
      stats.retries++;
      log.warn({ ...ctx, waitMs: wait }, 'bitable write failed; retrying the same batch');
      return;
    }
    if (b.records.length > 1) {
      // A refused value fails the whole call: halve until the bad record stands alone.
      await deps.store.transaction(async () => {
        await repo.finishBatch(b.id, 'split', now, err.summary);
        for (const id of b.items.flat()) await repo.rowBack(id, now);
        const mid = Math.ceil(b.records.length / 2);
        for (const [from, to] of [
          [0, mid],
          [mid, b.records.length],
        ] as const) {
          await repo.createBatch({ target: b.target, op: b.op, clientToken: b.op === 'create' ? randomUUID() : null, records: b.records.slice(from, to), items: b.items.slice(from, to), now });
        }
      });
      stats.splits++;
      log.warn(ctx, 'bitable write refused; splitting the batch to find the refused record');
      return;
    }
    await bury(b, err.summary, now);
  }

  async function bury(b: Batch, error: string, now: Date): Promise<void> {
    await deps.store.transaction(async () => {
      for (const id of b.items.flat()) await repo.rowDead(id, error, now);
      await repo.finishBatch(b.id, 'dead', now, error);
    });
    stats.dead += b.items.flat().length;
    log.error({ target: b.target, op: b.op, batch: b.id, rows: b.items.flat(), error }, 'bitable write dead-lettered (npm run outbox -- list)');
  }

  /** Work one table until it has nothing due: one call at a time (and only while this instance holds the table's lease). */
  async function runTarget(target: string, untilIdle: boolean, lease: Lease | undefined): Promise<void> {
    while (!stopped) {
      if (lease && !lease.held()) return; // another instance took the table over
      const seen = kicks;
      const b = await nextBatch(target);
      if (b === 'progress') continue;
      const now = deps.clock.now().getTime();
      if (!b) {
        const due = await repo.nextDueAt(target);
        if (due === undefined) return;
        if (!untilIdle && due > now + o.pollMs) return; // the poll comes back for it
        if (kicks !== seen) continue; // rows queued while this worker was looking: take them now
        await nap(due > now ? due - now : o.pollMs); // rows waiting for something: look again soon
        continue;
      }
      if (b.nextAttemptAt > now) {
        await nap(b.nextAttemptAt - now);
        continue;
      }
      await send(b);
    }
  }

  /**
   * One worker per table (one call in flight each, tables in parallel), each a kick loop: a kick while
   * it works means one more pass. A discovery loop looks for tables with work every pollMs and at once
   * after kick(). In a pass, a batch waiting for its retry time is slept on (woken by kick or stop).
   */
  const onError = (target: string) => (e: unknown) => log.error({ target, err: e instanceof Error ? e.stack : String(e) }, 'bitable writer loop failed');
  const workers = new Map<string, KickLoop>();
  let draining = 0;
  const workerFor = (target: string): KickLoop => {
    let w = workers.get(target);
    if (!w) {
      const lease = deps.lease?.(`bitable:${target}`);
      w = createKickLoop(() => runTarget(target, draining > 0, lease), { pollMs: o.pollMs, onError: onError(target), lease });
      workers.set(target, w);
    }
    return w;
  };
  const discovery = createKickLoop(
    async () => {
      if (stopped) return;
      for (const target of await repo.activeTargets()) void workerFor(target).kick();
    },
    { pollMs: o.pollMs, onError: onError('*') },
  );

  return {
    stats,
    /** Write everything queued, then resolve (scripts, benchmarks, tests). */
    async drain(): Promise<WriterStats> {
      draining++;
      try {
        for (;;) {
          const targets = await repo.activeTargets();
          if (!targets.length || stopped) return stats;
          const before = JSON.stringify(stats);
          await Promise.all(targets.map((t) => workerFor(t).kick()));
          // nothing moved: another instance holds these tables (it writes them); look again shortly
          if (JSON.stringify(stats) === before) await nap(o.pollMs);
        }
      } finally {
        draining--;
      }
    },
    /** Background mode: look for work every pollMs, and at once after kick(). */
    start(): void {
      stopped = false;
      discovery.start();
    },
    /** New rows were queued: start on them now rather than at the next poll. */
    kick(): void {
      kicks++;
      for (const w of [...wakers]) w();
      void discovery.kick();
    },
    /** Stop taking new work; resolves when the calls in flight have finished. */
    async stop(): Promise<void> {
      stopped = true;
      await discovery.stop();
      for (const w of [...wakers]) w();
      await Promise.all([...workers.values()].map((w) => w.stop()));
    },
  };
}
