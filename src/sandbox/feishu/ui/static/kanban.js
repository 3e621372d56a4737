// A kanban view of a Base table, as Feishu draws one: a column per option of the view's grouping field
// (a single select; the first one when the view names none) plus 未分组, a card per record showing its
// primary field and a few shown fields. Dragging a card to another column writes the grouping field as
// the acting person, through the same path as a cell edit (so the server hears it as a person's edit).
import { displayCell } from './cells.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const CARD_FIELDS = 3;

export function groupFieldOf(view, fields) {
  const id = view?.settings?.group_field_id;
  return (id && fields.find((f) => f.field_id === id)) || fields.find((f) => f.type === 3);
}

/**
 * @param o {{ fields, columns, records, view, cellCtx, onMove(record, groupField, optionName|null) }}
 */
export function kanbanBoard(o) {
  const group = groupFieldOf(o.view, o.fields);
  if (!group) return h('p', { class: 'empty' }, t('kanban.noGroupField'));
  const options = Array.isArray(group.property?.options) ? group.property.options.map((x) => x.name) : [];
  const keyOf = (r) => {
    const v = r.fields?.[group.field_name];
    return typeof v === 'string' && options.includes(v) ? v : null;
  };
  const primary = o.fields.find((f) => f.is_primary) ?? o.fields[0];
  const shownOnCard = o.columns.filter((f) => f !== primary && f !== group);
  const card = (r) => {
    const extra = shownOnCard.filter((f) => !isEmpty(r.fields?.[f.field_name])).slice(0, CARD_FIELDS);
    return h(
      'div',
      {
        class: 'kanban-card',
        draggable: 'true',
        tabindex: '0',
        dataset: { recordId: r.record_id },
        ondragstart: (e) => {
          e.dataTransfer.setData('text/plain', r.record_id);
          e.dataTransfer.effectAllowed = 'move';
        },
      },
      h('div', { class: 'kanban-title' }, displayCell(primary, r.fields?.[primary.field_name], o.cellCtx)),
      extra.map((f) => h('div', { class: 'kanban-field' }, h('span', { class: 'muted small' }, f.field_name), ' ', displayCell(f, r.fields?.[f.field_name], o.cellCtx))),
    );
  };
  const column = (name) => {
    const rows = o.records.filter((r) => keyOf(r) === name);
    return h(
      'section',
      {
        class: 'kanban-col',
        dataset: { group: name ?? '' },
        ondragover: (e) => {
          e.preventDefault();
          e.currentTarget.classList.add('drop');
        },
        ondragleave: (e) => e.currentTarget.classList.remove('drop'),
        ondrop: (e) => {
          e.preventDefault();
          e.currentTarget.classList.remove('drop');
          const rec = o.records.find((r) => r.record_id === e.dataTransfer.getData('text/plain'));
          if (rec && keyOf(rec) !== name) o.onMove(rec, group, name);
        },
      },
      h('h3', {}, name ?? t('kanban.ungrouped'), h('span', { class: 'count' }, String(rows.length))),
      rows.map(card),
    );
  };
  const hasUngrouped = o.records.some((r) => keyOf(r) === null);
  return h('div', { class: 'kanban', dataset: { groupField: group.field_name } }, options.map(column), hasUngrouped ? column(null) : null);
}

function isEmpty(v) {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}
