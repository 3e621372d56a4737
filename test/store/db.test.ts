import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { assertDurability, migrate, openDb, pingDb } from '../../src/store/db.js';
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
      'escalations',
      'inbound_events',
      'inbox',
      'leads',
      'leases',
      'open_stages',
      'outbox',
      'owner_queue',
      'rep_loads',
      'routing_credits',
      'score_ledger',
      'stage_transitions',
      'sync_cursors',
      'timers',
      'unknown_users',
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
