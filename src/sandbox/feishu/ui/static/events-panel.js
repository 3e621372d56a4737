// Delivered events (events module's delivery log) and card callbacks (IM module's click log).
import { api, ApiError } from './api.js';
import { append, clear, h } from './dom.js';
import { t } from './i18n.js';
import { stamp } from './tz.js';

const LIMIT = 200;

function fmtTime(ms) {
  return stamp(ms, { seconds: true });
}

async function optional(path) {
  try {
    return await api.get(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

function json(v) {
  return h('pre', { class: 'json' }, JSON.stringify(v, null, 2));
}

/** A row that expands to show details when clicked. */
function expandable(cells, details, dataset) {
  const tr = h('tr', { class: 'expandable', dataset }, cells);
  tr.addEventListener('click', () => {
    const next = tr.nextElementSibling;
    if (next?.classList.contains('details')) return next.remove();
    tr.after(h('tr', { class: 'details' }, h('td', { colspan: String(cells.length) }, details())));
  });
  return tr;
}

export function eventsView(main, ctx) {
  const userName = (openId) => {
    const u = ctx.state.users.find((x) => x.open_id === openId);
    return u ? ctx.userName(u) : undefined;
  };
  const whoIs = (openId) => userName(openId) ?? ctx.state.apps.find((a) => a.bot_open_id === openId)?.name ?? openId ?? '';
  const appName = (appId) => ctx.state.apps.find((a) => a.app_id === appId)?.name ?? appId;

  function summary(d) {
    const ev = d.envelope?.event ?? {};
    if (d.event_type === 'drive.file.bitable_record_changed_v1') {
      return `${(ev.action_list ?? []).map((a) => `${a.action} ${a.record_id} (${(a.after_value ?? []).length || (a.before_value ?? []).length})`).join('; ')} · ${ev.table_id ?? ''}`;
    }
    return '';
  }

  function deliveriesTable(list) {
    if (!list.length) return h('p', { class: 'empty' }, t('events.none'));
    return h(
      'table',
      { class: 'log', id: 'deliveries' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['events.time', 'events.type', 'events.app', 'events.state', 'events.attempts', 'events.operator', 'events.summary'].map((k) => h('th', {}, t(k))),
        ),
      ),
      h(
        'tbody',
        {},
        list.map((d) => {
          const last = d.attempts.at(-1);
          const op = d.envelope?.event?.operator_id?.open_id ?? d.envelope?.event?.operator?.open_id;
          return expandable(
            [
              h('td', {}, fmtTime(d.created_at)),
              h('td', {}, h('code', {}, d.event_type)),
              h('td', {}, appName(d.app_id)),
              h('td', {}, h('span', { class: `state state-${d.state}` }, t(`events.state.${d.state}`))),
              h('td', {}, `${d.attempts.length}${last ? ` · ${last.status}` : ''}`),
              h('td', { dataset: { operator: op ?? '' } }, whoIs(op)),
              h('td', { class: 'small' }, summary(d)),
            ],
            () => h('div', {}, json(d.envelope), d.note ? h('p', { class: 'muted' }, d.note) : null, d.attempts.length ? json(d.attempts.map(({ body, ...a }) => a)) : null),
            { eventId: d.event_id, eventType: d.event_type },
          );
        }),
      ),
    );
  }

  function clicksTable(list) {
    if (!list.length) return h('p', { class: 'empty' }, t('events.none'));
    return h(
      'table',
      { class: 'log', id: 'clicks' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['events.time', 'events.operator', 'events.message', 'events.element', 'events.state', 'events.result'].map((k) => h('th', {}, t(k))),
        ),
      ),
      h(
        'tbody',
        {},
        list.map((c) =>
          expandable(
            [
              h('td', {}, fmtTime(c.at)),
              h('td', { dataset: { operator: c.operator_open_id } }, whoIs(c.operator_open_id)),
              h('td', { class: 'small' }, h('code', {}, c.message_id)),
              h('td', {}, `${c.element?.tag ?? ''} ${c.element?.text ?? c.element?.name ?? ''}`),
              h('td', {}, h('span', { class: `state ${c.ok ? 'state-acked' : 'state-failed'}` }, c.delivered ? `${t('events.delivered')} · ${c.status ?? ''}` : t('events.notDelivered'))),
              h('td', { class: 'small' }, [c.toast ? `toast: ${c.toast.content ?? ''}` : '', c.card_version ? `card v${c.card_version}` : '', c.error ? `${c.error_code ?? ''} ${c.error}` : '', c.reason ?? ''].filter(Boolean).join(' · ')),
            ],
            () => h('div', {}, c.request ? json(c.request.envelope) : null, c.response_body !== undefined ? h('pre', { class: 'json' }, c.response_body) : null),
            { clickId: c.click_id },
          ),
        ),
      ),
    );
  }

  /** Apps that receive over the long connection: its sockets, counters, and a switch that cuts them. */
  function longConnSection(lc) {
    const apps = ctx.state.apps.filter((a) => a.event_mode === 'long_connection' || a.callback_mode === 'long_connection');
    if (!apps.length) return null;
    const cut = async () => {
      await api.post('/longconn/drop', {});
      await refresh();
    };
    const s = lc.stats;
    return h(
      'div',
      { id: 'longconn' },
      h('h3', {}, t('events.longconn')),
      h('p', { class: 'muted' }, `${t('events.longconn.what')} ${t(lc.settings.recordEvents ? 'events.longconn.recordEvents' : 'events.longconn.noRecordEvents')}`),
      lc.connections.length
        ? h(
            'table',
            { class: 'log' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['events.app', 'events.longconn.since', 'events.longconn.pings'].map((k) => h('th', {}, t(k))),
              ),
            ),
            h(
              'tbody',
              {},
              lc.connections.map((c) => h('tr', { dataset: { connection: c.id } }, [h('td', {}, appName(c.app_id)), h('td', {}, fmtTime(c.connected_at)), h('td', {}, String(c.pings))])),
            ),
          )
        : h('p', { class: 'empty' }, t('events.longconn.none')),
      h(
        'p',
        { class: 'small' },
        `${t('events.longconn.handshakes')} ${s.handshakes} · ${t('events.longconn.refused')} ${s.handshakeRefusals + s.endpointRefusals} · ${t('events.longconn.messages')} ${s.messagesSent} · ${t('events.longconn.acks')} ${s.acks}`,
      ),
      h('button', { type: 'button', class: 'btn', id: 'longconn-drop', onclick: cut, disabled: !lc.connections.length }, t('events.longconn.drop')),
    );
  }

  async function refresh() {
    try {
      const [deliveries, clicks, lc] = await Promise.all([optional('/events/deliveries'), optional('/cards/clicks'), optional('/longconn')]);
      append(clear(main), [
        h('div', { class: 'view-head' }, h('div', { class: 'view-title' }, h('strong', {}, t('nav.events'))), h('div', { class: 'view-actions' }, h('button', { type: 'button', class: 'btn', onclick: refresh }, t('events.refresh')))),
        lc ? longConnSection(lc) : null,
        h('h3', {}, t('events.deliveries')),
        deliveries ? deliveriesTable(deliveries.slice(-LIMIT).reverse()) : h('p', { class: 'muted' }, t('nav.moduleOff')),
        h('h3', {}, t('events.clicks')),
        clicks ? clicksTable(clicks.slice(-LIMIT).reverse()) : h('p', { class: 'muted' }, t('nav.moduleOff')),
      ]);
    } catch (e) {
      clear(main).append(h('p', { class: 'error' }, `${t('common.error')}: ${e.message}`));
    }
  }

  return {
    refresh,
    onBus: (type) => (type === 'delivery' || type === 'im') && !main.querySelector('tr.details'),
    actingChanged: () => {},
  };
}
