import type { Sql } from './sql/sql.js';

/** A system that hears about leads through signed webhooks (migration 016). */
export interface WebhookSubscriber {
  id: string;
  name: string;
  url: string;
  /** the event types it gets; empty: all of them */
  events: string[];
  /** its secret is derived from WEBHOOK_SIGNING_KEY, its id and this version (lib/subscriber-keys.ts) */
  secretVersion: number;
  createdAt: Date;
  revokedAt: Date | null;
}

interface Raw {
  id: string;
  name: string;
  url: string;
  events_json: string;
  secret_version: number;
  created_at: number;
  revoked_at: number | null;
}

const toSubscriber = (r: Raw): WebhookSubscriber => ({
  id: r.id,
  name: r.name,
  url: r.url,
  events: JSON.parse(r.events_json) as string[],
  secretVersion: Number(r.secret_version),
  createdAt: new Date(Number(r.created_at)),
  revokedAt: r.revoked_at === null ? null : new Date(Number(r.revoked_at)),
});

export type WebhookSubscribersRepo = ReturnType<typeof createWebhookSubscribersRepo>;

export function createWebhookSubscribersRepo(sql: Sql) {
  return {
    async add(s: { id: string; name: string; url: string; events: readonly string[]; now: Date }): Promise<WebhookSubscriber> {
      const r = await sql.get<Raw>('INSERT INTO webhook_subscribers (id, name, url, events_json, created_at) VALUES (@id, @name, @url, @events, @now) RETURNING *', {
        id: s.id,
        name: s.name,
        url: s.url,
        events: JSON.stringify(s.events),
        now: s.now.getTime(),
      });
      return toSubscriber(r!);
    },
    get: async (id: string): Promise<WebhookSubscriber | undefined> => {
      const r = await sql.get<Raw>('SELECT * FROM webhook_subscribers WHERE id = ?', [id]);
      return r && toSubscriber(r);
    },
    /** The subscriber in use by that name (a removed one's name is free again). */
    byName: async (name: string): Promise<WebhookSubscriber | undefined> => {
      const r = await sql.get<Raw>('SELECT * FROM webhook_subscribers WHERE name = ? AND revoked_at IS NULL', [name]);
      return r && toSubscriber(r);
    },
    /** Everyone, removed ones too (for the list), oldest first. */
    all: async (): Promise<WebhookSubscriber[]> => (await sql.all<Raw>('SELECT * FROM webhook_subscribers ORDER BY created_at, id')).map(toSubscriber),
    /** Who hears about events now. */
    active: async (): Promise<WebhookSubscriber[]> => (await sql.all<Raw>('SELECT * FROM webhook_subscribers WHERE revoked_at IS NULL ORDER BY created_at, id')).map(toSubscriber),
    setUrl: async (id: string, url: string): Promise<boolean> => (await sql.run('UPDATE webhook_subscribers SET url = ? WHERE id = ? AND revoked_at IS NULL', [url, id])) === 1,
    /** A new secret (the version it is derived with goes up); the old one stops signing at once. */
    rotate: async (id: string): Promise<number | undefined> => {
      const r = await sql.get<{ secret_version: number }>('UPDATE webhook_subscribers SET secret_version = secret_version + 1 WHERE id = ? AND revoked_at IS NULL RETURNING secret_version', [id]);
      return r ? Number(r.secret_version) : undefined;
    },
    revoke: async (id: string, now: Date): Promise<boolean> => (await sql.run('UPDATE webhook_subscribers SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now.getTime(), id])) === 1,
  };
}
