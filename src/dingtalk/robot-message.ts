import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { dingTalkChat } from '../ports/chat.js';
import type { Team } from '../ports/team.js';
import type { LeadLookup } from '../usecases/lead-lookup.js';
import { memberByDingTalkId } from './people.js';
import { isRecord } from '../lib/is-record.js';

/**
 * A message that @-mentions the app's robot in a DingTalk group (the Stream robot callback,
 * docs/platform/dingtalk.md §3): a question for 查询线索. The asker is found by 钉钉ID in 销售团队; the
 * answer is a notice card @ them in the same group, queued once per DingTalk msgId (a message delivered
 * again is answered once). 1:1 chats with the robot are not answered: the product's cards live in groups.
 */
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export function createDingTalkRobotReceiver(deps: { lookup: LeadLookup; team: Team; clock: Clock; log: Logger; onQueued: () => void }) {
  const log = deps.log.child({ component: 'dingtalk-robot' });
  return async (data: Record<string, unknown>): Promise<void> => {
    const cid = str(data.conversationId);
    const msgId = str(data.msgId);
    if (!cid || !msgId || data.conversationType !== '2') {
      log.debug({ conversationType: data.conversationType }, 'robot message outside a group (or without ids): not answered');
      return;
    }
    const text = isRecord(data.text) ? String(data.text.content ?? '') : '';
    const members = await deps.team.members();
    const who = memberByDingTalkId(members, str(data.senderStaffId));
    const result = await deps.lookup.ask({ chatId: dingTalkChat(cid), personId: typeof who === 'string' ? undefined : who.id, text, key: `dingtalk:${msgId}`, members, now: deps.clock.now() });
    if (result === 'answered') deps.onQueued();
    log.info({ result }, 'robot message (查询线索)');
  };
}
