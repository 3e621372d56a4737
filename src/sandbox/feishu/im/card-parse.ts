/**
 * Parsing and checking interactive card content (docs/platform/feishu.md §4.1–4.2):
 * - JSON 2.0 cards (`schema:"2.0"`) keep components under `body.elements`; `update_multi` must be true;
 *   at most 200 elements; `form` only at the body root, never holding a `table` or another `form`;
 *   components inside a form need a `name`.
 * - JSON 1.0 cards (no schema) keep components under `elements`.
 * - `{type:"template",data:{template_id…}}` and `{type:"card",data:{card_id}}` reference cards built
 *   elsewhere; they are stored as given and have nothing to click.
 */
import { checkCardFrame, checkComponent } from './card-schema.js';

export type CardJson = Record<string, unknown>;

export type CardKind = 'v2' | 'v1' | 'template' | 'card_ref';

export interface ParsedCard {
  kind: CardKind;
  card: CardJson;
  /** components counted toward the 200 limit (0 for template/card references) */
  elementCount: number;
}

export const MAX_CARD_ELEMENTS = 200;

export class CardInvalid extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CardInvalid';
  }
}

const isObj = (v: unknown): v is CardJson => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys under which a component holds child components. */
const CHILD_KEYS = ['elements', 'columns', 'actions'] as const;

/** Components a form member must name so its value can appear in `form_value` (§4.2). */
export const FORM_FIELD_TAGS = new Set(['input', 'select_static', 'multi_select_static', 'select_person', 'multi_select_person', 'select_img', 'date_picker', 'picker_time', 'picker_datetime', 'checker']);

/** Components a user can act on. */
export const INTERACTIVE_TAGS = new Set([...FORM_FIELD_TAGS, 'button', 'overflow']);

export interface LocatedElement {
  el: CardJson;
  /** JSON path from the card root, e.g. `body.elements[2].elements[1]` */
  path: string;
  /** the enclosing form, when there is one */
  form?: CardJson;
}

export function rootElements(card: CardJson, kind: CardKind): { list: unknown[]; path: string } {
  if (kind === 'v2') {
    const body = card.body;
    return { list: isObj(body) && Array.isArray(body.elements) ? body.elements : [], path: 'body.elements' };
  }
  if (kind === 'v1') return { list: Array.isArray(card.elements) ? card.elements : [], path: 'elements' };
  return { list: [], path: '' };
}

/** Every component of the card, depth first, with its path and enclosing form. */
export function walkElements(card: CardJson, kind: CardKind): LocatedElement[] {
  const out: LocatedElement[] = [];
  const visit = (list: unknown[], path: string, form: CardJson | undefined) => {
    list.forEach((el, i) => {
      if (!isObj(el)) return;
      const here = `${path}[${i}]`;
      out.push({ el, path: here, ...(form ? { form } : {}) });
      const inner = el.tag === 'form' ? el : form;
      for (const key of CHILD_KEYS) {
        const child = el[key];
        if (Array.isArray(child)) visit(child, `${here}.${key}`, inner);
      }
    });
  };
  const root = rootElements(card, kind);
  visit(root.list, root.path, undefined);
  return out;
}

export function classify(card: CardJson): CardKind {
  if (card.type === 'template' && isObj(card.data)) return 'template';
  if (card.type === 'card' && isObj(card.data)) return 'card_ref';
  return card.schema === '2.0' ? 'v2' : 'v1';
}

/** Check a card object; throws CardInvalid with a reason (the API turns it into 230099). */
export function validateCard(card: unknown): ParsedCard {
  if (!isObj(card)) throw new CardInvalid('card content must be a JSON object');
  const kind = classify(card);
  if (kind === 'template' || kind === 'card_ref') return { kind, card, elementCount: 0 };
  if (kind === 'v1' && card.schema !== undefined) throw new CardInvalid(`unsupported card schema ${JSON.stringify(card.schema)}`);
  if (kind === 'v2') {
    if (!isObj(card.body) || !Array.isArray(card.body.elements)) throw new CardInvalid('schema 2.0 cards need body.elements (an array)');
    if (Array.isArray(card.elements)) throw new CardInvalid('schema 2.0 cards take components under body.elements, not elements');
    const config = card.config;
    if (isObj(config) && config.update_multi === false) throw new CardInvalid('schema 2.0 cards only support shared cards: config.update_multi must be true');
  }
  if (kind === 'v2') {
    const frame = checkCardFrame(card);
    if (frame) throw new CardInvalid(frame);
  }
  const all = walkElements(card, kind);
  if (all.length > MAX_CARD_ELEMENTS) throw new CardInvalid(`card has ${all.length} elements; at most ${MAX_CARD_ELEMENTS} are allowed`);
  for (const { el, path, form } of all) {
    if (typeof el.tag !== 'string') throw new CardInvalid(`${path} has no tag`);
    if (el.tag === 'form') {
      if (form) throw new CardInvalid(`${path}: a form cannot contain another form`);
      if (kind === 'v2' && !/^body\.elements\[\d+\]$/.test(path)) throw new CardInvalid(`${path}: a form may appear only at the body root`);
      if (typeof el.name !== 'string' || !el.name) throw new CardInvalid(`${path}: a form needs a name`);
    }
    if (form && el.tag === 'table') throw new CardInvalid(`${path}: a form cannot contain a table`);
    if (form && (FORM_FIELD_TAGS.has(el.tag) || el.tag === 'button') && (typeof el.name !== 'string' || !el.name)) {
      throw new CardInvalid(`${path}: component "${el.tag}" inside a form needs a name`);
    }
  }
  // JSON 2.0: every component against what the documents define for it (card-schema.ts)
  if (kind === 'v2') {
    for (const { el, path, form } of all) {
      const bad = checkComponent(el, path, !!form);
      if (bad) throw new CardInvalid(bad);
    }
  }
  return { kind, card, elementCount: all.length };
}

/** Parse a message `content` string as a card. */
export function parseCardContent(content: string): ParsedCard {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new CardInvalid('content is not valid JSON');
  }
  return validateCard(json);
}

/** The callback value of a component: JSON 2.0 `behaviors[{type:"callback",value}]`, or JSON 1.0 `value`. */
export function callbackValue(el: CardJson): { has: boolean; value?: unknown } {
  if (Array.isArray(el.behaviors)) {
    const cb = el.behaviors.find((b): b is CardJson => isObj(b) && b.type === 'callback');
    return cb ? { has: true, ...(cb.value !== undefined ? { value: cb.value } : {}) } : { has: false };
  }
  if (el.value !== undefined) return { has: true, value: el.value };
  return { has: false };
}

/** Visible text of a component (button label, placeholder). */
export function elementText(el: CardJson): string | undefined {
  const t = el.text;
  if (isObj(t) && typeof t.content === 'string') return t.content;
  return undefined;
}

/** Option values of a select-like component. */
export function optionValues(el: CardJson): string[] | undefined {
  if (!Array.isArray(el.options)) return undefined;
  return el.options
    .filter(isObj)
    .map((o) => o.value)
    .filter((v): v is string => typeof v === 'string');
}
