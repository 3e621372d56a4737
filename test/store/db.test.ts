import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { assertDurability, migrate, openDb, pingDb } from '../../src/store/db.js';
import { entriesOf } from '../../src/domain/metrics/histories.js';
import { createStore } from '../../src/store/store.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { tempDbPath } from '../support/temp-db.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanups.splice(0)) f();
});

function fresh() {
  const t = tempDbPath();
  cleanups.push(t.remove);
  return t;
}

describe('openDb', () => {
  it('applies migrations and records user_version', () => {
    const t = fresh();
    const db = openDb(t.path);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
      .all()
      .map((r) => (r as { name: string }).name);
    expect(tables).toEqual([
      'activities',
      'assignments',
      'bitable_batches',
      'bitable_written',
      'cards',
      'erasures',
      'escalations',
      'inbound_events',
      'inbox',
      'intake_requests',
      'intake_sources',
      'leads',
      'leases',
      'open_stages',
      'outbox',
      'owner_queue',
      'people',
      'rep_loads',
      'routing_credits',
      'score_ledger',
      'stage_transitions',
      'sync_cursors',
      'timers',
      'unknown_users',
      'webhook_subscribers',
    ]);
    db.close();
    // reopening applies nothing again
    const again = new Database(t.path);
    expect(migrate(again)).toEqual([]);
    again.close();
  });

  it('sets WAL, synchronous=FULL, busy_timeout and foreign keys (docs/reliability.md#3-sqlite-durability)', () => {
    const t = fresh();
    const db = openDb(t.path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.pragma('synchronous = NORMAL');
    expect(() => assertDurability(db)).toThrow(/synchronous=1 \(want 2 = FULL\)/);
    db.close();
  });

  it('refuses a database from a newer build', () => {
    const t = fresh();
    const db = new Database(t.path);
    db.pragma('user_version = 99');
    expect(() => migrate(db)).toThrow(/newer than this build knows/);
    db.close();
  });

  it('migration 12 rebuilds cards for pool cards, keeping rows, ids and the references to them', () => {
    const t = fresh();
    const old = openDb(t.path, { migrations: MIGRATIONS.slice(0, 11) });
    old.exec(`INSERT INTO leads (id, lead_key, journey_id, created_at, updated_at) VALUES (1, 'XS-1', 'default', 0, 0);
      INSERT INTO cards (id, kind, lead_id, chat_id, uuid, message_id, status, subject_json, created_at, updated_at) VALUES (7, 'assignment', 1, 'oc_1', 'u7', 'om_7', 'open', '{}', 0, 0);
      INSERT INTO assignments (id, lead_id, owner_id, status, source, offered_at, card_id) VALUES (3, 1, 'ou_a', 'offered', 'bitable', 0, 7);
      INSERT INTO escalations (lead_id, assignment_id, card_id, sla, step, at) VALUES (1, 3, 7, 'accept', 'remind', 0);`);
    old.close();
    const db = openDb(t.path);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT id, kind, message_id FROM cards').all()).toEqual([{ id: 7, kind: 'assignment', message_id: 'om_7' }]);
    expect(db.prepare('SELECT a.id FROM assignments a JOIN cards c ON c.id = a.card_id').all()).toEqual([{ id: 3 }]);
    db.prepare("INSERT INTO cards (kind, lead_id, chat_id, uuid, status, subject_json, created_at, updated_at) VALUES ('pool', 1, 'oc_1', 'u8', 'open', '{}', 0, 0)").run();
    expect(() => db.prepare("INSERT INTO cards (kind, lead_id, chat_id, uuid, status, subject_json, created_at, updated_at) VALUES ('other', 1, 'oc_1', 'u9', 'open', '{}', 0, 0)").run()).toThrow(/CHECK/);
    // the references still hold: a card that does not exist cannot be named, and a lead's cards go with it
    expect(() => db.prepare('UPDATE assignments SET card_id = 99 WHERE id = 3').run()).toThrow(/FOREIGN KEY/);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name = 'cards_lead'").get()).toEqual({ n: 1 });
    db.close();
  });

  it('migration 18 packs each lead’s history on its row, in time order; new entries are added to it as they are written', async () => {
    const t = fresh();
    const old = openDb(t.path, { migrations: MIGRATIONS.slice(0, 17) });
    old.exec(`INSERT INTO leads (id, lead_key, journey_id, created_at, updated_at) VALUES (1, 'XS-1', 'default', 0, 0), (2, 'XS-2', 'default', 0, 0);
      INSERT INTO stage_transitions (lead_id, from_stage, to_stage, at, actor_id, entry_index, kind) VALUES
        (1, 'lead', 'mql', 2000, 'ou_a', 1, 'forward'), (1, NULL, 'lead', 1000, 'ou_a', 1, 'create');`);
    old.close();
    const db = openDb(t.path);
    expect(db.prepare('SELECT id, history FROM leads ORDER BY id').all()).toEqual([
      { id: 1, history: 'lead\u001f1000\u001fcreate\u001fmql\u001f2000\u001fforward' },
      { id: 2, history: null },
    ]);
    const store = createStore(db);
    await store.transaction(() => store.transitions.append(1, { from: 'mql', to: 'sql', at: new Date(3000), actorId: 'ou_a', reason: null, approvalId: null, entryIndex: 1, kind: 'forward' }));
    await store.transitions.appendMany([{ leadId: 2, from: null, to: 'lead', at: new Date(500), actorId: 'ou_a', reason: null, approvalId: null, entryIndex: 1, kind: 'create' }]);
    expect(db.prepare('SELECT history FROM leads ORDER BY id').pluck().all()).toEqual(['lead\u001f1000\u001fcreate\u001fmql\u001f2000\u001fforward\u001fsql\u001f3000\u001fforward', 'lead\u001f500\u001fcreate']);
    const h = await store.metrics.histories();
    expect([0, 1].map((i) => [h.id[i], entriesOf(h, i)])).toEqual([
      [
        1,
        [
          ['lead', 1000],
          ['mql', 2000],
          ['sql', 3000],
        ],
      ],
      [2, [['lead', 500]]],
    ]);
    await store.close();
  });

  it('migration 19 copies each lead’s 来源渠道 into its own column (text only); the leads repository keeps it with the facts', async () => {
    const t = fresh();
    const old = openDb(t.path, { migrations: MIGRATIONS.slice(0, 18) });
    old.exec(`INSERT INTO leads (id, lead_key, journey_id, facts_json, created_at, updated_at) VALUES
      (1, 'XS-1', 'default', '{"company":"星河","source":"官网咨询"}', 0, 0), (2, 'XS-2', 'default', '{"source":["展会","转介绍"]}', 0, 0), (3, 'XS-3', 'default', '{}', 0, 0);`);
    old.close();
    const db = openDb(t.path);
    expect(db.prepare('SELECT source FROM leads ORDER BY id').pluck().all()).toEqual(['官网咨询', null, null]);
    const store = createStore(db);
    await store.leads.setFacts(3, { source: '内容下载' }, new Date(1));
    const added = await store.leads.insert({ leadKey: 'XS-4', journeyId: 'default', facts: { source: '线下活动' }, now: new Date(2) });
    await store.leads.setFacts(1, { company: '星河' }, new Date(3));
    expect(db.prepare('SELECT id, source FROM leads ORDER BY id').all()).toEqual([
      { id: 1, source: null },
      { id: 2, source: null },
      { id: 3, source: '内容下载' },
      { id: added.id, source: '线下活动' },
    ]);
    await store.close();
  });

  it('rolls back a failing migration completely', () => {
    const db = new Database(':memory:');
    const bad = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); INSERT INTO nope VALUES (1);' }];
    expect(() => migrate(db, bad)).toThrow(/no such table: nope/);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name='half'").get()).toEqual({ n: 0 });
  });

  it('pingDb reports status, and failure once closed', () => {
    const db = openDb(':memory:');
    expect(pingDb(db)).toEqual({ ok: true, schemaVersion: MIGRATIONS.length });
    db.close();
    expect(pingDb(db)).toMatchObject({ ok: false });
  });
});
