import { canonicalPhone, e164, emailKey } from '../domain/contact-keys.js';
import type { LeadFacts } from '../domain/lead-facts.js';
import { maskPhone } from '../domain/mask.js';
import type { Clock } from '../lib/clock.js';
import type { TableTemplate } from '../rules/base-template.js';
import type { LeadRow } from '../store/leads-repo.js';
import { type ErasureRecord, type ScrubPlan, scrubber } from '../store/privacy-repo.js';
import type { Store } from '../store/store.js';
import { leadTargetOf } from './lead-row.js';

/**
 * Erasing a person's contact data on request (PIPL; docs/operations.md#erasing-a-person): the leads
 * that carry their phone, e-mail or 线索编号 keep their rows, stages, history and counts — the funnel does
 * not change — but lose 联系人, 电话, 邮箱 and 微信: in the database (facts, contact keys, and every
 * copy in queued writes, messages, event payloads, cards, timers and free text), and in the Base (the
 * lead's row, and every cell the server wrote that held them, such as 阶段历史's 摘要), through the
 * table outbox. One transaction; an audit row says who erased what and when, the subject masked.
 */
export const PERSONAL_FACTS = ['contact_name', 'phone', 'email', 'wechat'] as const;

export type ErasureSelector = { kind: 'phone'; value: string } | { kind: 'email'; value: string } | { kind: 'lead'; value: string };

export interface ErasureResult {
  leadKeys: string[];
  /** values cleared per place (`leads.facts`, `outbox.payload_json` …, `bitable.cells`) */
  cleared: Record<string, number>;
  /** the audit row's id */
  auditId: number;
}

/** The selector as the audit keeps it: enough to recognise the request, not the value itself. */
export function maskedSubject(s: ErasureSelector): string {
  if (s.kind === 'lead') return s.value;
  if (s.kind === 'phone') return maskPhone(canonicalPhone(s.value) ?? s.value);
  const [local = '', domain = ''] = s.value.trim().split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

/** Every way the person's values may have been written down, from a lead's facts and the request. */
function planFor(leads: readonly LeadRow[], extra: readonly string[], personalKeys: readonly string[]): ScrubPlan {
  const strong = new Set<string>();
  const weak = new Set<string>();
  const anchors = new Set<string>();
  const phone = (v: unknown) => {
    if (typeof v !== 'string' && typeof v !== 'number') return;
    const raw = String(v).trim();
    if (raw) strong.add(raw);
    const key = e164(raw);
    const canonical = canonicalPhone(raw);
    if (key) strong.add(key);
    if (canonical) {
      strong.add(canonical);
      if (/^1\d{10}$/.test(canonical)) {
        strong.add(`${canonical.slice(0, 3)} ${canonical.slice(3, 7)} ${canonical.slice(7)}`);
        strong.add(`${canonical.slice(0, 3)}-${canonical.slice(3, 7)}-${canonical.slice(7)}`);
        strong.add(`+86 ${canonical}`);
      }
    }
  };
  for (const l of leads) {
    phone(l.facts.phone);
    for (const k of ['email', 'wechat'] as const) {
      const v = l.facts[k];
      if (typeof v === 'string' && v.trim()) {
        strong.add(v.trim());
        if (k === 'email') strong.add(v.trim().toLowerCase());
      }
    }
    const name = l.facts.contact_name;
    if (typeof name === 'string' && name.trim()) weak.add(name.trim());
    anchors.add(l.leadKey);
    if (l.recordId) anchors.add(l.recordId);
  }
  for (const v of extra) {
    if (emailKey(v)) strong.add(emailKey(v)!);
    else phone(v);
  }
  return { strong: [...strong], weak: [...weak], anchors: [...anchors], personalKeys };
}

export function createErasure(deps: { store: Store; leadsTable: TableTemplate; clock: Clock }) {
  const { store } = deps;
  const personalFields = deps.leadsTable.fields.filter((f) => f.fact && (PERSONAL_FACTS as readonly string[]).includes(f.fact)).map((f) => f.field_name);
  const personalKeys = [...PERSONAL_FACTS, ...personalFields];

  async function find(s: ErasureSelector): Promise<LeadRow[]> {
    if (s.kind === 'lead') {
      const l = await store.leads.getByKey(s.value.trim());
      return l ? [l] : [];
    }
    const keys = s.kind === 'phone' ? { phone: e164(s.value) } : { email: emailKey(s.value) };
    if (!keys.phone && !keys.email) return [];
    return (await store.leads.byContact(keys, 1000)).map((m) => m.lead);
  }

  /** Erase the leads found; the audit row names `operator`. Throws for a selector that is not a phone or e-mail. */
  async function erase(s: ErasureSelector, operator: string, o: { selector?: ErasureRecord['selector'] } = {}): Promise<ErasureResult> {
    if (s.kind === 'phone' && !e164(s.value)) throw new Error(`不是电话号码 / not a phone number: ${maskedSubject(s)}`);
    if (s.kind === 'email' && !emailKey(s.value)) throw new Error('不是邮箱地址 / not an e-mail address');
    const now = deps.clock.now();
    return store.transaction(async () => {
      const leads = await find(s);
      const plan = planFor(leads, s.kind === 'lead' ? [] : [s.value], personalKeys);
      const cleared: Record<string, number> = {};
      const add = (k: string, n: number) => {
        if (n) cleared[k] = (cleared[k] ?? 0) + n;
      };
      const sc = scrubber(plan);
      for (const lead of leads) {
        const facts: Record<string, unknown> = {};
        let removed = 0;
        for (const [k, v] of Object.entries(lead.facts)) {
          if ((PERSONAL_FACTS as readonly string[]).includes(k)) removed++;
          else facts[k] = typeof v === 'string' ? sc.text(v, true) : v;
        }
        add('leads.facts', removed);
        await store.leads.setFacts(lead.id, facts as LeadFacts, now);
        await store.privacy.markErased(lead.id, now);
      }
      for (const [k, n] of Object.entries(await store.privacy.scrub(plan))) add(k, n);
      // the Base: each lead's row loses its personal cells; every other cell the server wrote with them is written again without them
      const cells = new Map<string, { target: string; row: { recordId: string } | { leadKey: string }; fields: Record<string, unknown> }>();
      for (const lead of leads) {
        const t = leadTargetOf(lead);
        if (t) cells.set(`${t.target}|${JSON.stringify(t.row)}`, { ...t, fields: Object.fromEntries(personalFields.map((f) => [f, null])) });
      }
      for (const c of await store.privacy.writtenCells(plan)) {
        const key = `${c.target}|${JSON.stringify({ recordId: c.recordId })}`;
        const entry = cells.get(key) ?? { target: c.target, row: { recordId: c.recordId }, fields: {} };
        entry.fields[c.field] = c.value;
        cells.set(key, entry);
      }
      for (const [i, c] of [...cells.values()].entries()) {
        // due at once: `npm run erase` runs beside the server, whose clock may be another (the sandbox's)
        await store.tableWrites.enqueueUpdate(c.target, { ...c.row, fields: c.fields, force: true }, `erase:${now.getTime()}:${i}`, now, new Date(0));
        add('bitable.cells', Object.keys(c.fields).length);
      }
      const leadKeys = leads.map((l) => l.leadKey);
      const auditId = await store.privacy.record({ at: now, operator, selector: o.selector ?? s.kind, subject: maskedSubject(s), leadKeys, cleared });
      return { leadKeys, cleared, auditId };
    });
  }

  /**
   * Retention: the leads in one of `stages` (lost, disqualified) since before `before`, erased in
   * batches, each with an audit row by 'retention'. Answers how many.
   */
  async function eraseClosedBefore(journeyId: string, stages: readonly string[], before: Date, o: { batch?: number; stopping?: () => boolean } = {}): Promise<number> {
    let n = 0;
    for (;;) {
      if (o.stopping?.()) return n;
      const ids = await store.privacy.closedBefore(journeyId, stages, before, o.batch ?? 100);
      if (!ids.length) return n;
      for (const id of ids) {
        const lead = await store.leads.get(id);
        if (!lead) continue;
        await erase({ kind: 'lead', value: lead.leadKey }, 'retention', { selector: 'retention' });
        n++;
      }
    }
  }

  return { find, erase, eraseClosedBefore };
}

export type Erasure = ReturnType<typeof createErasure>;
