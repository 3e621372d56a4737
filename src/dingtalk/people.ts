import type { Member } from '../domain/people.js';

/**
 * Who a DingTalk userId is on the team: the one 销售团队 row with that 钉钉ID, `none` when no row has it,
 * `ambiguous` when several do (a typo copied to two rows: acting for either would be a guess).
 */
export function memberByDingTalkId(members: ReadonlyMap<string, Member>, userId: string | undefined): Member | 'none' | 'ambiguous' {
  if (!userId) return 'none';
  const found = [...members.values()].filter((m) => m.dingtalkId === userId);
  return found.length === 1 ? found[0]! : found.length ? 'ambiguous' : 'none';
}
