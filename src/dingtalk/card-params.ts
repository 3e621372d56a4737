import { renderCard } from '../cards/render.js';
import type { CardJson } from '../cards/card-kit.js';
import type { Locale } from '../domain/text.js';
import type { CardMessage } from '../ports/chat.js';
import type { ParamMap } from './api.js';
import { isRecord } from '../lib/is-record.js';

/**
 * A card as DingTalk's card template takes it (docs/platform/dingtalk.md §5.1):
 * one template for every card, its variables all strings:
 * - `title`, `color` (blue, green, red, orange, grey …) for the header;
 * - `body`: plain text, one line per fact (shown as text, never as markdown: company names and notes
 *   are typed by people); `@name` where the card mentions someone (the delivery's atUserIds notifies them);
 * - `status`: `open` while the card offers something to do, else `closed` (the template hides the buttons);
 * - `actions`: JSON list of buttons `{id, text, style}` (the button sends `{op: id}` and the form's values);
 * - `reasons`: JSON list `{value, text}` for a select (a return reason), `inputs`: JSON list `{name, placeholder}`;
 * - `toast`: the last answer's message, set in the clicker's private data.
 *
 * The card is laid out once, by the card renderers (src/cards/), and read off here: each of their few
 * building blocks (card-kit.ts) has its DingTalk form, so the two platforms show the same card.
 */
export interface DingTalkCardParams {
  data: ParamMap;
  /** the person ids the card @-mentions */
  mentioned: string[];
}

const textOf = (v: unknown): string => (isRecord(v) && typeof v.content === 'string' ? v.content : '');
const MENTION = /<at id=([A-Za-z0-9_$:-]+)><\/at>/g;

interface Collected {
  lines: string[];
  actions: Array<{ id: string; text: string; style: string }>;
  reasons: Array<{ value: string; text: string }>;
  inputs: Array<{ name: string; placeholder: string }>;
  mentioned: Set<string>;
}

function collect(elements: unknown, names: Record<string, string>, out: Collected): void {
  if (!Array.isArray(elements)) return;
  for (const el of elements) {
    if (!isRecord(el)) continue;
    switch (el.tag) {
      case 'div':
        out.lines.push(textOf(el.text));
        break;
      case 'markdown':
        // our markdown holds only fixed words and mentions (card-kit.ts): the mentions become @name
        out.lines.push(
          String(el.content ?? '').replace(MENTION, (_m, id: string) => {
            out.mentioned.add(id);
            return `@${names[id] || '—'}`;
          }),
        );
        break;
      case 'hr':
        if (out.lines.length && out.lines[out.lines.length - 1] !== '') out.lines.push('');
        break;
      case 'button': {
        const behaviors = Array.isArray(el.behaviors) ? el.behaviors : [];
        const value = behaviors.map((b) => (isRecord(b) && isRecord(b.value) ? b.value : undefined)).find(Boolean);
        const id = typeof el.name === 'string' && el.form_action_type === 'submit' ? el.name : typeof value?.op === 'string' ? value.op : undefined;
        if (id) out.actions.push({ id, text: textOf(el.text), style: String(el.type ?? 'default') });
        break;
      }
      case 'column_set':
        for (const c of Array.isArray(el.columns) ? el.columns : []) if (isRecord(c)) collect(c.elements, names, out);
        break;
      case 'form':
        collect(el.elements, names, out);
        break;
      case 'select_static':
        out.reasons = (Array.isArray(el.options) ? el.options : []).filter(isRecord).map((o) => ({ value: String(o.value ?? ''), text: textOf(o.text) }));
        break;
      case 'input':
        out.inputs.push({ name: String(el.name ?? ''), placeholder: textOf(el.placeholder) });
        break;
      case 'chart': {
        // no chart component in the template: the chart's title stands for it (the report link has the figures)
        const spec = isRecord(el.chart_spec) ? el.chart_spec : {};
        const title = isRecord(spec.title) && typeof spec.title.text === 'string' ? spec.title.text : '';
        if (title) out.lines.push(`📊 ${title}`);
        break;
      }
      default:
        break;
    }
  }
}

/** The template's variables for a card as rendered (Feishu JSON 2.0 from src/cards/), with the people it mentions. */
export function dingTalkCardParams(m: CardMessage): DingTalkCardParams {
  const rendered: CardJson = renderCard(m);
  const header = isRecord(rendered.header) ? rendered.header : {};
  const body = isRecord(rendered.body) ? rendered.body : {};
  const out: Collected = { lines: [], actions: [], reasons: [], inputs: [], mentioned: new Set() };
  collect(body.elements, m.names, out);
  while (out.lines.at(-1) === '') out.lines.pop();
  return {
    data: {
      title: textOf(header.title),
      color: typeof header.template === 'string' ? header.template : 'blue',
      body: out.lines.join('\n'),
      status: out.actions.length ? 'open' : 'closed',
      actions: JSON.stringify(out.actions),
      reasons: JSON.stringify(out.reasons),
      inputs: JSON.stringify(out.inputs),
      locale: m.locale,
    },
    mentioned: [...out.mentioned],
  };
}

/** A short notice @-mentioning one person, as a card with nothing to click (a robot message cannot @ anyone: docs/platform/dingtalk.md §2.1). */
export function dingTalkNoticeParams(n: { to: string; text: string }, name: string | undefined, locale: Locale): DingTalkCardParams {
  return {
    data: { title: locale === 'en' ? 'Lead Journey' : '线索旅程', color: 'blue', body: `@${name || '—'} ${n.text}`, status: 'closed', actions: '[]', reasons: '[]', inputs: '[]', locale },
    mentioned: [n.to],
  };
}
