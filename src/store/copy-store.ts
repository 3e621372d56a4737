import type { Db } from './db.js';
import { createRoutingRepo } from './routing-repo.js';
import type { Sql } from './sql/sql.js';

/**
 * Every table of the store, parents before children (foreign keys), with the key a copied row is
 * recognised by. rep_loads is not copied: it is rebuilt from the assignments at the end (triggers keep it
 * on PostgreSQL, and they fire while the assignments are copied).
 */
const TABLES: Array<{ name: string; order: string /** its id is text, not an identity */; textId?: true }> = [
  { name: 'leads', order: 'id' },
  { name: 'stage_transitions', order: 'id' },
  { name: 'score_ledger', order: 'id' },
  { name: 'bitable_batches', order: 'id' },
  { name: 'outbox', order: 'id' },
  { name: 'inbox', order: 'received_at, event_id' },
  { name: 'timers', order: 'id' },
  { name: 'bitable_written', order: 'target, record_id, field_name' },
  { name: 'inbound_events', order: 'received_at, rowid' },
  { name: 'sync_cursors', order: 'name' },
  { name: 'cards', order: 'id' },
  { name: 'assignments', order: 'id' },
  { name: 'escalations', order: 'id' },
  { name: 'activities', order: 'id' },
  { name: 'open_stages', order: 'stage' },
  { name: 'routing_credits', order: 'pool, open_id' },
  { name: 'owner_queue', order: 'lead_id' },
  { name: 'unknown_users', order: 'open_id' },
  { name: 'leases', order: 'name' },
  { name: 'intake_sources', order: 'id', textId: true },
  { name: 'intake_requests', order: 'source_id, idem_key' },
  { name: 'webhook_subscribers', order: 'id', textId: true },
];

/** Every table of the store (what a copy covers, and rep_loads, which it rebuilds). */
export const STORE_TABLES: readonly string[] = [...TABLES.map((t) => t.name), 'rep_loads'];

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export interface CopyReport {
  tables: Array<{ table: string; source: number; target: number }>;
  ok: boolean;
}

/**
 * Move a SQLite store into PostgreSQL (`npm run migrate -- --from sqlite:… --to postgres://…`): every
 * table in pages, each page one transaction, rows the target already has skipped — so a copy that was
 * interrupted is resumed by running it again — then the identity sequences moved past the copied ids,
 * the rep loads rebuilt, and every table's rows counted on both sides. Both databases must be at the
 * same schema version (opening each migrates it); stop the server first.
 */
export async function copySqliteToPostgres(o: { from: Db; to: Sql; pageSize?: number; onProgress?: (p: CopyProgress) => void }): Promise<CopyReport> {
  const page = o.pageSize ?? 1000;
  if (o.to.dialect.name !== 'postgres') throw new Error('the target must be PostgreSQL');
  for (const t of TABLES) {
    const columns = (o.from.prepare(`PRAGMA table_info(${t.name})`).all() as Array<{ name: string }>).map((c) => c.name);
    const total = (o.from.prepare(`SELECT COUNT(*) AS n FROM ${t.name}`).get() as { n: number }).n;
    const select = o.from.prepare(`SELECT ${columns.join(', ')} FROM ${t.name} ORDER BY ${t.order} LIMIT ? OFFSET ?`);
    let copied = 0;
    o.onProgress?.({ table: t.name, copied, total });
    while (copied < total) {
      const rows = select.all(page, copied) as Array<Record<string, unknown>>;
      if (!rows.length) break;
      const values = rows.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
      await o.to.transaction(() =>
        o.to.run(
          `INSERT INTO ${t.name} (${columns.join(', ')}) VALUES ${values} ON CONFLICT DO NOTHING`,
          rows.flatMap((r) => columns.map((c) => r[c])),
        ),
      );
      copied += rows.length;
      o.onProgress?.({ table: t.name, copied, total });
    }
    if (columns.includes('id') && !t.textId) await o.to.get(`SELECT setval(pg_get_serial_sequence('${t.name}', 'id'), GREATEST((SELECT MAX(id) FROM ${t.name}), 1))`);
  }
  await createRoutingRepo(o.to).rebuildLoads();
  const tables: CopyReport['tables'] = [];
  for (const t of TABLES) {
    const source = (o.from.prepare(`SELECT COUNT(*) AS n FROM ${t.name}`).get() as { n: number }).n;
    const target = (await o.to.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t.name}`))!.n;
    tables.push({ table: t.name, source, target });
  }
  return { tables, ok: tables.every((t) => t.source === t.target) };
}
