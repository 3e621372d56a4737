import type { LeadFacts } from '../domain/lead-facts.js';
import { companyKey } from '../domain/routing.js';
import { phoneKey } from '../domain/duplicates.js';
import { emailKey } from '../domain/contact-keys.js';
import { chunks, placeholders, type Sql } from './sql/sql.js';

/** A lead as the server keeps it: the Bitable row's facts plus what only the server knows. */
export interface LeadRow {
  id: number;
  leadKey: string;
  baseToken: string | null;
  tableId: string | null;
  recordId: string | null;
  journeyId: string;
  stage: string | null;
  stageEnteredAt: Date | null;
  facts: LeadFacts;
  bitableModifiedAt: number | null;
  score: number;
  ownerId: string | null;
  pendingApproval: PendingApproval | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
  /** the Bitable row was deleted; the lead and its history stay */
  deletedAt: Date | null;
  /** the person's contact data was erased (npm run erase, retention); the lead and its history stay */
  erasedAt: Date | null;
  /** the last interaction (activity) seen; silence is counted from it, or from creation */
  lastActivityAt: Date | null;
  /** days of the current silence the score has been decayed for */
  decayedDays: number;
  /** when the next silence tier is due (null: none left, or not scheduled) */
  decayNextAt: Date | null;
  /** the profile fit grade A–D */
  grade: string | null;
  /** the company name without suffixes (same company → same owner) */
  companyKey: string | null;
  /** the phone as a key (domain/duplicates.ts): 撞单, dedupe */
  phoneKey: string | null;
  /** the e-mail as a key (domain/contact-keys.ts): dedupe */
  emailKey: string | null;
}

export interface PendingApproval {
  to: string;
  role: string;
  requestedBy: string;
  requestedAt: number;
}

export interface NewLead {
  leadKey: string;
  journeyId: string;
  facts: LeadFacts;
  baseToken?: string;
  tableId?: string;
  recordId?: string;
  ownerId?: string;
  bitableModifiedAt?: number;
  now: Date;
}

interface Raw {
  id: number;
  lead_key: string;
  base_token: string | null;
  table_id: string | null;
  record_id: string | null;
  journey_id: string;
  stage: string | null;
  stage_entered_at: number | null;
  facts_json: string;
  bitable_modified_at: number | null;
  score: number;
  owner_id: string | null;
  pending_approval_json: string | null;
  created_at: number;
  updated_at: number;
  version: number;
  deleted_at: number | null;
  erased_at?: number | null;
  last_activity_at: number | null;
  decayed_days: number;
  decay_next_at: number | null;
  grade: string | null;
  company_key: string | null;
  phone_key: string | null;
  email_key: string | null;
}

/** What the decay pass reads of a lead. */
export type DecayRow = Pick<LeadRow, 'id' | 'stage' | 'score' | 'grade' | 'createdAt' | 'lastActivityAt' | 'decayedDays' | 'baseToken' | 'tableId' | 'recordId' | 'leadKey'>;
type RawDecay = Pick<Raw, 'id' | 'stage' | 'score' | 'grade' | 'created_at' | 'last_activity_at' | 'decayed_days' | 'base_token' | 'table_id' | 'record_id' | 'lead_key'>;

const toRow = (r: Raw): LeadRow => ({
  id: r.id,
  leadKey: r.lead_key,
  baseToken: r.base_token,
  tableId: r.table_id,
  recordId: r.record_id,
  journeyId: r.journey_id,
  stage: r.stage,
  stageEnteredAt: r.stage_entered_at === null ? null : new Date(r.stage_entered_at),
  facts: JSON.parse(r.facts_json) as LeadFacts,
  bitableModifiedAt: r.bitable_modified_at,
  score: r.score,
  ownerId: r.owner_id,
  pendingApproval: r.pending_approval_json === null ? null : (JSON.parse(r.pending_approval_json) as PendingApproval),
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  version: r.version,
  deletedAt: r.deleted_at === null ? null : new Date(r.deleted_at),
  erasedAt: r.erased_at == null ? null : new Date(Number(r.erased_at)),
  lastActivityAt: r.last_activity_at === null ? null : new Date(r.last_activity_at),
  decayedDays: r.decayed_days,
  decayNextAt: r.decay_next_at === null ? null : new Date(r.decay_next_at),
  grade: r.grade,
  companyKey: r.company_key,
  phoneKey: r.phone_key || null,
  emailKey: r.email_key || null,
});

export type LeadsRepo = ReturnType<typeof createLeadsRepo>;

export function createLeadsRepo(sql: Sql) {
  const one = async (text: string, params: readonly unknown[]) => {
    const r = await sql.get<Raw>(text, params);
    return r && toRow(r);
  };
  const byKey = (key: string) => one('SELECT * FROM leads WHERE lead_key = ?', [key]);
  const seqGet = async (name: string) => (await sql.get<{ value: number }>('SELECT value FROM sync_cursors WHERE name = ?', [name]))?.value;
  const seqSet = (name: string, value: number, now: number) =>
    sql.run('INSERT INTO sync_cursors (name, value, updated_at) VALUES (@name, @value, @now) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', { name, value, now });
  const changed = async (text: string, params: Readonly<Record<string, unknown>>) => (await sql.run(text, params)) === 1;

  return {
    insert: (l: NewLead): Promise<LeadRow> =>
      sql.transaction(async () => {
        // A key typed or imported in the XS- form moves the counter past it, so new keys never collide.
        const typed = /^XS-(\d+)$/.exec(l.leadKey);
        if (typed) {
          const cur = await seqGet('lead_key:XS-');
          if (cur !== undefined && Number(typed[1]) > cur) await seqSet('lead_key:XS-', Number(typed[1]), l.now.getTime());
        }
        const r = await sql.get<Raw>(
          `INSERT INTO leads (lead_key, base_token, table_id, record_id, journey_id, facts_json, source, bitable_modified_at, owner_id, company_key, phone_key, email_key, created_at, updated_at)
           VALUES (@leadKey, @baseToken, @tableId, @recordId, @journeyId, @facts, @source, @modified, @ownerId, @companyKey, @phoneKey, @emailKey, @now, @now) RETURNING *`,
          {
            leadKey: l.leadKey,
            baseToken: l.baseToken ?? null,
            tableId: l.tableId ?? null,
            recordId: l.recordId ?? null,
            journeyId: l.journeyId,
            facts: JSON.stringify(l.facts),
            source: sourceColumn(l.facts),
            modified: l.bitableModifiedAt ?? null,
            ownerId: l.ownerId ?? null,
            companyKey: companyKey(l.facts.company) ?? null,
            phoneKey: phoneKey(l.facts.phone) ?? '', // '': none (null: not keyed yet, backfillContactKeys)
            emailKey: emailKey(l.facts.email) ?? null,
            now: l.now.getTime(),
          },
        );
        return toRow(r!);
      }),
    get: (id: number): Promise<LeadRow | undefined> => one('SELECT * FROM leads WHERE id = ?', [id]),
    getByKey: byKey,
    /** Several leads by 线索编号 at once (keys not found are absent). */
    async getByKeys(keys: readonly string[]): Promise<Map<string, LeadRow>> {
      const out = new Map<string, LeadRow>();
      for (const part of chunks(keys, 500)) for (const r of await sql.all<Raw>(`SELECT * FROM leads WHERE lead_key IN (${placeholders(part.length)})`, part)) out.set(r.lead_key, toRow(r));
      return out;
    },
    getByRecordId: (recordId: string): Promise<LeadRow | undefined> => one('SELECT * FROM leads WHERE record_id = ?', [recordId]),
    listByStage: async (journeyId: string, stage: string): Promise<LeadRow[]> => (await sql.all<Raw>('SELECT * FROM leads WHERE journey_id = ? AND stage = ? ORDER BY id', [journeyId, stage])).map(toRow),
    count: async (): Promise<number> => (await sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM leads'))!.n,
    /** Take the next free 线索编号 such as XS-000042 (call inside the transaction that inserts it). */
    nextLeadKey: (prefix = 'XS-'): Promise<string> =>
      sql.transaction(async () => {
        // A counter row instead of MAX() over every key: adopting 50,000 rows must not be quadratic. The
        // first call (or a counter behind the keys, e.g. after an import) reads the keys once.
        const name = `lead_key:${prefix}`;
        let floor = await seqGet(name);
        if (floor === undefined) {
          floor = 0;
          for (const r of await sql.all<{ lead_key: string }>('SELECT lead_key FROM leads WHERE substr(lead_key, 1, ?) = ?', [prefix.length, prefix])) {
            const digits = r.lead_key.slice(prefix.length);
            if (/^\d+$/.test(digits)) floor = Math.max(floor, Number(digits));
          }
        }
        let next = floor + 1;
        while (await byKey(`${prefix}${String(next).padStart(6, '0')}`)) next++;
        await seqSet(name, next, Date.now());
        return `${prefix}${String(next).padStart(6, '0')}`;
      }),
    /** Compare-and-set the stage: false when someone else changed the lead since `version` was read. */
    setStage: (id: number, version: number, stage: string, at: Date): Promise<boolean> =>
      changed(
        `UPDATE leads SET stage = @stage, stage_entered_at = @at, pending_approval_json = NULL, updated_at = @at, version = version + 1
         WHERE id = @id AND version = @version`,
        { id, version, stage, at: at.getTime() },
      ),
    async setFacts(id: number, facts: LeadFacts, now: Date, bitableModifiedAt?: number): Promise<void> {
      await sql.run(
        `UPDATE leads SET facts_json = @facts, source = @source, company_key = @companyKey, phone_key = @phoneKey, email_key = @emailKey, bitable_modified_at = COALESCE(@modified, bitable_modified_at), updated_at = @now, version = version + 1 WHERE id = @id`,
        {
          id,
          facts: JSON.stringify(facts),
          source: sourceColumn(facts),
          companyKey: companyKey(facts.company) ?? null,
          phoneKey: phoneKey(facts.phone) ?? '',
          emailKey: emailKey(facts.email) ?? null,
          modified: bitableModifiedAt ?? null,
          now: now.getTime(),
        },
      );
    },
    async linkRecord(id: number, ref: { baseToken: string; tableId: string; recordId: string }, now: Date): Promise<void> {
      await sql.run('UPDATE leads SET base_token = @baseToken, table_id = @tableId, record_id = @recordId, updated_at = @now WHERE id = @id', { id, ...ref, now: now.getTime() });
    },
    setPendingApproval: (id: number, version: number, pending: PendingApproval | null, now: Date): Promise<boolean> =>
      changed('UPDATE leads SET pending_approval_json = @pending, updated_at = @now, version = version + 1 WHERE id = @id AND version = @version', {
        id,
        version,
        pending: pending === null ? null : JSON.stringify(pending),
        now: now.getTime(),
      }),
    /** The leads a person holds (still in the table): owned, or with nobody owning them yet and typed in 跟进人. By id. */
    idsOwnedBy: async (ownerId: string): Promise<number[]> =>
      (await sql.all<{ id: number }>(`SELECT id FROM leads WHERE deleted_at IS NULL AND (owner_id = ? OR (owner_id IS NULL AND ${sql.dialect.jsonText('facts_json', 'owner')} = ?)) ORDER BY id`, [ownerId, ownerId])).map((r) => Number(r.id)),
    /** Record ids of the leads that still have a row in `tableId`. */
    activeRecordIds: async (tableId: string): Promise<string[]> => (await sql.all<{ record_id: string }>('SELECT record_id FROM leads WHERE table_id = ? AND record_id IS NOT NULL AND deleted_at IS NULL', [tableId])).map((r) => r.record_id),
    /** The row is gone from the Bitable: mark the lead (history stays). False when already marked. */
    markDeleted: (id: number, now: Date): Promise<boolean> => changed('UPDATE leads SET deleted_at = @now, updated_at = @now, version = version + 1 WHERE id = @id AND deleted_at IS NULL', { id, now: now.getTime() }),
    /** An interaction at `at`: silence starts again from it (a late, older activity changes nothing). */
    async recordActivity(id: number, at: Date, now: Date): Promise<void> {
      await sql.run(
        `UPDATE leads SET last_activity_at = ${sql.dialect.greatest('COALESCE(last_activity_at, 0)', '@at')}, decayed_days = CASE WHEN @at >= COALESCE(last_activity_at, 0) THEN 0 ELSE decayed_days END,
           updated_at = @now, version = version + 1 WHERE id = @id`,
        { id, at: at.getTime(), now: now.getTime() },
      );
    },
    /** How far the current silence has been decayed, and when its next tier is due. */
    async setDecay(id: number, days: number, next: Date | null): Promise<void> {
      await sql.run('UPDATE leads SET decayed_days = @days, decay_next_at = @next WHERE id = @id', { id, days, next: next?.getTime() ?? null });
    },
    async setGrade(id: number, grade: string | null): Promise<void> {
      await sql.run('UPDATE leads SET grade = @grade WHERE id = @id', { id, grade });
    },
    /** Leads whose next silence tier is due, oldest first: what the decay pass needs of each (not the facts). */
    decayDue: async (now: Date, limit: number): Promise<DecayRow[]> =>
      (
        await sql.all<RawDecay>(
          `SELECT id, lead_key, stage, score, grade, created_at, last_activity_at, decayed_days, base_token, table_id, record_id FROM leads
           WHERE decay_next_at IS NOT NULL AND decay_next_at <= ? AND deleted_at IS NULL ORDER BY decay_next_at, id LIMIT ?`,
          [now.getTime(), limit],
        )
      ).map((r) => ({
        id: r.id,
        stage: r.stage,
        score: r.score,
        grade: r.grade,
        createdAt: new Date(r.created_at),
        lastActivityAt: r.last_activity_at === null ? null : new Date(r.last_activity_at),
        decayedDays: r.decayed_days,
        baseToken: r.base_token,
        tableId: r.table_id,
        recordId: r.record_id,
        leadKey: r.lead_key,
      })),
    /** A decayed lead: its score (the ledger's balance) and its next tier in one write; the version moves only when the score did. */
    async setDecayed(id: number, score: number, days: number, next: Date | null, now: Date): Promise<void> {
      await sql.run(
        `UPDATE leads SET version = version + (CASE WHEN score <> @score THEN 1 ELSE 0 END), updated_at = CASE WHEN score <> @score THEN @now ELSE updated_at END,
           score = @score, decayed_days = @days, decay_next_at = @next WHERE id = @id`,
        { id, score, days, next: next?.getTime() ?? null, now: now.getTime() },
      );
    },
    /** Ids of live leads after `afterId`, for passes over every lead in pages. */
    idsAfter: async (afterId: number, limit: number): Promise<number[]> => (await sql.all<{ id: number }>('SELECT id FROM leads WHERE id > ? AND deleted_at IS NULL ORDER BY id LIMIT ?', [afterId, limit])).map((r) => r.id),
    /** 线索编号 of other live leads of the same company (duplicates to merge). */
    sameCompanyKeys: async (companyKey: string | null, exceptId: number, limit: number): Promise<string[]> =>
      companyKey ? (await sql.all<{ lead_key: string }>('SELECT lead_key FROM leads WHERE company_key = ? AND id != ? AND deleted_at IS NULL ORDER BY id LIMIT ?', [companyKey, exceptId, limit])).map((r) => r.lead_key) : [],
    /** Leads someone owns (or is typed in 跟进人 of) with the same company or phone key as the given ones (not `exceptId`, not deleted), oldest first. */
    async ownedMatches(keys: { company: string | null; phone: string | null }, exceptId: number, limit: number): Promise<Array<{ id: number; leadKey: string; ownerId: string; company: unknown; phone: unknown; by: 'company' | 'phone' }>> {
      if (!keys.company && !keys.phone) return [];
      const match = [keys.company ? 'company_key = @company' : '', keys.phone ? 'phone_key = @phone' : ''].filter(Boolean).join(' OR ');
      const rows = await sql.all<{ id: number; lead_key: string; owner_id: string; facts_json: string; company_key: string | null; phone_key: string | null }>(
        `SELECT id, lead_key, COALESCE(owner_id, ${sql.dialect.jsonText('facts_json', 'owner')}) AS owner_id, facts_json, company_key, phone_key FROM leads
         WHERE id != @exceptId AND deleted_at IS NULL AND COALESCE(owner_id, ${sql.dialect.jsonText('facts_json', 'owner')}) IS NOT NULL AND (${match}) ORDER BY id LIMIT @limit`,
        { exceptId, limit, ...(keys.company ? { company: keys.company } : {}), ...(keys.phone ? { phone: keys.phone } : {}) },
      );
      return rows.map((r) => {
        const facts = JSON.parse(r.facts_json) as Record<string, unknown>;
        return { id: Number(r.id), leadKey: r.lead_key, ownerId: r.owner_id, company: facts.company, phone: facts.phone, by: keys.company && r.company_key === keys.company ? 'company' : 'phone' };
      });
    },
    /**
     * Give leads stored before their contact keys (migrations 13 and 14: phone keys now E.164, e-mail
     * keys new) their keys, a page at a time; how many were done. A lead without one is marked '' so the
     * pass does not read it again.
     */
    async backfillContactKeys(limit: number): Promise<number> {
      const rows = await sql.all<{ id: number; facts_json: string }>('SELECT id, facts_json FROM leads WHERE phone_key IS NULL ORDER BY id LIMIT ?', [limit]);
      for (const r of rows) {
        const facts = JSON.parse(r.facts_json) as Record<string, unknown>;
        await sql.run('UPDATE leads SET phone_key = ?, email_key = ? WHERE id = ?', [phoneKey(facts.phone) ?? '', emailKey(facts.email) ?? '', r.id]);
      }
      return rows.length;
    },
    /**
     * Live leads whose phone or e-mail key is one of these (dedupe of a submission), oldest first, with
     * which of the two matched.
     */
    async byContact(keys: { phone?: string | undefined; email?: string | undefined }, limit = 20): Promise<Array<{ lead: LeadRow; by: Array<'phone' | 'email'> }>> {
      if (!keys.phone && !keys.email) return [];
      const where = [keys.phone ? 'phone_key = @phone' : '', keys.email ? 'email_key = @email' : ''].filter(Boolean).join(' OR ');
      const rows = await sql.all<Raw>(`SELECT * FROM leads WHERE deleted_at IS NULL AND (${where}) ORDER BY id LIMIT @limit`, { limit, ...(keys.phone ? { phone: keys.phone } : {}), ...(keys.email ? { email: keys.email } : {}) });
      return rows.map((r) => ({
        lead: toRow(r),
        by: [...(keys.phone && r.phone_key === keys.phone ? (['phone'] as const) : []), ...(keys.email && r.email_key === keys.email ? (['email'] as const) : [])],
      }));
    },
    /** Live leads of this company key and contact name (a submission with neither phone nor e-mail in common). */
    async byCompanyContact(company: string, contactName: string, limit = 20): Promise<LeadRow[]> {
      const rows = await sql.all<Raw>(`SELECT * FROM leads WHERE deleted_at IS NULL AND company_key = ? ORDER BY id LIMIT ?`, [company, limit * 5]);
      return rows
        .map(toRow)
        .filter((l) => typeof l.facts.contact_name === 'string' && l.facts.contact_name.trim() === contactName.trim())
        .slice(0, limit);
    },
    /** The lead becomes `ownerId`'s if nobody owns it (a compare-and-set: of two claims at once, one wins). */
    async claimOwner(id: number, ownerId: string, now: Date): Promise<boolean> {
      return (await sql.run('UPDATE leads SET owner_id = @ownerId, updated_at = @now, version = version + 1 WHERE id = @id AND owner_id IS NULL AND deleted_at IS NULL', { id, ownerId, now: now.getTime() })) === 1;
    },
    async setOwner(id: number, ownerId: string | null, now: Date): Promise<void> {
      await sql.run('UPDATE leads SET owner_id = @ownerId, updated_at = @now, version = version + 1 WHERE id = @id', { id, ownerId, now: now.getTime() });
    },
  };
}

/** `leads.source` (migration 019): the 来源渠道 fact when it is text, else null. */
const sourceColumn = (facts: LeadFacts): string | null => (typeof facts.source === 'string' ? facts.source : null);
