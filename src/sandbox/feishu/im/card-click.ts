import type { EmuUser } from '../kernel/directory.js';
import { callbackValue, elementText, FORM_FIELD_TAGS, INTERACTIVE_TAGS, optionValues, walkElements, type CardJson, type CardKind, type LocatedElement } from './card-parse.js';
import { isRecord } from '../../../lib/is-record.js';

/**
 * What a user's interaction with a stored card turns into (docs/platform/feishu.md §4.2, §4.4): which component
 * was used, and the `action` object of the `card.action.trigger` callback — or why the client would
 * send nothing (disabled, reset button, no callback behaviour, required form field empty).
 */
export interface ElementSelector {
  /** JSON 2.0 `element_id` */
  element_id?: string;
  /** component `name` (form fields, submit buttons) */
  name?: string;
  /** visible text, e.g. a button label */
  text?: string;
  /** a subset of the callback value, e.g. `{op:"accept"}` */
  value?: Record<string, unknown>;
  /** exact JSON path, e.g. `body.elements[1]` */
  path?: string;
}

/** What a person put into the clicked component; sent back as `event.action` fields (§4.4). */
export interface ActionInputs {
  /** form submit: values by component name */
  form_value?: Record<string, unknown>;
  /** select_static / overflow / pickers outside a form */
  option?: string;
  /** multi_select_static outside a form */
  options?: string[];
  /** input outside a form */
  input_value?: string;
  /** checker */
  checked?: boolean;
  timezone?: string;
}

export interface ClickInput extends ActionInputs {
  selector: ElementSelector;
}

export interface CardAction extends ActionInputs {
  tag: string;
  value?: unknown;
  name?: string;
}

/** The request itself is wrong (no such message/user/element): the control API answers 4xx. */
export class ClickRejected extends Error {
  readonly status: 400 | 404 | 410;
  readonly detail: unknown;
  constructor(status: 400 | 404 | 410, message: string, detail?: unknown) {
    super(message);
    this.name = 'ClickRejected';
    this.status = status;
    this.detail = detail;
  }
}

export type ResolvedClick = { send: true; action: CardAction; element: LocatedElement } | { send: false; reason: string; element: LocatedElement };

function matchesValue(actual: unknown, want: Record<string, unknown>): boolean {
  if (!isRecord(actual)) return false;
  return Object.entries(want).every(([k, v]) => JSON.stringify(actual[k]) === JSON.stringify(v));
}

export function describeElement(l: LocatedElement): Record<string, unknown> {
  const cb = callbackValue(l.el);
  return {
    path: l.path,
    tag: l.el.tag,
    ...(typeof l.el.element_id === 'string' ? { element_id: l.el.element_id } : {}),
    ...(typeof l.el.name === 'string' ? { name: l.el.name } : {}),
    ...(elementText(l.el) !== undefined ? { text: elementText(l.el) } : {}),
    ...(cb.value !== undefined ? { value: cb.value } : {}),
  };
}

/** The interactive components of a card, as the control API lists them for a UI. */
export function listInteractive(card: CardJson, kind: CardKind): Array<Record<string, unknown>> {
  return walkElements(card, kind)
    .filter((l) => typeof l.el.tag === 'string' && INTERACTIVE_TAGS.has(l.el.tag))
    .map(describeElement);
}

export function locate(card: CardJson, kind: CardKind, sel: ElementSelector): LocatedElement {
  if (!sel.element_id && !sel.name && !sel.text && !sel.value && !sel.path) throw new ClickRejected(400, 'selector needs element_id, name, text, value or path');
  const candidates = walkElements(card, kind).filter(
    (l) =>
      typeof l.el.tag === 'string' &&
      INTERACTIVE_TAGS.has(l.el.tag) &&
      (sel.path === undefined || l.path === sel.path) &&
      (sel.element_id === undefined || l.el.element_id === sel.element_id) &&
      (sel.name === undefined || l.el.name === sel.name) &&
      (sel.text === undefined || elementText(l.el) === sel.text) &&
      (sel.value === undefined || matchesValue(callbackValue(l.el).value, sel.value)),
  );
  if (candidates.length === 0) throw new ClickRejected(404, 'no interactive component matches the selector', { interactive: listInteractive(card, kind) });
  if (candidates.length > 1) throw new ClickRejected(400, 'selector matches several components; narrow it', { matches: candidates.map(describeElement) });
  return candidates[0]!;
}

/** Check who clicks: a known user who can see the message (a member of its group, or the one-to-one peer). */
export function checkOperator(user: EmuUser | undefined, chatMembers: readonly string[]): EmuUser {
  if (!user) throw new ClickRejected(404, 'unknown operator_open_id');
  if (!chatMembers.includes(user.open_id)) throw new ClickRejected(400, 'operator is not a member of the chat the card was sent to');
  return user;
}

export function resolveClick(card: CardJson, kind: CardKind, input: ClickInput): ResolvedClick {
  const element = locate(card, kind, input.selector);
  const { el, form } = element;
  const tag = el.tag as string;
  const name = typeof el.name === 'string' ? el.name : undefined;
  const cb = callbackValue(el);
  if (el.disabled === true) return { send: false, reason: 'component is disabled', element };

  if (form && tag === 'button' && (el.form_action_type === 'submit' || el.form_action_type === 'reset')) {
    if (el.form_action_type === 'reset') return { send: false, reason: 'a reset button clears the form without a callback', element };
    const fields = walkElements(card, kind).filter((l) => l.form === form && typeof l.el.tag === 'string' && FORM_FIELD_TAGS.has(l.el.tag) && typeof l.el.name === 'string');
    const byName = new Map(fields.map((f) => [f.el.name as string, f.el]));
    const given = input.form_value ?? {};
    for (const [k, v] of Object.entries(given)) {
      const field = byName.get(k);
      if (!field) throw new ClickRejected(400, `form_value.${k}: the form has no field named "${k}"`, { fields: [...byName.keys()] });
      checkFieldValue(`form_value.${k}`, field, v);
    }
    for (const [k, field] of byName) {
      const v = given[k];
      if (field.required === true && (v === undefined || v === '' || (Array.isArray(v) && v.length === 0))) {
        return { send: false, reason: `required field "${k}" is empty; the client does not submit the form`, element };
      }
    }
    return {
      send: true,
      element,
      action: { tag, ...(cb.value !== undefined ? { value: cb.value } : {}), ...(name ? { name } : {}), form_value: given, ...(input.timezone ? { timezone: input.timezone } : {}) },
    };
  }
  if (form && FORM_FIELD_TAGS.has(tag)) throw new ClickRejected(400, `"${name ?? tag}" is inside form "${String(form.name)}": fill it through form_value and click the submit button`);
  // JSON 2.0 components call back only through a `callback` behaviour; 1.0 components always do.
  if (kind === 'v2' && !cb.has) return { send: false, reason: 'component has no callback behavior (e.g. open_url only)', element };

  const action: CardAction = { tag, ...(cb.value !== undefined ? { value: cb.value } : {}), ...(name ? { name } : {}), ...(input.timezone ? { timezone: input.timezone } : {}) };
  switch (tag) {
    case 'button':
      break;
    case 'select_static':
    case 'select_person':
    case 'select_img':
    case 'overflow':
    case 'date_picker':
    case 'picker_time':
    case 'picker_datetime':
      if (typeof input.option !== 'string') throw new ClickRejected(400, `"${tag}" needs option`);
      checkFieldValue('option', el, input.option);
      action.option = input.option;
      break;
    case 'multi_select_static':
    case 'multi_select_person':
      if (!Array.isArray(input.options)) throw new ClickRejected(400, `"${tag}" needs options`);
      checkFieldValue('options', el, input.options);
      action.options = input.options;
      break;
    case 'input':
      if (typeof input.input_value !== 'string') throw new ClickRejected(400, '"input" needs input_value');
      action.input_value = input.input_value;
      break;
    case 'checker':
      action.checked = input.checked ?? !(el.checked === true);
      break;
    default:
      break;
  }
  return { send: true, action, element };
}

function checkFieldValue(where: string, field: CardJson, v: unknown): void {
  const opts = optionValues(field);
  const tag = field.tag as string;
  if ((tag === 'select_static' || tag === 'overflow') && opts) {
    if (typeof v !== 'string' || !opts.includes(v)) throw new ClickRejected(400, `${where}: ${JSON.stringify(v)} is not one of the options ${JSON.stringify(opts)}`);
  } else if (tag === 'multi_select_static' && opts) {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !opts.includes(x))) throw new ClickRejected(400, `${where}: every value must be one of ${JSON.stringify(opts)}`);
  } else if (tag === 'input') {
    if (typeof v !== 'string') throw new ClickRejected(400, `${where}: an input takes a string`);
    if (typeof field.max_length === 'number' && v.length > field.max_length) throw new ClickRejected(400, `${where}: longer than max_length ${field.max_length}`);
  } else if (tag === 'checker') {
    if (typeof v !== 'boolean') throw new ClickRejected(400, `${where}: a checker takes a boolean`);
  }
}
