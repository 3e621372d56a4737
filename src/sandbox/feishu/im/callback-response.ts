import { CardInvalid, validateCard, type ParsedCard } from './card-parse.js';
import { isRecord } from '../../../lib/is-record.js';

/**
 * How Feishu reads an app's answer to `card.action.trigger` (docs/platform/feishu.md#44-card-callbacks):
 * `{}` changes nothing; `{toast:{type,content,i18n?}}` shows a toast; `{card:{type:"raw",data}}` replaces
 * the card (JSON 2.0); `{card:{type:"template",data:{template_id…}}}` replaces it with a template.
 * A bare card object, or `{card: <card>}` without the type wrapper, is not a valid answer [3rd].
 */
export const TOAST_TYPES = ['info', 'success', 'error', 'warning'] as const;

export interface Toast {
  type: (typeof TOAST_TYPES)[number];
  content?: string;
  i18n?: Record<string, string>;
}

export interface CallbackAnswer {
  toast?: Toast;
  card?: ParsedCard;
  /** answers Feishu would ignore, explained */
  warnings: string[];
  /** the answer is unusable: the user sees an error */
  error?: string;
}

export function interpretCallbackAnswer(text: string): CallbackAnswer {
  const out: CallbackAnswer = { warnings: [] };
  if (!text.trim()) return out;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ...out, error: 'callback response is not JSON' };
  }
  if (!isRecord(json)) return { ...out, error: 'callback response must be a JSON object' };

  if (json.toast !== undefined) {
    const t = json.toast;
    if (isRecord(t) && (TOAST_TYPES as readonly unknown[]).includes(t.type) && (typeof t.content === 'string' || isRecord(t.i18n))) {
      out.toast = {
        type: t.type as Toast['type'],
        ...(typeof t.content === 'string' ? { content: t.content } : {}),
        ...(isRecord(t.i18n) ? { i18n: Object.fromEntries(Object.entries(t.i18n).filter((e): e is [string, string] => typeof e[1] === 'string')) } : {}),
      };
    } else {
      out.warnings.push(`toast ignored: it needs type (${TOAST_TYPES.join('|')}) and content or i18n`);
    }
  }

  if (json.card !== undefined) {
    const card = json.card;
    if (isRecord(card) && (card.type === 'raw' || card.type === 'template') && isRecord(card.data)) {
      const data = card.type === 'raw' ? card.data : { type: 'template', data: card.data };
      if (card.type === 'template' && typeof card.data.template_id !== 'string') return { ...out, error: 'card.type "template" needs data.template_id' };
      try {
        out.card = validateCard(data);
      } catch (e) {
        if (e instanceof CardInvalid) return { ...out, error: `card in callback response is invalid: ${e.message}` };
        throw e;
      }
    } else {
      out.warnings.push('card ignored: it must be {"type":"raw","data":<card JSON 2.0>} or {"type":"template","data":{…}}, not the card itself');
    }
  } else if (json.toast === undefined && ('schema' in json || 'elements' in json || 'body' in json || 'header' in json)) {
    out.warnings.push('a bare card object was returned; Feishu does not apply it — answer {"card":{"type":"raw","data":<card>}}');
  }
  return out;
}
