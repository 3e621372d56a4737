// One Bitable cell: how a value in read shape (docs/platform/feishu.md#23-record-values) is shown, which editor a field
// type gets, and the write-shape value the editor produces.
import { h, safeHref } from './dom.js';
import { t } from './i18n.js';
import { formatDate, fromInputValue, toInputValue } from './tz.js';

export const T = { Text: 1, Number: 2, Single: 3, Multi: 4, Date: 5, Checkbox: 7, User: 11, Phone: 13, Url: 15, Attachment: 17, Link: 18, Lookup: 19, Formula: 20, DuplexLink: 21, Location: 22, Group: 23 };

/** Types the grid can edit; the rest are read-only through the API or not editable here. */
const EDITABLE = new Set([T.Text, T.Number, T.Single, T.Multi, T.Date, T.Checkbox, T.User, T.Phone, T.Url]);

export function isEditable(field) {
  return EDITABLE.has(field.type);
}

export function typeLabel(field) {
  const specific = `ftype.${field.type}.${field.ui_type}`;
  const s = t(specific);
  if (s !== specific) return s;
  const generic = t(`ftype.${field.type}`);
  return generic === `ftype.${field.type}` ? t('ftype.unknown', { type: field.type }) : generic;
}

function options(field) {
  return Array.isArray(field.property?.options) ? field.property.options : [];
}

function chip(text, colorIndex) {
  return h('span', { class: `chip chip-${Math.abs(Number(colorIndex) || 0) % 10}` }, text);
}

function optionChip(field, name) {
  const i = options(field).findIndex((o) => o.name === name);
  const opt = options(field)[i];
  return chip(name, opt?.color ?? i);
}

function textOfSegments(v) {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) return '';
  return v.map((s) => (s && typeof s === 'object' ? (s.text ?? '') : String(s ?? ''))).join('');
}

function dateFormat(field) {
  return typeof field.property?.date_formatter === 'string' ? field.property.date_formatter : 'yyyy/MM/dd';
}

function hasTime(field) {
  return /H/.test(dateFormat(field));
}

function persons(v) {
  return Array.isArray(v) ? v.filter((p) => p && typeof p === 'object') : [];
}

/** The cell as shown in the grid: a DOM node built from text, never from HTML. */
export function displayCell(field, value, ctx) {
  if (field.type === T.Checkbox) return h('span', { class: `checkbox${value ? ' on' : ''}`, 'aria-checked': String(Boolean(value)), role: 'checkbox' }, value ? '✓' : '');
  if (value === undefined || value === null) return '';
  switch (field.type) {
    case T.Text: {
      if (!Array.isArray(value)) return String(value);
      return value.map((s) => {
        if (s?.type === 'mention') return h('span', { class: 'mention' }, s.text ?? `@${s.name ?? ''}`);
        if (s?.type === 'url') return h('span', { class: 'link-text', title: s.link ?? '' }, s.text ?? s.link ?? '');
        return s?.text ?? '';
      });
    }
    case T.Number:
      return h('span', { class: 'num' }, String(value));
    case T.Single:
      return optionChip(field, String(value));
    case T.Multi:
      return (Array.isArray(value) ? value : [value]).map((n) => optionChip(field, String(n)));
    case T.Date:
    case 1001:
    case 1002:
      return typeof value === 'number' ? formatDate(value, ctx.tz, field.type === T.Date ? dateFormat(field) : 'yyyy/MM/dd HH:mm') : String(value);
    case T.User:
    case 1003:
    case 1004:
      return persons(value).map((p) => h('span', { class: 'chip chip-person', title: p.id }, `@${p.name || p.id}`));
    case T.Url: {
      // Clicking the cell edits it; the small arrow opens the link.
      const href = safeHref(value?.link);
      const text = value?.text || value?.link || '';
      return [h('span', { class: 'link-text', title: value?.link ?? '' }, text), href ? h('a', { class: 'open-link', href, target: '_blank', rel: 'noopener noreferrer', title: href }, ' ↗') : null];
    }
    case T.Attachment:
      return persons(value).map((a) => chip(a.name ?? a.file_token, 9));
    case T.Link:
    case T.DuplexLink:
      return (value?.link_record_ids ?? []).map((id) => chip(id, 8));
    case T.Lookup:
    case T.Formula: {
      const inner = Array.isArray(value?.value) ? value.value : [value?.value];
      return inner.map((x) => (x && typeof x === 'object' ? (x.text ?? JSON.stringify(x)) : String(x ?? ''))).join(', ');
    }
    case T.Location:
      return typeof value === 'object' ? (value.full_address ?? value.name ?? value.location ?? '') : String(value);
    case T.Group:
      return persons(value).map((g) => chip(g.name || g.id, 7));
    case 1005:
    case T.Phone:
      return String(value);
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/** The current value in write shape, to skip writes that change nothing. */
export function writeShapeOf(field, value) {
  if (value === undefined || value === null) return null;
  switch (field.type) {
    case T.Text:
      return textOfSegments(value) || null;
    case T.User:
      return persons(value).map((p) => ({ id: p.id }));
    case T.Url:
      return { text: value.text, link: value.link };
    default:
      return value;
  }
}

export function sameValue(a, b) {
  const norm = (v) => (v === undefined || v === '' || (Array.isArray(v) && v.length === 0) ? null : v);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/**
 * Replace the cell's content with an editor. `done(value)` commits a write-shape value (null clears);
 * `done(undefined)` cancels.
 */
export function openEditor(td, field, value, ctx, done) {
  let finished = false;
  const finish = (v) => {
    if (finished) return;
    finished = true;
    done(v);
  };
  const keys = (el, read) => {
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !(e.shiftKey && el.tagName === 'TEXTAREA')) {
        e.preventDefault();
        finish(read());
      } else if (e.key === 'Escape') {
        e.preventDefault();
        finish(undefined);
      }
    });
    el.addEventListener('blur', () => finish(read()));
  };
  let editor;
  switch (field.type) {
    case T.Text:
    case T.Phone: {
      const text = field.type === T.Text ? textOfSegments(value) : (value ?? '');
      // Multi-line text keeps its line breaks: Shift+Enter adds one, Enter saves.
      editor = text.includes('\n') ? h('textarea', { class: 'cell-input', rows: '3', value: text }) : h('input', { class: 'cell-input', type: field.type === T.Phone ? 'tel' : 'text', value: text });
      keys(editor, () => editor.value || null);
      break;
    }
    case T.Number: {
      editor = h('input', { class: 'cell-input', type: 'number', step: 'any', value: value ?? '' });
      keys(editor, () => (editor.value === '' ? null : Number(editor.value)));
      break;
    }
    case T.Url: {
      editor = h('input', { class: 'cell-input', type: 'url', placeholder: 'https://', value: value?.link ?? '' });
      keys(editor, () => {
        const link = editor.value.trim();
        if (!link) return null;
        return { text: link === value?.link ? (value?.text ?? link) : link, link };
      });
      break;
    }
    case T.Date: {
      const withTime = hasTime(field);
      editor = h('input', { class: 'cell-input', type: withTime ? 'datetime-local' : 'date', value: typeof value === 'number' ? toInputValue(value, ctx.tz, withTime) : '' });
      keys(editor, () => (editor.value ? (fromInputValue(editor.value, ctx.tz) ?? null) : null));
      break;
    }
    case T.Single: {
      editor = h(
        'select',
        { class: 'cell-input' },
        h('option', { value: '' }, t('grid.clear')),
        options(field).map((o) => h('option', { value: o.name, selected: o.name === value }, o.name)),
      );
      if (value === undefined || value === null) editor.value = '';
      editor.addEventListener('change', () => finish(editor.value || null));
      keys(editor, () => editor.value || null);
      break;
    }
    case T.User: {
      const multiple = field.property?.multiple === true;
      const current = persons(value).map((p) => p.id);
      if (multiple) {
        editor = checklist(
          ctx.users.map((u) => ({ value: u.open_id, label: u.name, checked: current.includes(u.open_id) })),
          (vals) => finish(vals === undefined ? undefined : vals.length ? vals.map((id) => ({ id })) : null),
        );
        break;
      }
      editor = h(
        'select',
        { class: 'cell-input' },
        h('option', { value: '' }, t('grid.clear')),
        ctx.users.map((u) => h('option', { value: u.open_id, selected: current[0] === u.open_id }, u.name)),
      );
      if (!current.length) editor.value = '';
      editor.addEventListener('change', () => finish(editor.value ? [{ id: editor.value }] : null));
      keys(editor, () => (editor.value ? [{ id: editor.value }] : null));
      break;
    }
    case T.Multi: {
      const current = Array.isArray(value) ? value : [];
      editor = checklist(
        options(field).map((o) => ({ value: o.name, label: o.name, checked: current.includes(o.name) })),
        (vals) => finish(vals === undefined ? undefined : vals.length ? vals : null),
      );
      break;
    }
    default:
      finish(undefined);
      return;
  }
  td.replaceChildren(editor);
  td.classList.add('editing');
  const focusable = editor.matches('input,select') ? editor : editor.querySelector('input');
  focusable?.focus();
  if (editor.tagName === 'SELECT' && typeof editor.showPicker === 'function') {
    try {
      editor.showPicker();
    } catch {
      /* not allowed without a user gesture in some browsers */
    }
  }
}

/** A small pop-over of checkboxes with OK / Cancel, for multi-select and multi-person fields. */
function checklist(items, done) {
  const boxes = items.map((it) => h('label', { class: 'check-item' }, h('input', { type: 'checkbox', value: it.value, checked: it.checked }), ' ', it.label));
  const read = () =>
    boxes
      .map((b) => b.querySelector('input'))
      .filter((i) => i.checked)
      .map((i) => i.value);
  const pop = h(
    'div',
    { class: 'checklist', tabindex: '-1' },
    h('div', { class: 'check-items' }, boxes),
    h(
      'div',
      { class: 'check-actions' },
      h('button', { type: 'button', class: 'btn btn-primary btn-small', onclick: () => done(read()) }, t('grid.ok')),
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => done(undefined) }, t('grid.cancel')),
    ),
  );
  pop.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') done(undefined);
    if (e.key === 'Enter') done(read());
  });
  return pop;
}
