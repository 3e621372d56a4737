import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import { copySqliteToPostgres } from '../../src/store/copy-store.js';
import { openDb } from '../../src/store/db.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import type { Sql } from '../../src/store/sql/sql.js';
import { createPostgresStore } from '../../src/store/store.js';
import { cardWorld } from '../support/card-world.js';
import { tempDbPath } from '../support/temp-db.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/** A SQLite store with what a working day leaves: leads, cards, assignments, history, timers, outbox rows. */
async function usedSqliteStore() {
  const t = tempDbPath();
  cleanups.push(t.remove);
  const w = await cardWorld({ dbPath: t.path });
  await w.assignedLead({ company: '华东精密机械有限公司' });
  await w.pendingLead({ company: '北方重工股份有限公司' });
  await w.newLead({ company: '南方电子', email: 'a@b.cn', source: '官网咨询', industry: '制造业', need: '数据采集' });
  await w.store.close();
  const db = openDb(t.path);
  cleanups.push(() => db.close());
  return db;
}

describe('moving a SQLite store into PostgreSQL (npm run migrate -- --from … --to …)', () => {
  it('copies every table, rebuilds the rep loads, moves the ids on, and the counts agree', async () => {
    const from = await usedSqliteStore();
    const pglite = await PGlite.create();
    const to = await openPostgres(pglite);
    cleanups.push(() => to.close());
    const seen: string[] = [];
    const report = await copySqliteToPostgres({ from, to, pageSize: 3, onProgress: (p) => seen.push(`${p.table}:${p.copied}/${p.total}`) });
    expect(report.ok).toBe(true);
    const count = (t: string) => report.tables.find((x) => x.table === t)!;
    for (const t of ['leads', 'cards', 'assignments', 'stage_transitions', 'timers', 'outbox']) expect(count(t).source).toBeGreaterThan(0);
    expect(seen).toContain(`leads:3/3`);
    // the copied rows read back through the store as they were written
    const store = await createPostgresStore(pglite);
    const key = (from.prepare('SELECT lead_key FROM leads ORDER BY id LIMIT 1').get() as { lead_key: string }).lead_key;
    const lead = (await store.leads.getByKey(key))!;
    expect(lead.facts.company).toBe('华东精密机械有限公司');
    expect((await store.assignments.current(lead.id))?.status).toBe('offered');
    expect(await store.routing.loads()).toEqual(new Map((from.prepare('SELECT owner_id, n FROM rep_loads WHERE n > 0').all() as Array<{ owner_id: string; n: number }>).map((r) => [r.owner_id, r.n])));
    // new rows get ids after the copied ones
    const next = await store.leads.insert({ leadKey: 'XS-new', journeyId: 'default', facts: {}, now: new Date() });
    expect(next.id).toBeGreaterThan(Math.max(...(from.prepare('SELECT id FROM leads').all() as Array<{ id: number }>).map((r) => r.id)));
  });

  it('an interrupted copy is resumed by running it again: nothing twice, nothing lost', async () => {
    const from = await usedSqliteStore();
    const to: Sql = await openPostgres(await PGlite.create());
    cleanups.push(() => to.close());
    await expect(
      copySqliteToPostgres({
        from,
        to,
        pageSize: 2,
        onProgress: (p) => {
          if (p.table === 'outbox' && p.copied === 2) throw new Error('power cut');
        },
      }),
    ).rejects.toThrow('power cut');
    const partial = (await to.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox'))!.n;
    expect(partial).toBe(2);
    const report = await copySqliteToPostgres({ from, to, pageSize: 2 });
    expect(report.ok).toBe(true);
    expect(report.tables.find((t) => t.table === 'outbox')!.target).toBe((from.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n);
  });
});
