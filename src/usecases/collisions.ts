import type { Match } from '../domain/duplicates.js';
import { maskPhone } from '../domain/mask.js';
import { isPersonId } from '../domain/people.js';
import type { Logger } from '../lib/logger.js';
import type { LeadRow } from '../store/leads-repo.js';
import type { Store } from '../store/store.js';
import type { LeadCards, Members } from './lead-cards.js';
import { companyName, followerOf, writeLeadRow } from './lead-row.js';

/**
 * 撞单: a new lead (typed, posted or imported: every way in reaches the engine's onNewLead) whose company
 * or phone matches a lead someone else already follows. Its row says so in 撞单提醒, naming only who
 * follows the customer; the person who created it hears the same by @-mention (who, not the other lead's
 * details: with Bitable row permissions they may not see it); the managers of both — the follower and
 * the creator (or the new lead's owner) — get the two leads side by side to decide. Once per new lead.
 */
export const COLLISION_FIELD = '撞单提醒';

const WHAT: Record<Match, string> = { company: '同一公司', phone: '同一电话' };
const WHAT_EN: Record<Match, string> = { company: 'the same company', phone: 'the same phone' };

export function createCollisions(deps: { store: Store; cards?: LeadCards; log: Logger }) {
  const { store } = deps;
  const log = deps.log.child({ component: 'collisions' });
  const company = (v: unknown, fallback: string) => (typeof v === 'string' && v ? v : fallback);

  /** (inside a transaction) Check a lead that just came in; true when it collides. */
  return async function checkNew(lead: LeadRow, members: Members, now: Date): Promise<boolean> {
    const creator = (await store.transitions.listForLead(lead.id))[0]?.actorId;
    const typedOwner = followerOf(lead) ?? undefined;
    const ours = new Set([creator, typedOwner].filter(isPersonId));
    const matches = (await store.leads.ownedMatches({ company: lead.companyKey, phone: lead.phoneKey }, lead.id, 5)).filter((m) => !ours.has(m.ownerId));
    if (!matches.length) return false;
    const first = matches[0]!;
    const owners = [...new Set(matches.map((m) => m.ownerId))];
    const names = owners.map((id) => members.get(id)?.name || id).join('、');
    const mine = companyName(lead);
    await writeLeadRow(store, lead, { [COLLISION_FIELD]: `撞单：${WHAT[first.by]}已由 ${names} 跟进，请与其或直属上级确认归属` }, `collision:${lead.id}`, now);
    // the creator: who follows it, nothing more
    const maker = isPersonId(creator) ? creator : undefined;
    if (maker && !owners.includes(maker)) {
      await deps.cards?.notify(
        maker,
        { zh: `${lead.leadKey}「${mine}」撞单：${WHAT[first.by]}已由 ${names} 跟进，请先与其确认归属`, en: `${lead.leadKey} ${mine} collides: ${WHAT_EN[first.by]} is followed by ${names}; check with them first` },
        `collision:${lead.id}:maker`,
        now,
      );
    }
    // the managers of both sides: the two leads side by side
    const sides = [...owners, ...(typedOwner && isPersonId(typedOwner) ? [typedOwner] : maker ? [maker] : [])];
    let managers = [...new Set(sides.map((id) => members.get(id)?.managerId).filter((id): id is string => !!id && members.has(id)))];
    if (!managers.length) managers = [...members.values()].filter((m) => m.roles.includes('sales_director') && !m.leaving).map((m) => m.id);
    const makerName = maker ? members.get(maker)?.name || maker : '系统';
    const detail = matches.map((m) => `${members.get(m.ownerId)?.name || m.ownerId} 跟进的 ${m.leadKey}「${company(m.company, m.leadKey)}」（${WHAT[m.by]}${m.by === 'phone' ? ` ${maskPhone(String(m.phone ?? ''))}` : ''}）`).join('；');
    for (const id of managers) {
      await deps.cards?.notify(
        id,
        {
          zh: `撞单：${makerName} 新建的 ${lead.leadKey}「${mine}」与 ${detail}重复，请确认归属`,
          en: `Collision: ${lead.leadKey} ${mine}, created by ${makerName}, matches ${matches.map((m) => m.leadKey).join(', ')} (followed by ${names}); decide who follows it`,
        },
        `collision:${lead.id}:${id}`,
        now,
      );
    }
    log.info({ lead: lead.leadKey, matches: matches.map((m) => m.leadKey), by: first.by }, '撞单: a new lead matches one someone follows');
    return true;
  };
}

export type CheckCollision = ReturnType<typeof createCollisions>;
