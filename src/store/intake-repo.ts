import type { Sql } from './sql/sql.js';

/** A source that may post leads (migration 014): a web form, an event app, another system. */
export interface IntakeSource {
  id: string;
  name: string;
  /** the 来源渠道 its leads get when they do not say */
  channel: string | null;
  /** SHA-256 (hex) of its API key; null: it signs its requests instead */
  keyHash: string | null;
  /** its requests are signed (Standard Webhooks) with a secret derived from SOURCE_SIGNING_KEY */
  signing: boolean;
  ratePerMinute: number;
  createdAt: Date;
  revokedAt: Date | null;
}

interface RawSource {
  id: string;
  name: string;
  channel: string | null;
  key_hash: string | null;
  signing: number;
  rate_per_minute: number;
  created_at: number;
  revoked_at: number | null;
}

const toSource = (r: RawSource): IntakeSource => ({
  id: r.id,
  name: r.name,
  channel: r.channel,
  keyHash: r.key_hash,
  signing: Number(r.signing) === 1,
  ratePerMinute: Number(r.rate_per_minute),
  createdAt: new Date(Number(r.created_at)),
  revokedAt: r.revoked_at === null ? null : new Date(Number(r.revoked_at)),
});

/** An accepted request's answer, kept under its Idempotency-Key. */
export interface KeptAnswer {
  bodyHash: string;
  leadKey: string;
  outcome: string;
}

export type IntakeRepo = ReturnType<typeof createIntakeRepo>;

export function createIntakeRepo(sql: Sql) {
  return {
    async addSource(s: { id: string; name: string; channel?: string | undefined; keyHash?: string | undefined; signing: boolean; ratePerMinute: number; now: Date }): Promise<IntakeSource> {
      const r = await sql.get<RawSource>(`INSERT INTO intake_sources (id, name, channel, key_hash, signing, rate_per_minute, created_at) VALUES (@id, @name, @channel, @keyHash, @signing, @rate, @now) RETURNING *`, {
        id: s.id,
        name: s.name,
        channel: s.channel ?? null,
        keyHash: s.keyHash ?? null,
        signing: s.signing ? 1 : 0,
        rate: s.ratePerMinute,
        now: s.now.getTime(),
      });
      return toSource(r!);
    },
    source: async (id: string): Promise<IntakeSource | undefined> => {
      const r = await sql.get<RawSource>('SELECT * FROM intake_sources WHERE id = ?', [id]);
      return r && toSource(r);
    },
    sourceByName: async (name: string): Promise<IntakeSource | undefined> => {
      const r = await sql.get<RawSource>('SELECT * FROM intake_sources WHERE name = ?', [name]);
      return r && toSource(r);
    },
    sources: async (): Promise<IntakeSource[]> => (await sql.all<RawSource>('SELECT * FROM intake_sources ORDER BY created_at, id')).map(toSource),
    /** A new key for a source (the old one stops working at once). */
    rotateKey: async (id: string, keyHash: string): Promise<boolean> => (await sql.run('UPDATE intake_sources SET key_hash = ?, revoked_at = NULL WHERE id = ?', [keyHash, id])) === 1,
    revoke: async (id: string, now: Date): Promise<boolean> => (await sql.run('UPDATE intake_sources SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now.getTime(), id])) === 1,
    /** Requests accepted from `sourceId` today and before (counts per source, for `npm run sources -- list`). */
    requestCounts: async (): Promise<Map<string, number>> => new Map((await sql.all<{ source_id: string; n: number }>('SELECT source_id, COUNT(*) AS n FROM intake_requests GROUP BY source_id')).map((r) => [r.source_id, Number(r.n)])),
    answerFor: async (sourceId: string, idemKey: string): Promise<KeptAnswer | undefined> => {
      const r = await sql.get<{ body_hash: string; lead_key: string; outcome: string }>('SELECT body_hash, lead_key, outcome FROM intake_requests WHERE source_id = ? AND idem_key = ?', [sourceId, idemKey]);
      return r && { bodyHash: r.body_hash, leadKey: r.lead_key, outcome: r.outcome };
    },
    async keepAnswer(sourceId: string, idemKey: string, a: KeptAnswer, now: Date): Promise<void> {
      await sql.run('INSERT INTO intake_requests (source_id, idem_key, body_hash, lead_key, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?)', [sourceId, idemKey, a.bodyHash, a.leadKey, a.outcome, now.getTime()]);
    },
    /** Forget answers older than `before` (a key is honoured for a while, not forever). */
    forgetAnswers: async (before: Date): Promise<number> => sql.run('DELETE FROM intake_requests WHERE created_at < ?', [before.getTime()]),
  };
}
