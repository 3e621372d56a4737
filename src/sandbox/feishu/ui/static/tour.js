// 「试一试」: the guided walk on the first screen. Seven steps through the lead journey with the demo
// company (a lead from the web form is scored and routed, the rep takes it, a lead moves to SQL in the
// grid, the director approves, time passes an SLA, the report). Each step says what to do, has buttons
// that do the navigating (switch identity, open the table or the group), and ticks itself when what it
// asked for shows in the Base or the chat — it reads the same control API as the rest of the page.
import { api, enc } from './api.js';
import { append, clear, h } from './dom.js';
import { t } from './i18n.js';
import { toast } from './toast.js';

const LEADS = '线索';
const WAR_ROOM = '线索作战群';
/** a demo row that is at MQL with 李雷 following it at every start */
const GRID_LEAD = '华东精密仪器有限公司';
const DAY = 86_400_000;
/** the demo form (same origin) leaves the lead it made here */
export const FORM_LEAD_KEY = 'lj.tour.formLead';

const text = (v) => (Array.isArray(v) ? v.map((s) => s?.text ?? s?.name ?? '').join('') : typeof v === 'string' || typeof v === 'number' ? String(v) : '');

export function startTour(ctx) {
  const leadsRef = () => {
    for (const b of ctx.bases) {
      const tb = b.tables.find((x) => x.name === LEADS);
      if (tb) return { app: b.app_token, table: tb.table_id, views: tb.views ?? [] };
    }
    return undefined;
  };
  const chat = () => ctx.state.chats.find((c) => c.name === WAR_ROOM) ?? ctx.state.chats[0];
  const user = (name) => ctx.state.users.find((u) => u.name === name);
  // progress is per sandbox start (a new start makes a new Base): keyed by its token
  const key = () => `lj.tour.${leadsRef()?.app ?? 'none'}`;
  const saved = () => {
    try {
      return JSON.parse(localStorage.getItem(key()) ?? '{}');
    } catch {
      return {};
    }
  };
  const save = (patch) => localStorage.setItem(key(), JSON.stringify({ ...saved(), ...patch }));
  const formLead = () => {
    try {
      return JSON.parse(localStorage.getItem(FORM_LEAD_KEY) ?? 'null');
    } catch {
      return null;
    }
  };

  let facts = { rows: [], messages: [], now: 0 };
  let open = localStorage.getItem('lj.tour.closed') !== '1';
  let loading = false;
  const panel = h('aside', { id: 'tour', class: 'tour', 'aria-label': t('tour.title') });
  const layout = document.querySelector('.layout') ?? document.body;
  layout.append(panel);
  const toggle = document.getElementById('tour-toggle');

  const row = (company, id) => facts.rows.find((r) => (id ? text(r.fields?.['线索编号']) === id : true) && text(r.fields?.['公司名称']) === company);
  const myLead = () => {
    const f = formLead();
    return f ? row(f.company, f.id) : undefined;
  };
  /** the rep the lead's 新线索待认领 card @-mentions */
  const offeredRep = (leadId) => {
    for (const m of facts.messages) {
      if (m.msg_type !== 'interactive' || !m.versions?.some((v) => v.html.includes(leadId)) || !m.versions[0]?.html.includes('认领')) continue;
      const u = (m.mentions ?? []).map((x) => ctx.state.users.find((y) => y.open_id === (x.open_id ?? x.id))).find(Boolean);
      if (u) return u;
    }
    return undefined;
  };
  const overdueSince = (at) => facts.messages.some((m) => m.create_time >= at && /超时|overdue/i.test(m.html));

  function go(hash) {
    location.hash = hash;
  }
  /** a button that switches identity to `u` and then opens what the step needs */
  function actAsThen(u, labelKey, open) {
    return btn(t(labelKey, { name: u ? ctx.userName(u) : '—' }), () => {
      if (u) ctx.setActAs(u.open_id);
      open();
    });
  }
  const openLeads = (viewName) => {
    const l = leadsRef();
    if (!l) return;
    const v = viewName && l.views.find((x) => x.view_name === viewName);
    go(`#/base/${enc(l.app)}/${enc(l.table)}${v ? `/${enc(v.view_id)}` : ''}`);
  };
  const openChat = () => chat() && go(`#/chat/${enc(chat().chat_id)}`);

  const steps = () => {
    const lead = myLead();
    const f = formLead();
    const rep = f && offeredRep(f.id);
    const grid = row(GRID_LEAD);
    const s = saved();
    return [
      {
        id: 'form',
        done: Boolean(lead),
        title: t('tour.form.title'),
        body: t('tour.form.body'),
        actions: [h('a', { class: 'btn btn-primary btn-small', href: '/demo/form', target: '_blank', rel: 'noopener' }, t('tour.form.open'))],
        result: lead ? t('tour.form.result', { id: f.id, company: f.company }) : null,
      },
      {
        id: 'scored',
        done: Boolean(lead && text(lead.fields?.['线索评分'])),
        title: t('tour.scored.title'),
        body: t('tour.scored.body'),
        actions: [btn(t('tour.scored.grid'), () => openLeads('待审批')), btn(t('tour.openChat'), openChat)],
        result: lead && text(lead.fields?.['线索评分']) ? t('tour.scored.result', { score: text(lead.fields['线索评分']), grade: text(lead.fields['评分等级']), stage: text(lead.fields['阶段']), rep: rep ? ctx.userName(rep) : '…' }) : null,
      },
      {
        id: 'accept',
        done: Boolean(lead && (text(lead.fields?.['跟进人']) || /退回/.test(text(lead.fields?.['旅程备注'])))),
        title: t('tour.accept.title'),
        body: t('tour.accept.body', { rep: rep ? ctx.userName(rep) : t('tour.theRep') }),
        actions: [rep ? actAsThen(rep, 'tour.actAsOpenChat', openChat) : btn(t('tour.openChat'), openChat)],
      },
      {
        id: 'grid',
        done: Boolean(grid && (text(grid.fields?.['待审批']) || text(grid.fields?.['阶段']) === 'SQL')),
        title: t('tour.grid.title'),
        body: t('tour.grid.body', { company: GRID_LEAD, name: userName('李雷') }),
        actions: [actAsThen(user('李雷'), 'tour.actAsOpenTable', () => openLeads())],
      },
      {
        id: 'approve',
        done: Boolean(grid && text(grid.fields?.['阶段']) === 'SQL' && !text(grid.fields?.['待审批'])),
        title: t('tour.approve.title'),
        body: t('tour.approve.body', { company: GRID_LEAD, name: userName('王敏') }),
        actions: [actAsThen(user('王敏'), 'tour.actAsOpenChat', openChat)],
      },
      {
        id: 'sla',
        done: Boolean(s.forwardedAt && overdueSince(s.forwardedAt)),
        title: t('tour.sla.title'),
        body: t('tour.sla.body'),
        actions: [btn(t('tour.sla.day'), () => forward(DAY)), btn(t('tour.openChat'), openChat)],
        result: s.forwardedAt && !overdueSince(s.forwardedAt) ? t('tour.sla.nothingYet') : null,
      },
      {
        id: 'report',
        done: Boolean(s.reportOpened),
        title: t('tour.report.title'),
        body: t('tour.report.body'),
        actions: [h('a', { class: 'btn btn-primary btn-small', href: '/demo/report', target: '_blank', rel: 'noopener', onclick: reportOpened }, t('tour.report.open'))],
      },
    ];
  };
  function reportOpened() {
    save({ reportOpened: true });
    render();
  }
  function userName(name) {
    const u = user(name);
    return u ? ctx.userName(u) : name;
  }
  function btn(label, onclick) {
    return h('button', { type: 'button', class: 'btn btn-small', onclick }, label);
  }
  async function forward(ms) {
    try {
      const before = await api.get('/clock');
      save({ forwardedAt: before.now });
      await api.post('/clock/advance', { ms });
      ctx.clockMoved?.();
      toast('success', t('clock.moved'));
      openChat();
    } catch (e) {
      toast('error', e.message);
    }
  }

  function render() {
    toggle?.setAttribute('aria-expanded', String(open));
    panel.hidden = !open;
    layout.classList.toggle('tour-open', open);
    if (!open) return;
    const list = steps();
    const current = list.findIndex((s) => !s.done);
    const doneCount = list.filter((s) => s.done).length;
    append(clear(panel), [
      h(
        'div',
        { class: 'tour-head' },
        h('strong', {}, t('tour.title')),
        h('span', { class: 'muted small', id: 'tour-progress' }, t('tour.progress', { n: doneCount, total: list.length })),
        h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': t('tour.close'), title: t('tour.close'), onclick: () => setOpen(false) }, '✕'),
      ),
      h('p', { class: 'muted small' }, t('tour.intro')),
      h(
        'ol',
        { class: 'tour-steps' },
        list.map((s, i) =>
          h(
            'li',
            { class: `tour-step${s.done ? ' done' : ''}${i === current ? ' current' : ''}`, dataset: { step: s.id, done: s.done ? '1' : '0' } },
            h('div', { class: 'tour-step-title' }, h('span', { class: 'tour-num', 'aria-hidden': 'true' }, s.done ? '✓' : String(i + 1)), s.title),
            i === current || !s.done ? h('p', { class: 'tour-body' }, s.body) : null,
            s.result ? h('p', { class: 'tour-result' }, s.result) : null,
            h('div', { class: 'tour-actions' }, s.actions),
          ),
        ),
      ),
      current === -1 ? h('p', { class: 'tour-finished' }, t('tour.finished')) : null,
    ]);
  }
  function setOpen(v) {
    open = v;
    localStorage.setItem('lj.tour.closed', v ? '0' : '1');
    render();
    if (v) void refresh();
  }

  let again = false;
  /** Reads the Base and the group again; a call while a read is on its way runs once more after it (so a change that landed meanwhile is seen). Nothing is read once every step is done. */
  async function refresh() {
    if (!open) return;
    if (loading) {
      again = true;
      return;
    }
    const l = leadsRef();
    const c = chat();
    if (!l) return render();
    if (facts.rows.length && steps().every((x) => x.done)) return render();
    loading = true;
    try {
      const [recs, messages] = await Promise.all([api.get(`/bases/${enc(l.app)}/tables/${enc(l.table)}/records`), c ? api.get(`/ui/chats/${enc(c.chat_id)}/messages`) : []]);
      facts = { rows: recs.records, messages };
    } catch {
      /* the next refresh tries again */
    } finally {
      loading = false;
    }
    render();
    if (again) {
      again = false;
      void refresh();
    }
  }

  toggle?.addEventListener('click', () => setOpen(!open));
  window.addEventListener('storage', (e) => {
    if (e.key === FORM_LEAD_KEY) void refresh();
  });
  render();
  void refresh();
  return { refresh, render };
}
