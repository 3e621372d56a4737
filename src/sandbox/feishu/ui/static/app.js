// The sandbox page: navigation, the "act as" switch, language toggle, live updates (SSE with a
// polling fallback) and the current view (grid, chat or event log).
import { api, enc } from './api.js';
import { chatView } from './chat.js';
import { dingTalkView } from './dingtalk-chat.js';
import { append, clear, debounce, h } from './dom.js';
import { eventsView } from './events-panel.js';
import { gridView } from './grid.js';
import { applyI18n, lang, onLangChange, setLang, t } from './i18n.js';
import { toast } from './toast.js';
import { startTour } from './tour.js';
import { setTeamTimeZone, stampWithDay } from './tz.js';

const ACT_AS_KEY = 'sandbox.actAs';
let actAs = localStorage.getItem(ACT_AS_KEY) ?? '';
let view;
let live = false;
let tour;

const ctx = {
  state: { users: [], chats: [], p2p_chats: [], apps: [], modules: {} },
  bases: [],
  timezone: 'Asia/Shanghai',
  /** A person's name in the current language. */
  userName(u) {
    return lang() === 'en' ? u.en_name || u.name : u.name;
  },
  actingUser() {
    return this.state.users.find((u) => u.open_id === actAs);
  },
  /** act as someone else (the 身份切换 select, and the guided walk's buttons) */
  setActAs(openId) {
    actAs = openId;
    localStorage.setItem(ACT_AS_KEY, actAs);
    const sel = document.getElementById('act-as');
    if (sel) sel.value = actAs;
    view?.actingChanged();
  },
  cellCtx(appToken) {
    const base = this.bases.find((b) => b.app_token === appToken);
    return { tz: base?.time_zone ?? this.timezone, users: this.state.users };
  },
};

async function loadState() {
  ctx.state = await api.get('/ui/state');
  if (ctx.state.modules.bitable) {
    const [bases, config] = await Promise.all([api.get('/bases'), api.get('/bitable/config').catch(() => ({}))]);
    ctx.bases = bases;
    if (config?.timezone) ctx.timezone = config.timezone;
    setTeamTimeZone(ctx.timezone);
  }
  if (!ctx.actingUser()) actAs = ctx.state.users[0]?.open_id ?? '';
}

function renderActAs() {
  const sel = document.getElementById('act-as');
  sel.setAttribute('aria-label', t('actAs.label'));
  append(clear(sel), [
    ...(ctx.state.users.length ? [] : [h('option', { value: '' }, t('actAs.none'))]),
    ...ctx.state.users.map((u) => h('option', { value: u.open_id, selected: u.open_id === actAs }, u.job_title ? `${ctx.userName(u)} · ${u.job_title}` : ctx.userName(u))),
  ]);
  sel.value = actAs;
}

function link(href, label, extra) {
  const active = location.hash === href || location.hash.startsWith(`${href}/`);
  return h('a', { href, class: active ? 'active' : undefined, 'aria-current': active ? 'page' : undefined }, label, extra ? h('span', { class: 'count' }, extra) : null);
}

function renderNav() {
  const nav = document.getElementById('nav');
  const { modules } = ctx.state;
  const section = (titleKey, items, emptyKey, enabled = true) =>
    h('section', {}, h('h2', {}, t(titleKey)), !enabled ? h('p', { class: 'muted small' }, t('nav.moduleOff')) : items.length ? items : h('p', { class: 'muted small' }, t(emptyKey)));
  append(clear(nav), [
    section(
      'nav.bases',
      ctx.bases.map((b) =>
        h(
          'div',
          { class: 'nav-base' },
          h('div', { class: 'nav-base-name' }, b.name),
          b.tables.map((tb) => link(`#/base/${enc(b.app_token)}/${enc(tb.table_id)}`, tb.name, String(tb.record_count ?? ''))),
        ),
      ),
      'nav.noBases',
      modules.bitable,
    ),
    section(
      'nav.chats',
      ctx.state.chats.map((c) => link(`#/chat/${enc(c.chat_id)}`, c.name)),
      'nav.noChats',
      true,
    ),
    ctx.state.p2p_chats.length
      ? section(
          'nav.p2p',
          ctx.state.p2p_chats.map((c) => link(`#/chat/${enc(c.chat_id)}`, `${t('chat.bot')} ↔ ${c.name}`)),
          'nav.noChats',
        )
      : null,
    ctx.state.dingtalk?.active
      ? section(
          'nav.dingtalk',
          ctx.state.dingtalk.groups.map((g) => link(`#/dingtalk/${enc(g.openConversationId)}`, g.title)),
          'nav.noChats',
        )
      : null,
    h('section', {}, link('#/events', t('nav.events'))),
  ]);
}

function defaultRoute() {
  // Open a table that has rows (a new Base starts with an empty default table people rarely use).
  const b = ctx.bases.find((x) => x.tables.some((t) => t.record_count)) ?? ctx.bases.find((x) => x.tables.length);
  if (b) return `#/base/${enc(b.app_token)}/${enc((b.tables.find((t) => t.record_count) ?? b.tables[0]).table_id)}`;
  if (ctx.state.chats[0]) return `#/chat/${enc(ctx.state.chats[0].chat_id)}`;
  return '#/events';
}

async function route() {
  const main = document.getElementById('main');
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'base' && parts[1] && parts[2]) view = gridView(main, ctx, parts[1], parts[2], parts[3]);
  else if (parts[0] === 'chat' && parts[1]) view = chatView(main, ctx, parts[1]);
  else if (parts[0] === 'dingtalk' && parts[1]) view = dingTalkView(main, ctx, parts[1]);
  else if (parts[0] === 'events') view = eventsView(main, ctx);
  else {
    history.replaceState(null, '', defaultRoute());
    return route();
  }
  renderNav();
  await view.refresh();
}

function setLive(on, state) {
  live = on;
  const el = document.getElementById('live');
  el.dataset.state = state ?? (on ? 'on' : 'off');
  el.dataset.i18n = on ? 'live.on' : state === 'connecting' ? 'live.connecting' : 'live.off';
  el.textContent = t(el.dataset.i18n);
}

const refreshView = debounce(() => void view?.refresh(), 120);
const refreshNav = debounce(async () => {
  try {
    const users = ctx.state.users.map((u) => u.open_id).join();
    await loadState();
    renderNav();
    maybeStartTour();
    if (ctx.state.users.map((u) => u.open_id).join() !== users) renderActAs();
  } catch {
    /* the next poll retries */
  }
}, 250);

/** The guided walk, once the demo company's Base and group are there (npm start's sandbox provisions the Base after the page may have opened). */
function maybeStartTour() {
  const ready = ctx.bases.some((b) => b.tables.some((x) => x.name === '线索')) && ctx.state.chats.some((c) => c.name === '线索作战群');
  document.getElementById('tour-toggle').hidden = !ready && !tour;
  if (ready && !tour) tour = startTour(ctx);
}

const refreshTour = debounce(() => void tour?.refresh(), 600);

function onBus(type, data) {
  if (view?.onBus(type, data)) refreshView();
  if (type === 'bitable' || type === 'im') refreshTour();
  if (type === 'bitable' && data.actions?.some((a) => a.action !== 'record_edited')) refreshNav();
  if (type === 'dingtalk' && data.kind === 'new' && !ctx.state.dingtalk?.active) refreshNav();
  if (type === 'im' && data.kind === 'new' && !ctx.state.chats.some((c) => c.chat_id === data.chat_id) && !ctx.state.p2p_chats.some((c) => c.chat_id === data.chat_id)) refreshNav();
}

function connect() {
  if (typeof EventSource === 'undefined') return setLive(false);
  const es = new EventSource('/__control/ui/stream');
  es.addEventListener('open', () => setLive(true));
  es.addEventListener('error', () => setLive(false));
  for (const type of ['bitable', 'im', 'delivery', 'dingtalk']) {
    es.addEventListener(type, (e) => {
      let data = {};
      try {
        data = JSON.parse(e.data);
      } catch {
        /* ignore a malformed message */
      }
      onBus(type, data);
    });
  }
}

async function boot() {
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  const toggle = document.getElementById('lang-toggle');
  toggle.textContent = t('lang.toggle');
  toggle.addEventListener('click', () => setLang(lang() === 'en' ? 'zh' : 'en'));
  onLangChange(() => {
    toggle.textContent = t('lang.toggle');
    applyI18n(document);
    renderActAs();
    renderNav();
    tour?.render();
    void showTime();
    void view?.refresh();
  });
  // The sandbox's clock: the server's SLAs run on it, so moving it forward shows reminders and escalations.
  const showTime = async () => {
    try {
      const c = await api.get('/clock');
      const when = stampWithDay(c.now, lang());
      document.getElementById('sandbox-time').textContent = `${t('clock.now')} ${when}`;
    } catch {
      /* shown again at the next tick */
    }
  };
  document.getElementById('fast-forward').addEventListener('change', async (e) => {
    const ms = Number(e.target.value);
    e.target.value = '';
    if (!ms) return;
    try {
      await api.post('/clock/advance', { ms });
      toast('success', t('clock.moved'));
    } catch (err) {
      toast('error', err.message);
    }
    await showTime();
  });
  ctx.clockMoved = () => void showTime();
  void showTime();
  setInterval(() => void showTime(), 10_000);
  document.getElementById('act-as').addEventListener('change', (e) => ctx.setActAs(e.target.value));
  applyI18n(document);
  setLive(false, 'connecting');
  try {
    await loadState();
  } catch (e) {
    clear(document.getElementById('main')).append(h('p', { class: 'error' }, `${t('common.error')}: ${e.message}`));
    return;
  }
  renderActAs();
  window.addEventListener('hashchange', () => void route());
  await route();
  maybeStartTour();
  connect();
  // New bases, chats and people appear without events; pick them up, and poll the view when SSE is down.
  setInterval(() => {
    refreshNav();
    // with live updates the view and the walk follow the bus; polling only stands in when it is down
    if (!live) {
      refreshView();
      refreshTour();
    }
  }, 4000);
  document.body.dataset.ready = '1';
}

void boot();
