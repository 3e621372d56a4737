/**
 * What Feishu accepts in a card JSON 2.0, component by component: the properties each documented
 * component takes, their value types, and the few that only make sense in one place. Feishu refuses a
 * 2.0 card with an unknown component or an unsupported property ("传入不支持的属性将报错", card JSON 2.0
 * release notes), so the emulator does too, naming the path (the API answers 230099). The table of
 * what is checked is in docs/sandbox.md#card-json-20-checks.
 *
 * Sources (card JSON 2.0): structure https://open.feishu.cn/document/feishu-cards/card-json-v2-structure ;
 * components https://open.feishu.cn/document/feishu-cards/card-json-v2-components/ (one page each).
 */
type Json = Record<string, unknown>;

/** A value type: a JS type, a list of allowed strings, or a nested check. */
export type PropType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'text' | readonly string[] | ((v: unknown, path: string) => string | undefined);

export interface ComponentSpec {
  props: Record<string, PropType>;
  /** required properties */
  required?: readonly string[];
  /** where child components go, and which tags they may be (undefined: any component) */
  children?: { key: string; tags?: readonly string[] };
  /** properties documented only for a component inside a form */
  formOnly?: readonly string[];
  /** the component itself goes only inside a form */
  onlyInForm?: boolean;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every 2.0 component takes these. */
const COMMON: Record<string, PropType> = { tag: 'string', element_id: elementId, margin: 'string' };

function elementId(v: unknown): string | undefined {
  if (typeof v !== 'string') return 'must be a string';
  // documented: starts with a letter; letters, digits and underscores; at most 20 characters
  return /^[A-Za-z][A-Za-z0-9_]{0,19}$/.test(v) ? undefined : 'must start with a letter and hold at most 20 letters, digits or underscores';
}

const TEXT_TAGS = ['plain_text', 'lark_md'] as const;
const TEXT_PROPS: Record<string, PropType> = { tag: TEXT_TAGS, content: 'string', text_size: 'string', text_color: 'string', text_align: ['left', 'center', 'right'], lines: 'number', i18n_content: 'object' };

/** A text object `{tag: plain_text|lark_md, content}` (titles, placeholders, button labels). */
function textObject(v: unknown, path: string): string | undefined {
  if (!isObj(v)) return 'must be a text object {tag, content}';
  if (!TEXT_TAGS.includes(v.tag as (typeof TEXT_TAGS)[number])) return `${path}.tag must be plain_text or lark_md`;
  return checkProps(v, TEXT_PROPS, path);
}

/** Buttons, options, placeholders and labels take plain_text only. */
function plainText(v: unknown, path: string): string | undefined {
  if (isObj(v) && v.tag !== 'plain_text') return `${path}.tag must be plain_text`;
  return textObject(v, path);
}

const BEHAVIOR_TYPES: Record<string, Record<string, PropType>> = {
  callback: { type: 'string', value: 'object' },
  open_url: { type: 'string', default_url: 'string', pc_url: 'string', ios_url: 'string', android_url: 'string' },
};
const BEHAVIOR_REQUIRED: Record<string, string> = { callback: 'value', open_url: 'default_url' };
function behaviors(v: unknown, path: string): string | undefined {
  if (!Array.isArray(v)) return 'must be an array';
  for (const [i, b] of v.entries()) {
    const here = `${path}[${i}]`;
    if (!isObj(b) || typeof b.type !== 'string') return `${here} needs a type`;
    const spec = BEHAVIOR_TYPES[b.type];
    if (!spec) return `${here}.type "${b.type}" is not a behaviour (callback, open_url)`;
    const bad = checkProps(b, spec, here);
    if (bad) return bad;
    if (b[BEHAVIOR_REQUIRED[b.type]!] === undefined) return `${here} needs ${BEHAVIOR_REQUIRED[b.type]}`;
  }
  return undefined;
}

const confirm = (v: unknown, path: string) => (isObj(v) ? (checkProps(v, { title: plainText, text: plainText }, path) ?? (v.title === undefined ? `${path} needs a title` : undefined)) : 'must be an object {title, text}');

function options(v: unknown, path: string): string | undefined {
  if (!Array.isArray(v)) return 'must be an array';
  const seen = new Set<string>();
  for (const [i, o] of v.entries()) {
    const here = `${path}[${i}]`;
    if (!isObj(o)) return `${here} must be an object {text, value}`;
    const bad = checkProps(o, { text: plainText, value: 'string', icon: 'object' }, here);
    if (bad) return bad;
    if (typeof o.value !== 'string') return `${here}.value is required`;
    // the documents warn that duplicate values break the interaction
    if (seen.has(o.value)) return `${here}.value "${o.value}" repeats an earlier option`;
    seen.add(o.value);
  }
  return undefined;
}

const weight = (v: unknown) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 5 ? undefined : 'must be a whole number from 1 to 5');
const maxLength = (v: unknown) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1000 ? undefined : 'must be a whole number from 1 to 1000');
const ALIGN_H = ['left', 'center', 'right'] as const;
const ALIGN_V = ['top', 'center', 'bottom'] as const;
const BUTTON_TYPES = ['default', 'primary_filled', 'primary', 'danger_filled', 'danger', 'primary_text', 'danger_text', 'laser', 'text'] as const;
const WIDTH = 'string' as const;

/** The components a JSON 2.0 card may hold (the ones this product sends, and their close relatives). */
export const COMPONENTS: Record<string, ComponentSpec> = {
  markdown: { props: { ...COMMON, content: 'string', text_align: ALIGN_H, text_size: 'string', icon: 'object', i18n_content: 'object' }, required: ['content'] },
  div: { props: { ...COMMON, width: WIDTH, text: textObject, icon: 'object' } },
  hr: { props: { ...COMMON } },
  img: {
    props: { ...COMMON, img_key: 'string', alt: plainText, title: plainText, corner_radius: 'string', scale_type: ['crop_center', 'crop_top', 'fit_horizontal'], size: 'string', transparent: 'boolean', preview: 'boolean' },
    required: ['img_key', 'alt'],
  },
  chart: { props: { ...COMMON, aspect_ratio: ['1:1', '2:1', '4:3', '16:9'], color_theme: ['brand', 'rainbow', 'complementary', 'converse', 'primary'], chart_spec: 'object', preview: 'boolean', height: 'string' }, required: ['chart_spec'] },
  column_set: {
    props: { ...COMMON, horizontal_spacing: 'string', horizontal_align: ALIGN_H, flex_mode: ['none', 'stretch', 'flow', 'bisect', 'trisect'], background_style: 'string', columns: 'array', action: 'object' },
    required: ['columns'],
    children: { key: 'columns', tags: ['column'] },
  },
  column: {
    props: {
      ...COMMON,
      background_style: 'string',
      width: WIDTH,
      weight: weight,
      vertical_align: ALIGN_V,
      vertical_spacing: 'string',
      horizontal_align: ALIGN_H,
      horizontal_spacing: 'string',
      direction: ['vertical', 'horizontal'],
      padding: 'string',
      elements: 'array',
      action: 'object',
    },
    children: { key: 'elements' },
  },
  form: {
    props: { ...COMMON, name: 'string', elements: 'array', direction: ['vertical', 'horizontal'], padding: 'string', horizontal_spacing: 'string', vertical_spacing: 'string', horizontal_align: ALIGN_H, vertical_align: ALIGN_V },
    required: ['name', 'elements'],
    children: { key: 'elements' },
  },
  button: {
    props: {
      ...COMMON,
      type: BUTTON_TYPES,
      size: ['tiny', 'small', 'medium', 'large'],
      width: WIDTH,
      text: plainText,
      icon: 'object',
      hover_tips: plainText,
      disabled: 'boolean',
      disabled_tips: plainText,
      confirm,
      behaviors,
      name: 'string',
      form_action_type: ['submit', 'reset'],
    },
    formOnly: ['name', 'form_action_type'],
  },
  input: {
    props: {
      ...COMMON,
      name: 'string',
      required: 'boolean',
      disabled: 'boolean',
      placeholder: plainText,
      default_value: 'string',
      width: WIDTH,
      max_length: maxLength,
      input_type: ['text', 'multiline_text', 'password'],
      show_icon: 'boolean',
      rows: 'number',
      auto_resize: 'boolean',
      max_rows: 'number',
      label: plainText,
      label_position: ['top', 'left'],
      value: 'object',
      confirm,
      behaviors,
      disabled_tips: plainText,
    },
    formOnly: ['required'],
  },
  select_static: {
    props: { ...COMMON, name: 'string', required: 'boolean', disabled: 'boolean', type: ['default', 'text'], placeholder: plainText, initial_option: 'string', initial_index: 'number', options, width: WIDTH, confirm, behaviors },
    formOnly: ['required'],
  },
  multi_select_static: {
    props: { ...COMMON, name: 'string', required: 'boolean', disabled: 'boolean', type: ['default', 'text'], placeholder: plainText, selected_values: 'array', options, width: WIDTH, confirm, behaviors },
    formOnly: ['required'],
    onlyInForm: true,
  },
};

/** The card root, `config`, `header` and `body` of a 2.0 card. */
const ROOT: Record<string, PropType> = { schema: ['2.0'], config: 'object', card_link: 'object', header: 'object', body: 'object' };
const CONFIG: Record<string, PropType> = {
  update_multi: 'boolean',
  width_mode: ['compact', 'fill', 'default'],
  enable_forward: 'boolean',
  enable_forward_interaction: 'boolean',
  streaming_mode: 'boolean',
  streaming_config: 'object',
  summary: 'object',
  locales: 'array',
  use_custom_translation: 'boolean',
  style: 'object',
};
const HEADER_COLORS = ['blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine', 'violet', 'purple', 'indigo', 'grey', 'default'] as const;
const HEADER: Record<string, PropType> = { title: textObject, subtitle: textObject, text_tag_list: 'array', i18n_text_tag_list: 'object', template: HEADER_COLORS, icon: 'object', padding: 'string' };
const BODY: Record<string, PropType> = { elements: 'array', direction: ['vertical', 'horizontal'], padding: 'string', horizontal_spacing: 'string', vertical_spacing: 'string', horizontal_align: ALIGN_H, vertical_align: ALIGN_V };

function checkProps(obj: Json, spec: Record<string, PropType>, path: string): string | undefined {
  for (const [key, value] of Object.entries(obj)) {
    const type = spec[key];
    const here = path ? `${path}.${key}` : key;
    if (!type) return `${here}: unsupported property "${key}"`;
    const bad = checkValue(value, type, here);
    if (bad) return bad.startsWith(here) ? bad : `${here}: ${bad}`;
  }
  return undefined;
}

function checkValue(v: unknown, type: PropType, path: string): string | undefined {
  if (typeof type === 'function') return type(v, path);
  if (Array.isArray(type)) return typeof v === 'string' && type.includes(v) ? undefined : `must be one of ${type.join(', ')}`;
  if (type === 'text') return textObject(v, path);
  if (type === 'array') return Array.isArray(v) ? undefined : 'must be an array';
  if (type === 'object') return isObj(v) ? undefined : 'must be an object';
  return typeof v === type ? undefined : `must be a ${type}`;
}

/** Check the 2.0 card's root, config, header and body; a message naming the path, or undefined. */
export function checkCardFrame(card: Json): string | undefined {
  const bad = checkProps(card, ROOT, '');
  if (bad) return bad;
  if (card.config !== undefined) {
    const c = checkProps(card.config as Json, CONFIG, 'config');
    if (c) return c;
  }
  if (card.header !== undefined) {
    const h = checkProps(card.header as Json, HEADER, 'header');
    if (h) return h;
    if ((card.header as Json).title === undefined) return 'header: a header needs a title';
  }
  if (card.card_link !== undefined) {
    const l = checkProps(card.card_link as Json, { url: 'string', pc_url: 'string', ios_url: 'string', android_url: 'string' }, 'card_link');
    if (l) return l;
  }
  return checkProps(card.body as Json, BODY, 'body');
}

/**
 * Check one component against its spec: a known tag, only documented properties of the right types,
 * required ones present, form-only properties only inside a form, children of the allowed tags.
 */
export function checkComponent(el: Json, path: string, inForm: boolean): string | undefined {
  const tag = el.tag;
  if (typeof tag !== 'string') return `${path} has no tag`;
  const spec = COMPONENTS[tag];
  if (!spec) return `${path}: unknown component "${tag}"`;
  const bad = checkProps(el, spec.props, path);
  if (bad) return bad;
  for (const r of spec.required ?? []) if (el[r] === undefined) return `${path}: "${tag}" needs ${r}`;
  if (!inForm) for (const p of spec.formOnly ?? []) if (el[p] !== undefined) return `${path}.${p}: only a ${tag} inside a form takes "${p}"`;
  if (!inForm && spec.onlyInForm) return `${path}: a ${tag} goes only inside a form`;
  if (spec.children) {
    const list = el[spec.children.key];
    if (Array.isArray(list) && spec.children.tags) {
      for (const [i, child] of list.entries()) {
        if (!isObj(child) || !spec.children.tags.includes(child.tag as string)) return `${path}.${spec.children.key}[${i}]: a ${tag} holds only ${spec.children.tags.join(', ')}`;
      }
    }
  }
  if (tag === 'column' && !/\.columns\[\d+\]$/.test(path)) return `${path}: a column goes only inside a column_set`;
  if (tag === 'form' && !hasSubmit(el)) return `${path}: a form needs a button with form_action_type "submit"`;
  // containers nest at most 5 levels (card JSON 2.0 structure)
  const depth = (path.match(/\.(elements|columns)\[/g) ?? []).length;
  if (depth > 6) return `${path}: containers nest at most 5 levels`;
  return undefined;
}

function hasSubmit(el: Json): boolean {
  const list = [...(Array.isArray(el.elements) ? el.elements : []), ...(Array.isArray(el.columns) ? el.columns : [])];
  return list.some((c) => isObj(c) && ((c.tag === 'button' && c.form_action_type === 'submit') || hasSubmit(c)));
}
