import { pick, type Locale } from '../domain/text.js';
import type { CardAnswer } from '../ports/chat.js';
import type { Team } from '../ports/team.js';
import type { CardActions, CardClick } from '../usecases/card-actions.js';
import { dingTalkCardParams } from './card-params.js';
import { memberByDingTalkId } from './people.js';
import { isRecord } from '../lib/is-record.js';

/**
 * A click on a DingTalk card (the Stream card callback, docs/platform/dingtalk.md §2.2) turned into the
 * same card action as a Feishu click: the clicker is found by their 钉钉ID in 销售团队 (someone not on
 * the team is told so and nothing happens), the card by its outTrackId (the message id the sender
 * stored), the operation by the button's `op` and the form's values. The use case decides who may act
 * (only the @-mentioned rep or their manager; only approvers). The answer updates the card for everyone
 * (`cardData`) and tells the clicker alone how it went (`userPrivateData`: `toast`, `toastType`).
 */
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The click in a callback's data: who, which card, which button and its params; undefined when malformed. */
export function parseDingTalkClick(data: Record<string, unknown>): { userId: string; outTrackId: string; params: Record<string, unknown>; actionId: string | undefined } | undefined {
  const userId = str(data.userId);
  const outTrackId = str(data.outTrackId);
  if (!userId || !outTrackId) return undefined;
  let content: unknown;
  try {
    content = JSON.parse(String(data.content ?? data.value ?? '{}'));
  } catch {
    return undefined;
  }
  const priv = isRecord(content) && isRecord(content.cardPrivateData) ? content.cardPrivateData : {};
  const actionIds = Array.isArray(priv.actionIds) ? priv.actionIds : [];
  return { userId, outTrackId, params: isRecord(priv.params) ? priv.params : {}, actionId: str(actionIds[0]) };
}

export function createDingTalkCardReceiver(deps: { act: CardActions; team: Team; onAnswered: () => void; locale: Locale }) {
  const answerOf = (a: CardAnswer) => ({
    cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
    ...(a.card ? { cardData: { cardParamMap: dingTalkCardParams(a.card).data } } : {}),
    userPrivateData: { cardParamMap: { toast: pick(a.toast.text, deps.locale), toastType: a.toast.type } },
  });
  return async (data: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const click = parseDingTalkClick(data);
    if (!click) return answerOf({ toast: { type: 'error', text: { zh: '无法识别的卡片操作', en: 'This click could not be read' } } });
    const members = await deps.team.membersWithin(1500);
    if (!members) return answerOf({ toast: { type: 'warning', text: { zh: '团队信息正在加载，请稍后再点一次', en: 'Loading the team; please click again in a moment' } } });
    const who = memberByDingTalkId(members, click.userId);
    if (typeof who === 'string')
      return answerOf({
        toast: {
          type: 'warning',
          text:
            who === 'ambiguous'
              ? { zh: '销售团队中有多人填写了这个钉钉ID，请管理员更正后再操作', en: 'Several people in 销售团队 have this DingTalk id: ask an admin to fix it' }
              : { zh: '你不在销售团队名单中（或未填写钉钉ID），无法操作这张卡片', en: 'You are not in 销售团队 (or have no 钉钉ID there), so you cannot act on this card' },
        },
      });
    const p = click.params;
    const op = str(p.op) ?? click.actionId;
    const c: CardClick = {
      personId: who.id,
      messageId: click.outTrackId,
      value: op ? { op } : undefined,
      name: op,
      formValue: Object.fromEntries(Object.entries(p).filter(([k, v]) => k !== 'op' && typeof v === 'string')),
    };
    const answer = await deps.act(c);
    if (answer.toast.type === 'success') deps.onAnswered();
    return answerOf(answer);
  };
}
