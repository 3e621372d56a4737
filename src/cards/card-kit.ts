import { pick, type Locale, type Text } from '../domain/text.js';

/**
 * Building blocks of Feishu card JSON 2.0 (docs/platform/feishu.md#42-card-json-20): every card is shared
 * (`update_multi`), untrusted text (company names, comments) only ever goes into `plain_text`, and
 * markdown carries nothing but mentions and our own fixed words, so a lead named `<at id=all></at>`
 * or `**x**` shows as typed and pings nobody.
 */
export type CardJson = Record<string, unknown>;
export type HeaderColor = 'blue' | 'wathet' | 'turquoise' | 'green' | 'yellow' | 'orange' | 'red' | 'carmine' | 'violet' | 'purple' | 'indigo' | 'grey';

export interface CardCtx {
  locale: Locale;
  /** a person's display name by open_id (the roster's 姓名); unknown people show as "—" */
  nameOf: (openId: string) => string | undefined;
}

export const t = (ctx: CardCtx, text: Text): string => pick(text, ctx.locale);
export const plain = (content: string) => ({ tag: 'plain_text', content });
export const text = (content: string): CardJson => ({ tag: 'div', text: plain(content) });
export const hr = (): CardJson => ({ tag: 'hr' });
/** `label：value` in Chinese, `label: value` in English */
export const field = (ctx: CardCtx, label: Text, value: string): CardJson => text(`${t(ctx, label)}${ctx.locale === 'en' ? ': ' : '：'}${value}`);

/** a Feishu open_id, or the person id of someone on DingTalk only (rules/roster-rows.ts), whose mention the DingTalk adapter reads */
const PERSON_ID = /^(ou_[A-Za-z0-9_-]{1,64}|dingtalk:[A-Za-z0-9_$:-]{1,64})$/;
/**
 * `<at id=…></at>` for the ids that look like person ids (anything else is dropped, never
 * interpolated). Feishu's sender shows a DingTalk-only person's mention as their name (im/sender.ts).
 */
export function mentions(ids: readonly string[]): string {
  return [...new Set(ids)]
    .filter((id) => PERSON_ID.test(id))
    .map((id) => `<at id=${id}></at>`)
    .join(' ');
}
export const markdown = (content: string): CardJson => ({ tag: 'markdown', content });

export const nameOrDash = (ctx: CardCtx, openId: string | null | undefined): string => (openId ? (ctx.nameOf(openId) ?? '—') : '—');

export function card(o: { title: string; color: HeaderColor; subtitle?: string; elements: CardJson[] }): CardJson {
  return {
    schema: '2.0',
    config: { update_multi: true, width_mode: 'fill' },
    header: { title: plain(o.title), ...(o.subtitle ? { subtitle: plain(o.subtitle) } : {}), template: o.color },
    body: { elements: o.elements },
  };
}

export function button(o: { label: string; name: string; kind: 'primary' | 'danger' | 'default'; value?: Record<string, unknown>; submit?: boolean }): CardJson {
  return {
    tag: 'button',
    text: plain(o.label),
    type: o.kind === 'danger' ? 'danger' : o.kind,
    // A submit button carries no behaviour of its own: the form sends its values and the button's
    // `name` (documented for buttons inside a form only); the card itself is found by the message it
    // is in. A standalone button says what it does in its callback value.
    ...(o.submit ? { name: o.name, form_action_type: 'submit' } : { behaviors: [{ type: 'callback', value: o.value ?? { op: o.name } }] }),
  };
}

/** Buttons side by side (§4.2: column_set → column). */
export function buttonRow(buttons: CardJson[]): CardJson {
  return { tag: 'column_set', flex_mode: 'none', columns: buttons.map((b) => ({ tag: 'column', width: 'auto', elements: [b] })) };
}

export function form(name: string, elements: CardJson[]): CardJson {
  return { tag: 'form', name, elements };
}

export function input(o: { name: string; placeholder: string; maxLength: number; label?: string }): CardJson {
  return { tag: 'input', name: o.name, placeholder: plain(o.placeholder), max_length: o.maxLength, ...(o.label ? { label: plain(o.label) } : {}) };
}

export function select(o: { name: string; placeholder: string; options: Array<{ label: string; value: string }>; required?: boolean }): CardJson {
  return {
    tag: 'select_static',
    name: o.name,
    placeholder: plain(o.placeholder),
    ...(o.required ? { required: true } : {}),
    options: o.options.map((x) => ({ text: plain(x.label), value: x.value })),
  };
}

export { when } from '../domain/text.js';

export { RENEWED } from '../ports/chat.js';
