import { attr, esc, safeUrl } from './html.js';
import { mentionHtml, renderInline, renderMarkdown, type NameOf } from './card-markdown.js';

/**
 * A stored card (JSON 2.0, or 1.0) → HTML for the sandbox chat view (docs/platform/feishu.md#42-card-json-20). Pure: the
 * same card always renders the same markup. Card content is untrusted, so text goes through `esc` or
 * the markdown subset, attribute values are escaped and CSS comes from whitelists only.
 *
 * Interactive components carry `data-path` — the component's JSON path as the IM module's click API
 * takes it (`body.elements[2].elements[1]`; children under `elements`, `columns` and `actions`) — and
 * `data-tag`; the browser script turns user actions into `POST /__control/cards/click`.
 */
export interface CardRenderContext {
  /** directory lookup for `<at id=…>` and person components: open_id/user_id → display name */
  nameOf: NameOf;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const HEADER_TEMPLATES = new Set(['blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine', 'violet', 'purple', 'indigo', 'grey', 'default']);
const BUTTON_TYPES = new Set(['default', 'primary', 'danger', 'text', 'primary_text', 'danger_text', 'primary_filled', 'danger_filled', 'laser']);
const TEXT_COLORS = new Set(['default', 'red', 'green', 'grey', 'gray', 'blue', 'orange', 'yellow', 'purple', 'violet', 'turquoise', 'wathet', 'carmine', 'indigo']);
const ALIGN = new Set(['left', 'center', 'right']);
const TEXT_SIZES = new Set(['heading-0', 'heading-1', 'heading-2', 'heading-3', 'heading-4', 'heading', 'normal', 'notation', 'xxxx-large', 'xxx-large', 'xx-large', 'x-large', 'large', 'medium', 'small', 'x-small']);

export function renderCard(card: unknown, ctx: CardRenderContext): string {
  if (!isObj(card)) return '<div class="fc-card fc-card-invalid" data-i18n="card.invalid">无法显示的卡片</div>';
  if (card.type === 'template' && isObj(card.data)) {
    return `<div class="fc-card fc-card-ref"><span data-i18n="card.template">模板卡片</span> <code>${esc(card.data.template_id)}</code>${card.data.template_version_name ? ` <code>${esc(card.data.template_version_name)}</code>` : ''}</div>`;
  }
  if (card.type === 'card' && isObj(card.data)) return `<div class="fc-card fc-card-ref"><span data-i18n="card.cardRef">卡片实体</span> <code>${esc(card.data.card_id)}</code></div>`;
  const v2 = card.schema === '2.0';
  const root = v2 ? (isObj(card.body) && Array.isArray(card.body.elements) ? card.body.elements : []) : Array.isArray(card.elements) ? card.elements : [];
  const rootPath = v2 ? 'body.elements' : 'elements';
  return `<div class="fc-card"${attr('data-schema', v2 ? '2.0' : '1.0')}>${renderHeader(card.header, ctx)}<div class="fc-body">${renderElements(root, rootPath, ctx, false)}</div></div>`;
}

function renderHeader(h: unknown, ctx: CardRenderContext): string {
  if (!isObj(h)) return '';
  const tpl = str(h.template) && HEADER_TEMPLATES.has(h.template as string) ? (h.template as string) : 'default';
  const tags = Array.isArray(h.text_tag_list)
    ? h.text_tag_list
        .filter(isObj)
        .map((t) => `<span class="fc-tag fc-tag-${colorClass(t.color)}">${renderText(t.text, ctx)}</span>`)
        .join('')
    : '';
  const subtitle = h.subtitle ? `<div class="fc-subtitle">${renderText(h.subtitle, ctx)}</div>` : '';
  return `<div class="fc-header fc-tpl-${tpl}"><div class="fc-title">${renderText(h.title, ctx)}${tags}</div>${subtitle}</div>`;
}

function colorClass(c: unknown): string {
  return typeof c === 'string' && TEXT_COLORS.has(c) ? c : 'default';
}

/** A text object (`plain_text` / `lark_md`), or a bare string. */
export function renderText(t: unknown, ctx: CardRenderContext): string {
  if (typeof t === 'string') return plain(t);
  if (!isObj(t)) return '';
  const i18n = isObj(t.i18n_content) ? t.i18n_content : isObj(t.i18n) ? t.i18n : undefined;
  const content = str(t.content) ?? str(i18n?.zh_cn) ?? str(i18n?.en_us) ?? '';
  const body = t.tag === 'lark_md' || t.tag === 'markdown' ? renderInline(content, ctx.nameOf).replace(/\n/g, '<br>') : plain(content);
  const cls = [t.text_color !== undefined ? `fc-c-${colorClass(t.text_color)}` : '', typeof t.text_size === 'string' && TEXT_SIZES.has(t.text_size) ? `fc-size-${t.text_size}` : ''].filter(Boolean);
  return cls.length ? `<span class="${cls.join(' ')}">${body}</span>` : body;
}

function plain(s: string): string {
  return esc(s).replace(/\n/g, '<br>');
}

function renderElements(list: unknown, path: string, ctx: CardRenderContext, inForm: boolean): string {
  if (!Array.isArray(list)) return '';
  return list.map((el, i) => (isObj(el) ? renderElement(el, `${path}[${i}]`, ctx, inForm) : '')).join('');
}

function alignClass(el: Json): string {
  return typeof el.text_align === 'string' && ALIGN.has(el.text_align) ? ` fc-align-${el.text_align}` : '';
}

function renderElement(el: Json, path: string, ctx: CardRenderContext, inForm: boolean): string {
  const tag = str(el.tag) ?? '';
  const id = attr('data-element-id', str(el.element_id));
  switch (tag) {
    case 'markdown':
    case 'lark_md': {
      const size = typeof el.text_size === 'string' && TEXT_SIZES.has(el.text_size) ? ` fc-size-${el.text_size}` : '';
      return `<div class="fc-markdown${alignClass(el)}${size}"${id}>${renderMarkdown(str(el.content) ?? '', ctx.nameOf)}</div>`;
    }
    case 'plain_text':
      return `<div class="fc-text${alignClass(el)}"${id}>${renderText(el, ctx)}</div>`;
    case 'div': {
      const fields = Array.isArray(el.fields)
        ? `<div class="fc-fields">${el.fields
            .filter(isObj)
            .map((f) => `<div class="fc-field${f.is_short ? ' fc-field-short' : ''}">${renderText(f.text, ctx)}</div>`)
            .join('')}</div>`
        : '';
      return `<div class="fc-div${alignClass(el)}"${id}>${el.text !== undefined ? `<div class="fc-text">${renderText(el.text, ctx)}</div>` : ''}${fields}</div>`;
    }
    case 'hr':
      return `<hr class="fc-hr"${id}>`;
    case 'note':
      return `<div class="fc-note"${id}>${(Array.isArray(el.elements) ? el.elements : [])
        .filter(isObj)
        .map((n) => (n.tag === 'img' ? imgPlaceholder(n, ctx) : `<span>${renderText(n, ctx)}</span>`))
        .join(' ')}</div>`;
    case 'img':
    case 'image':
      return imgPlaceholder(el, ctx);
    case 'column_set':
      return `<div class="fc-columns"${id}>${(Array.isArray(el.columns) ? el.columns : []).map((col, j) => (isObj(col) ? renderColumn(col, `${path}.columns[${j}]`, ctx, inForm) : '')).join('')}</div>`;
    case 'column':
      return renderColumn(el, path, ctx, inForm);
    case 'action':
      return `<div class="fc-actions"${id}>${renderElements(el.actions, `${path}.actions`, ctx, inForm)}</div>`;
    case 'form':
      return `<form class="fc-form"${attr('data-form-path', path)}${attr('data-form-name', str(el.name))}${id} novalidate>${renderElements(el.elements, `${path}.elements`, ctx, true)}</form>`;
    case 'collapsible_panel': {
      const header = isObj(el.header) ? renderText(el.header.title, ctx) : '';
      return `<details class="fc-panel"${el.expanded === true ? ' open' : ''}${id}><summary>${header}</summary>${renderElements(el.elements, `${path}.elements`, ctx, inForm)}</details>`;
    }
    case 'button':
      return renderButton(el, path, ctx, inForm);
    case 'select_static':
    case 'multi_select_static':
    case 'select_person':
    case 'multi_select_person':
    case 'overflow':
      return renderSelect(el, tag, path, ctx);
    case 'input':
      return renderInput(el, path, ctx);
    case 'checker':
      return `<label class="fc-checker"${id}><input type="checkbox"${attr('data-tag', 'checker')}${attr('data-path', path)}${attr('name', str(el.name))}${attr('checked', el.checked === true)}${attr('disabled', el.disabled === true)}> ${renderText(el.text, ctx)}</label>`;
    case 'date_picker':
    case 'picker_time':
    case 'picker_datetime': {
      const type = tag === 'date_picker' ? 'date' : tag === 'picker_time' ? 'time' : 'datetime-local';
      const initial = str(el.initial_date) ?? str(el.initial_time) ?? str(el.initial_datetime)?.replace(' ', 'T');
      return `<label class="fc-picker"${id}>${el.placeholder ? `<span class="fc-label">${renderText(el.placeholder, ctx)}</span>` : ''}<input class="fc-input" type="${type}"${attr('data-tag', tag)}${attr('data-path', path)}${attr('name', str(el.name))}${attr('value', initial)}${attr('disabled', el.disabled === true)}></label>`;
    }
    case 'person':
      return `<span class="fc-person"${id}>${mentionHtml(str(el.user_id) ?? '', undefined, ctx.nameOf)}</span>`;
    case 'person_list':
      return `<div class="fc-person-list"${id}>${(Array.isArray(el.persons) ? el.persons : [])
        .filter(isObj)
        .map((p) => mentionHtml(str(p.id) ?? '', undefined, ctx.nameOf))
        .join(' ')}</div>`;
    case 'table':
      return renderTable(el, ctx);
    case 'chart':
      return renderChart(el, id);
    default:
      return `<div class="fc-unsupported"${id}><span data-i18n="card.unsupported">暂不支持的组件</span> <code>${esc(tag || '?')}</code></div>`;
  }
}

const CHART_RATIOS: Record<string, string> = { '1:1': '1 / 1', '2:1': '2 / 1', '4:3': '4 / 3', '16:9': '16 / 9' };

/**
 * The chart component (a VChart spec, docs/platform/feishu.md#421-chart-component): a placeholder carrying the
 * spec as data; the page draws it with VChart, the library Feishu's clients use (static/charts.js). The
 * box keeps the component's aspect ratio (16:9 by default) or its fixed height (1–999px).
 */
function renderChart(el: Json, id: string): string {
  const spec = isObj(el.chart_spec) ? el.chart_spec : {};
  const height = typeof el.height === 'string' && /^([1-9]\d{0,2})px$/.test(el.height) ? `height:${el.height}` : `aspect-ratio:${CHART_RATIOS[str(el.aspect_ratio) ?? ''] ?? CHART_RATIOS['16:9']}`;
  const title = isObj(spec.title) ? str(spec.title.text) : undefined;
  return `<div class="fc-chart"${id}${attr('data-chart-spec', JSON.stringify(spec))}${attr('data-color-theme', str(el.color_theme))} style="${height}"><span class="fc-chart-fallback"><span data-i18n="card.chart">图表</span>${title ? ` ${esc(title)}` : ''}</span></div>`;
}

function renderColumn(col: Json, path: string, ctx: CardRenderContext, inForm: boolean): string {
  let flex = '1 1 0';
  if (col.width === 'auto') flex = '0 0 auto';
  else if (typeof col.width === 'string' && /^\d{1,4}px$/.test(col.width)) flex = `0 0 ${col.width}`;
  else if (typeof col.weight === 'number' && Number.isInteger(col.weight) && col.weight >= 1 && col.weight <= 5) flex = `${col.weight} 1 0`;
  const va = col.vertical_align === 'center' || col.vertical_align === 'bottom' ? ` fc-va-${col.vertical_align}` : '';
  const bg = col.background_style === 'grey' || col.background_style === 'default' ? ` fc-bg-${col.background_style}` : '';
  return `<div class="fc-column${va}${bg}" style="flex:${flex}">${renderElements(col.elements, `${path}.elements`, ctx, inForm)}</div>`;
}

function imgPlaceholder(el: Json, ctx: CardRenderContext): string {
  const alt = isObj(el.alt) ? renderText(el.alt, ctx) : esc(str(el.img_key) ?? '');
  return `<span class="fc-img" title="${esc(str(el.img_key) ?? '')}"><span data-i18n="card.image">图片</span> ${alt}</span>`;
}

/** `behaviors` (2.0) or `value` / `url` (1.0): what a click does. */
function behaviors(el: Json): { callback: boolean; openUrl?: string } {
  let callback = false;
  let openUrl: string | undefined;
  if (Array.isArray(el.behaviors)) {
    for (const b of el.behaviors.filter(isObj)) {
      if (b.type === 'callback') callback = true;
      if (b.type === 'open_url') openUrl ??= safeUrl(b.default_url) ?? safeUrl(b.pc_url) ?? safeUrl(b.url);
    }
  } else {
    if (el.value !== undefined) callback = true;
    openUrl = safeUrl(el.url) ?? (isObj(el.multi_url) ? (safeUrl(el.multi_url.url) ?? safeUrl(el.multi_url.pc_url)) : undefined);
  }
  return { callback, ...(openUrl ? { openUrl } : {}) };
}

function renderButton(el: Json, path: string, ctx: CardRenderContext, inForm: boolean): string {
  const type = typeof el.type === 'string' && BUTTON_TYPES.has(el.type) ? el.type : 'default';
  const size = el.size === 'tiny' || el.size === 'small' || el.size === 'large' ? ` fc-btn-${el.size}` : '';
  const fill = el.width === 'fill' ? ' fc-btn-fill' : '';
  const b = behaviors(el);
  const confirm = isObj(el.confirm) ? el.confirm : undefined;
  const formAction = inForm && (el.form_action_type === 'submit' || el.form_action_type === 'reset') ? el.form_action_type : undefined;
  const label = el.text !== undefined ? renderText(el.text, ctx) : esc(str(el.name) ?? '');
  return (
    `<button type="button" class="fc-btn fc-btn-${type}${size}${fill}"` +
    attr('data-tag', 'button') +
    attr('data-path', path) +
    attr('data-element-id', str(el.element_id)) +
    attr('name', str(el.name)) +
    attr('data-form-action', formAction) +
    attr('data-callback', b.callback ? '1' : undefined) +
    attr('data-open-url', b.openUrl) +
    attr('data-confirm-title', confirm ? textOf(confirm.title) : undefined) +
    attr('data-confirm-text', confirm ? textOf(confirm.text) : undefined) +
    attr('disabled', el.disabled === true) +
    `>${label}</button>`
  );
}

/** Plain text of a text object, for attributes (escaped by `attr`). */
function textOf(t: unknown): string | undefined {
  if (typeof t === 'string') return t;
  return isObj(t) ? str(t.content) : undefined;
}

function renderSelect(el: Json, tag: string, path: string, ctx: CardRenderContext): string {
  const multi = tag.startsWith('multi_');
  const person = tag.endsWith('_person');
  const initial = new Set<string>([str(el.initial_option), ...(Array.isArray(el.selected_values) ? el.selected_values : [])].filter((v): v is string => typeof v === 'string'));
  const opts = (Array.isArray(el.options) ? el.options : []).filter(isObj).map((o) => {
    const value = str(o.value) ?? '';
    const label = person ? `@${ctx.nameOf(value) ?? value}` : (textOf(o.text) ?? value);
    return `<option${attr('value', value)}${attr('selected', initial.has(value))}>${esc(label)}</option>`;
  });
  const placeholder = tag === 'overflow' ? '…' : (textOf(el.placeholder) ?? '');
  const head = multi ? '' : `<option value="" disabled${initial.size ? '' : ' selected'}>${esc(placeholder)}</option>`;
  return (
    `<select class="fc-select${tag === 'overflow' ? ' fc-overflow' : ''}"` +
    attr('data-tag', tag) +
    attr('data-path', path) +
    attr('name', str(el.name)) +
    attr('multiple', multi) +
    attr('title', multi ? placeholder : undefined) +
    attr('data-required', el.required === true ? '1' : undefined) +
    attr('disabled', el.disabled === true) +
    `>${head}${opts.join('')}</select>`
  );
}

function renderInput(el: Json, path: string, ctx: CardRenderContext): string {
  const label = el.label !== undefined ? `<span class="fc-label">${renderText(el.label, ctx)}</span>` : '';
  const common =
    ` class="fc-input"` +
    attr('data-tag', 'input') +
    attr('data-path', path) +
    attr('name', str(el.name)) +
    attr('placeholder', textOf(el.placeholder)) +
    attr('maxlength', typeof el.max_length === 'number' ? el.max_length : undefined) +
    attr('data-required', el.required === true ? '1' : undefined) +
    attr('disabled', el.disabled === true);
  const value = str(el.default_value);
  const field =
    el.input_type === 'multiline_text'
      ? `<textarea${common} rows="${typeof el.rows === 'number' ? Math.min(10, Math.max(1, el.rows)) : 3}">${esc(value ?? '')}</textarea>`
      : `<input type="${el.input_type === 'password' ? 'password' : 'text'}"${common}${attr('value', value)}>`;
  return `<label class="fc-input-wrap">${label}${field}</label>`;
}

function renderTable(el: Json, ctx: CardRenderContext): string {
  const cols = (Array.isArray(el.columns) ? el.columns : []).filter(isObj);
  const rows = (Array.isArray(el.rows) ? el.rows : []).filter(isObj);
  const cell = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? esc(v) : Array.isArray(v) ? v.map((x) => (isObj(x) ? esc(x.text ?? x.name ?? '') : esc(x))).join(', ') : renderText(v, ctx));
  return `<table class="fc-table"><thead><tr>${cols.map((c) => `<th>${esc(c.display_name ?? c.name)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${cols.map((c) => `<td>${cell(r[str(c.name) ?? ''])}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}
