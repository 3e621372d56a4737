// A Base table as an editable grid. Every change goes through the Bitable module's "act as user"
// control routes (/bases/:app/tables/:table/records…), i.e. the same service path as API writes,
// so it emits the same bitable_record_changed_v1 events with the acting user as operator.
import { api, enc } from './api.js';
import { displayCell, isEditable, openEditor, sameValue, typeLabel, writeShapeOf } from './cells.js';
import { append, clear, h } from './dom.js';
import { t } from './i18n.js';
import { toast } from './toast.js';
import { kanbanBoard } from './kanban.js';
import { formatDate } from './tz.js';

/** A Base table as its views show it: tabs for the table's views (grid or kanban), `viewRef` the one open. */
export function gridView(main, ctx, appToken, tableRef, viewRef) {
  let data; // {table, fields, records}
  let editing = false;
  let stale = false;
  const path = () => `/bases/${enc(appToken)}/tables/${enc(data?.table?.table_id ?? tableRef)}/records`;
  let fieldsOpen = false;
  /** the columns shown, worked out once per render (the rows use them too) */
  let columns = [];

  // Columns a person hid, per table, kept in this browser (as Feishu keeps a view's hidden fields); the
  // primary field is never hidden and always the first, frozen column.
  const hiddenKey = () => `lj.grid.hidden.${appToken}.${data.table.table_id}`;
  const hidden = () => {
    try {
      return new Set(JSON.parse(localStorage.getItem(hiddenKey()) ?? '[]'));
    } catch {
      return new Set();
    }
  };
  const setHidden = (set) => localStorage.setItem(hiddenKey(), JSON.stringify([...set]));
  const shown = () => {
    const h0 = hidden();
    const primary = data.fields.filter((f) => f.is_primary);
    return [...primary, ...data.fields.filter((f) => !f.is_primary && !h0.has(f.field_id))];
  };

  function fieldsMenu() {
    const h0 = hidden();
    return h(
      'div',
      { class: 'fields-menu', id: 'fields-menu', role: 'dialog', 'aria-label': t('grid.fields') },
      data.fields.map((f) =>
        h(
          'label',
          { class: 'check-item' },
          h('input', {
            type: 'checkbox',
            dataset: { fieldId: f.field_id },
            checked: f.is_primary || !h0.has(f.field_id),
            disabled: !!f.is_primary,
            onchange: (e) => {
              const next = hidden();
              if (e.target.checked) next.delete(f.field_id);
              else next.add(f.field_id);
              setHidden(next);
              render();
            },
          }),
          ' ',
          f.field_name,
          f.is_primary ? h('span', { class: 'muted small' }, ` (${t('grid.primary')})`) : null,
        ),
      ),
      h(
        'div',
        { class: 'check-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small',
            id: 'fields-show-all',
            onclick: () => {
              setHidden(new Set());
              render();
            },
          },
          t('grid.showAll'),
        ),
      ),
    );
  }

  /** the view open: the one in the address, else the table's first (its default grid, all rows) */
  const currentView = () => data?.table?.views?.find((v) => v.view_id === viewRef) ?? data?.table?.views?.[0];

  async function load() {
    const q = viewRef ? `?view=${enc(viewRef)}&viewer=${enc(ctx.actingUser()?.open_id ?? '')}` : '';
    data = await api.get(`/bases/${enc(appToken)}/tables/${enc(tableRef)}/records${q}`);
  }

  function tabs() {
    const views = data.table.views ?? [];
    if (views.length < 2) return null;
    const open = currentView();
    return h(
      'div',
      { class: 'view-tabs', role: 'tablist', 'aria-label': t('grid.views') },
      views.map((v) =>
        h(
          'a',
          {
            role: 'tab',
            href: `#/base/${enc(appToken)}/${enc(data.table.table_id)}/${enc(v.view_id)}`,
            class: v === open ? 'active' : undefined,
            'aria-selected': String(v === open),
            dataset: { viewId: v.view_id, viewType: v.view_type },
          },
          h('span', { class: 'view-icon', 'aria-hidden': 'true' }, v.view_type === 'kanban' ? '▥ ' : '▦ '),
          v.view_name,
        ),
      ),
    );
  }

  /** what the open view shows, said once under the tabs when it filters */
  function viewNote() {
    const v = currentView();
    if (!v || v === data.table.views?.[0]) return null;
    const me = v.settings?.current_user_field_id && data.fields.find((f) => f.field_id === v.settings.current_user_field_id);
    const u = ctx.actingUser();
    const parts = [];
    if (v.property?.filter_info?.conditions?.length) parts.push(t('grid.viewFiltered'));
    if (me) parts.push(t('grid.viewMine', { field: me.field_name, name: u ? ctx.userName(u) : '—' }));
    return parts.length ? h('p', { class: 'hint view-note', id: 'view-note' }, parts.join(' · ')) : null;
  }

  async function moveCard(record, groupField, option) {
    const op = operator();
    if (!op) return;
    await save(record, groupField, option ?? null, op);
    await refresh();
  }

  function operator() {
    const u = ctx.actingUser();
    if (!u) toast('warning', t('actAs.required'));
    return u?.open_id;
  }

  function header() {
    const base = ctx.bases.find((b) => b.app_token === appToken);
    const u = ctx.actingUser();
    return h(
      'div',
      { class: 'view-head' },
      h('div', { class: 'view-title' }, h('span', { class: 'muted' }, base?.name ?? appToken, ' / '), h('strong', {}, data.table.name), h('span', { class: 'count' }, t('grid.records', { n: data.records.length }))),
      h(
        'div',
        { class: 'view-actions' },
        u ? h('span', { class: 'acting' }, t('actAs.hint', { name: ctx.userName(u) })) : null,
        h(
          'span',
          { class: 'fields-anchor' },
          h(
            'button',
            {
              type: 'button',
              class: 'btn',
              id: 'grid-fields',
              'aria-expanded': String(fieldsOpen),
              onclick: () => {
                fieldsOpen = !fieldsOpen;
                render();
              },
            },
            t('grid.fields'),
            data.fields.length > columns.length ? ` · ${t('grid.hiddenCount', { n: data.fields.length - columns.length })}` : '',
          ),
          fieldsOpen ? fieldsMenu() : null,
        ),
        h('button', { type: 'button', class: 'btn btn-primary', id: 'add-record', onclick: addRecord }, '+ ', t('grid.add')),
      ),
    );
  }

  function th(field) {
    const opts = Array.isArray(field.property?.options) ? field.property.options.map((o) => o.name) : [];
    const tip = [field.description, opts.length ? `${t('grid.options')}: ${opts.join(' / ')}` : ''].filter(Boolean).join('\n');
    return h(
      'th',
      { class: field.is_primary ? 'frozen' : undefined, dataset: { fieldId: field.field_id, fieldType: field.type }, title: tip || undefined },
      h('div', { class: 'th-name' }, field.is_primary ? h('span', { class: 'primary-mark' }, '★ ') : null, field.field_name),
      h('div', { class: `th-type${isEditable(field) ? '' : ' ro'}` }, typeLabel(field), isEditable(field) ? '' : ` · ${t('grid.ro')}`),
    );
  }

  function cell(field, record) {
    const value = record.fields?.[field.field_name];
    const td = h('td', { class: `cell t${field.type}${isEditable(field) ? '' : ' ro'}${field.is_primary ? ' frozen' : ''}`, dataset: { recordId: record.record_id, fieldId: field.field_id, fieldName: field.field_name } });
    append(td, displayCell(field, value, ctx.cellCtx(appToken)));
    td.addEventListener('click', (e) => {
      if (e.target.closest('a') || td.classList.contains('editing')) return;
      void startEdit(td, field, record);
    });
    return td;
  }

  function row(record) {
    const mod = record.last_modified_by;
    return h(
      'tr',
      { dataset: { recordId: record.record_id } },
      columns.map((f) => cell(f, record)),
      h(
        'td',
        { class: 'meta', title: record.record_id },
        mod ? `${mod.name || mod.id}` : '',
        record.last_modified_time ? h('div', { class: 'muted small' }, formatDate(record.last_modified_time, ctx.cellCtx(appToken).tz, 'MM-dd HH:mm')) : null,
      ),
      h('td', { class: 'row-actions' }, h('button', { type: 'button', class: 'btn btn-icon', title: t('grid.delete'), 'aria-label': t('grid.delete'), dataset: { action: 'delete' }, onclick: () => deleteRecord(record) }, '✕')),
    );
  }

  function render() {
    clear(main);
    columns = shown();
    const v = currentView();
    if (v?.view_type === 'kanban') {
      const board = kanbanBoard({ fields: data.fields, columns, records: data.records, view: v, cellCtx: ctx.cellCtx(appToken), onMove: (r, f, o) => void moveCard(r, f, o) });
      append(main, [header(), tabs(), h('p', { class: 'hint' }, t('kanban.hint')), board]);
      return;
    }
    const table = h(
      'table',
      { class: 'grid', dataset: { appToken, tableId: data.table.table_id } },
      h('thead', {}, h('tr', {}, columns.map(th), h('th', { class: 'meta' }, t('grid.lastModified')), h('th', {}))),
      h('tbody', {}, data.records.map(row)),
    );
    append(main, [header(), tabs(), viewNote(), h('p', { class: 'hint' }, t('grid.editHint')), h('div', { class: 'grid-wrap' }, table), data.records.length ? null : h('p', { class: 'empty' }, t('grid.empty'))]);
  }

  function replaceRecord(rec) {
    const i = data.records.findIndex((r) => r.record_id === rec.record_id);
    if (i >= 0) data.records[i] = rec;
    const tr = main.querySelector(`tr[data-record-id="${CSS.escape(rec.record_id)}"]`);
    tr?.replaceWith(row(rec));
  }

  function startEdit(td, field, record) {
    if (!isEditable(field)) return toast('info', t('grid.readonly'));
    const op = operator();
    if (!op) return;
    const value = record.fields?.[field.field_name];
    if (field.type === 7) return save(record, field, !value, op);
    editing = true;
    openEditor(td, field, value, ctx.cellCtx(appToken), (next) => {
      editing = false;
      if (next === undefined || sameValue(next, writeShapeOf(field, value))) {
        td.classList.remove('editing');
        td.replaceChildren();
        append(td, displayCell(field, value, ctx.cellCtx(appToken)));
        if (stale) void refresh();
        return;
      }
      void save(record, field, next, op);
    });
  }

  async function save(record, field, value, op) {
    try {
      const rec = await api.post(`${path()}/${enc(record.record_id)}/edit`, { operator_open_id: op, fields: { [field.field_name]: value } });
      replaceRecord(rec);
      toast('success', t('grid.saved'), { timeout: 1500 });
    } catch (e) {
      toast('error', `${t('common.error')}: ${e.message}`);
      replaceRecord(record);
    }
    if (stale) void refresh();
  }

  async function addRecord() {
    const op = operator();
    if (!op) return;
    try {
      const rec = await api.post(path(), { operator_open_id: op, fields: {} });
      await refresh();
      toast('success', t('grid.added'), { timeout: 1500 });
      const primary = data.fields.find((f) => f.is_primary) ?? data.fields[0];
      const td = primary && main.querySelector(`td[data-record-id="${CSS.escape(rec.record_id)}"][data-field-id="${CSS.escape(primary.field_id)}"]`);
      if (td && primary) void startEdit(td, primary, data.records.find((r) => r.record_id === rec.record_id) ?? rec);
    } catch (e) {
      toast('error', `${t('common.error')}: ${e.message}`);
    }
  }

  async function deleteRecord(record) {
    const op = operator();
    if (!op || !confirm(t('grid.confirmDelete'))) return;
    try {
      await api.post(`${path()}/${enc(record.record_id)}/delete`, { operator_open_id: op });
      toast('success', t('grid.deleted'), { timeout: 1500 });
      await refresh();
    } catch (e) {
      toast('error', `${t('common.error')}: ${e.message}`);
    }
  }

  /** Newer rows exist but a cell editor is open: say so, and refresh when the edit ends. */
  function markStale() {
    stale = true;
    const hint = main.querySelector('p.hint');
    if (hint && !main.querySelector('#grid-stale')) hint.after(h('p', { class: 'hint stale', id: 'grid-stale', role: 'status' }, t('grid.staleWhileEditing')));
  }

  async function refresh() {
    if (editing) return markStale();
    stale = false;
    try {
      await load();
      // A cell editor opened while the rows were loading: rendering now would throw it away (and what
      // the person was typing with it). Keep it; the grid catches up when the edit ends.
      if (editing) return markStale();
      render();
    } catch (e) {
      clear(main).append(h('p', { class: 'error' }, `${t('grid.loadFailed')}: ${e.message}`));
    }
  }

  return {
    refresh,
    onBus(type, ev) {
      if (type === 'bitable' && ev.app_token === appToken && (!data || ev.table_id === data.table.table_id)) return true;
      return false;
    },
    // a "current user" view shows the acting person's rows: load them again
    actingChanged: () => (editing ? undefined : currentView()?.settings?.current_user_field_id ? void refresh() : render()),
  };
}
