// A DingTalk group in the sandbox: the cards the server delivered through DingTalk's card API, drawn
// from their template variables (title, color, body, status, actions, reasons, inputs) in DingTalk's
// look. A click goes to the DingTalk module's click API (/dingtalk/cards/click): the card callback
// travels over Stream to the server, and its answer updates the card (public data) and tells the
// clicker alone (private data). The person acting is the one picked in 身份切换, found on DingTalk by name.
// The box at the bottom writes in the group as that person; with @线索旅程 the robot hears it over Stream
// (查询线索: ask about a lead by its 线索编号).
import { api, enc } from './api.js';
import { append, clear, h } from './dom.js';
import { applyI18n, t } from './i18n.js';
import { toast } from './toast.js';
import { stamp } from './tz.js';

const COLORS = {
  blue: '#1677ff',
  wathet: '#3c8cff',
  turquoise: '#0fb5ae',
  green: '#00b042',
  yellow: '#f5b400',
  orange: '#ff7d00',
  red: '#f54a45',
  carmine: '#d83931',
  violet: '#8b5cf6',
  purple: '#7c3aed',
  indigo: '#4f46e5',
  grey: '#8f959e',
};

const list = (json) => {
  try {
    const v = JSON.parse(json ?? '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
};

function fmtTime(ms) {
  return stamp(ms);
}

/** The body's lines as text; `@name` of the people the delivery @-mentions highlighted. */
function bodyNode(text, atNames) {
  const box = h('div', { class: 'dt-body' });
  for (const line of (text ?? '').split('\n')) {
    const p = h('p', {});
    let rest = line;
    for (const name of atNames) {
      const at = `@${name}`;
      const i = rest.indexOf(at);
      if (i < 0) continue;
      append(p, [rest.slice(0, i), h('span', { class: 'dt-at' }, at)]);
      rest = rest.slice(i + at.length);
    }
    append(p, [rest || (line ? '' : ' ')]);
    box.append(p);
  }
  return box;
}

export function dingTalkView(main, ctx, cid) {
  let cards = [];
  let messages = [];
  let shown = 0;
  const group = () => ctx.state.dingtalk?.groups.find((g) => g.openConversationId === cid);
  /** the acting person on DingTalk: the sandbox's people have the same names on both platforms */
  const actingDt = () => {
    const u = ctx.actingUser();
    return u ? ctx.state.dingtalk?.users.find((x) => x.name === u.name) : undefined;
  };

  async function click(card, actionId, el) {
    const user = ctx.actingUser();
    if (!user) return toast('warning', t('actAs.required'));
    const dt = actingDt();
    if (!dt) return toast('warning', t('dt.noAccount', { name: ctx.userName(user) }));
    const params = { op: actionId };
    for (const f of el.closest('.dt-card').querySelectorAll('[data-param]')) if (f.value !== '') params[f.dataset.param] = f.value;
    el.classList.add('busy');
    try {
      const res = await api.post('/dingtalk/cards/click', { outTrackId: card.outTrackId, userId: dt.userId, actionId, params });
      const mine = res.response?.userPrivateData?.cardParamMap;
      if (mine?.toast) toast(mine.toastType || 'info', mine.toast, { source: 'card' });
      if (!res.ok) toast('error', `${t('dt.failed')}: ${res.error ?? ''}`, { source: 'card' });
      await refresh();
    } catch (e) {
      toast('error', `${t('common.error')}: ${e.message}`);
    } finally {
      el.classList.remove('busy');
    }
  }

  function cardNode(card) {
    const d = card.cardData;
    const dt = actingDt();
    const mine = dt ? card.privateData[dt.userId] : undefined;
    const open = d.status === 'open';
    const reasons = list(d.reasons);
    const inputs = list(d.inputs);
    const actions = list(d.actions);
    const node = h(
      'div',
      { class: 'dt-card', style: `border-top-color: ${COLORS[d.color] ?? COLORS.blue}`, dataset: { outTrackId: card.outTrackId, status: d.status } },
      h('div', { class: 'dt-head' }, h('strong', {}, d.title ?? '')),
      bodyNode(d.body, Object.values(card.atUserIds)),
      open && reasons.length
        ? h(
            'select',
            { class: 'dt-select', dataset: { param: 'reason' }, 'aria-label': t('dt.reason') },
            h('option', { value: '' }, t('dt.reason')),
            reasons.map((r) => h('option', { value: r.value }, r.text)),
          )
        : null,
      open ? inputs.map((i) => h('input', { class: 'dt-input', dataset: { param: i.name }, placeholder: i.placeholder, maxlength: '200' })) : null,
      open && actions.length
        ? h(
            'div',
            { class: 'dt-actions' },
            actions.map((a) => h('button', { type: 'button', class: `dt-btn dt-${a.style}`, dataset: { action: a.id }, onclick: (e) => void click(card, a.id, e.currentTarget) }, a.text)),
          )
        : null,
      mine?.toast ? h('div', { class: `dt-private dt-${mine.toastType || 'info'}`, title: t('dt.privateHint') }, t('dt.onlyYou'), ' ', mine.toast) : null,
    );
    const at = Object.values(card.atUserIds);
    return h(
      'div',
      { class: 'msg', dataset: { outTrackId: card.outTrackId } },
      h('div', { class: 'avatar bot dt-avatar' }, '钉'),
      h(
        'div',
        { class: 'msg-main' },
        h(
          'div',
          { class: 'msg-meta' },
          h('strong', {}, t('dt.robot')),
          h('span', { class: 'tag-bot dt-tag' }, t('dt.badge')),
          h('span', { class: 'muted small' }, fmtTime(card.createdAt)),
          card.updates ? h('span', { class: 'badge badge-updated' }, t('dt.updated', { n: card.updates })) : null,
          at.length ? h('span', { class: 'muted small' }, t('dt.at', { names: at.join('、') })) : null,
        ),
        node,
      ),
    );
  }

  function messageNode(m) {
    return h(
      'div',
      { class: 'msg', dataset: { msgId: m.msgId } },
      h('div', { class: 'avatar' }, [...(m.name || '?')][0]),
      h(
        'div',
        { class: 'msg-main' },
        h('div', { class: 'msg-meta' }, h('strong', {}, m.name), h('span', { class: 'muted small' }, fmtTime(m.at))),
        h('div', { class: 'msg-body dt-said' }, m.atRobot ? h('span', { class: 'dt-at' }, `@${t('dt.robotName')} `) : null, m.text),
      ),
    );
  }

  async function say(form) {
    const user = ctx.actingUser();
    if (!user) return toast('warning', t('actAs.required'));
    const dt = actingDt();
    if (!dt) return toast('warning', t('dt.noAccount', { name: ctx.userName(user) }));
    const text = form.querySelector('input[name="text"]').value.trim();
    if (!text) return;
    try {
      const res = await api.post('/dingtalk/messages', { conversation: cid, userId: dt.userId, text, atRobot: form.querySelector('input[name="at"]').checked });
      if (!res.ok) toast('error', res.error ?? t('common.error'));
      else if (res.message?.atRobot && !res.delivered) toast('warning', t('dt.robotOffline'));
      form.reset();
      await refresh();
    } catch (e) {
      toast('error', `${t('common.error')}: ${e.message}`);
    }
  }

  /** The chat box: made once, so what is typed survives the re-renders live updates bring. */
  let box;
  function sayBox() {
    box ??= h(
      'form',
      {
        class: 'dt-say',
        onsubmit: (e) => {
          e.preventDefault();
          void say(e.currentTarget);
        },
      },
      h('label', { class: 'dt-at-toggle' }, h('input', { type: 'checkbox', name: 'at', checked: true }), h('span', { class: 'dt-at-label' })),
      h('input', { name: 'text', class: 'dt-input', maxlength: '500', autocomplete: 'off' }),
      h('button', { type: 'submit', class: 'dt-btn dt-primary' }),
    );
    box.querySelector('.dt-at-label').textContent = ` @${t('dt.robotName')}`;
    box.querySelector('input[name="text"]').placeholder = t('dt.sayPlaceholder');
    box.querySelector('button').textContent = t('dt.send');
    return box;
  }

  /** What was typed or picked in the cards' fields, by card and field, kept across a re-render. */
  function saveFields() {
    const saved = new Map();
    for (const f of main.querySelectorAll('.dt-card [data-param]')) saved.set(`${f.closest('.dt-card').dataset.outTrackId}|${f.dataset.param}`, f.value);
    return saved;
  }

  function render() {
    const saved = saveFields();
    const g = group();
    const user = ctx.actingUser();
    const dt = actingDt();
    const names = (g?.members ?? []).map((id) => ctx.state.dingtalk?.users.find((u) => u.userId === id)?.name ?? id);
    clear(main);
    const timeline = [...cards.map((c) => ({ at: c.createdAt, node: () => cardNode(c) })), ...messages.map((m) => ({ at: m.at, node: () => messageNode(m) }))].sort((a, b) => a.at - b.at);
    const items = h('div', { class: 'messages dt-messages' }, timeline.length ? timeline.map((x) => x.node()) : h('p', { class: 'empty' }, t('chat.empty')));
    append(main, [
      h(
        'div',
        { class: 'view-head' },
        h('div', { class: 'view-title' }, h('span', { class: 'dt-logo', 'aria-hidden': 'true' }, '钉'), h('strong', {}, g?.title ?? cid), h('span', { class: 'count' }, t('chat.members', { n: names.length }))),
        h('div', { class: 'view-actions' }, user ? h('span', { class: 'acting' }, t('actAs.hint', { name: ctx.userName(user) })) : null),
      ),
      h('p', { class: 'muted small' }, t('dt.explain')),
      h(
        'div',
        { class: 'members' },
        names.map((n) => h('span', { class: 'chip chip-person' }, n)),
      ),
      user && !dt ? h('p', { class: 'warn' }, t('dt.noAccount', { name: ctx.userName(user) })) : null,
      items,
      sayBox(),
    ]);
    for (const f of main.querySelectorAll('.dt-card [data-param]')) {
      const v = saved.get(`${f.closest('.dt-card').dataset.outTrackId}|${f.dataset.param}`);
      if (v !== undefined) f.value = v;
    }
    applyI18n(main);
    if (timeline.length > shown) items.lastElementChild?.scrollIntoView({ block: 'end' });
    shown = timeline.length;
  }

  async function refresh() {
    try {
      [cards, messages] = await Promise.all([api.get(`/dingtalk/cards?conversation=${enc(cid)}`), api.get(`/dingtalk/messages?conversation=${enc(cid)}`)]);
      render();
    } catch (e) {
      clear(main).append(h('p', { class: 'error' }, `${t('common.error')}: ${e.message}`));
    }
  }

  return {
    refresh,
    onBus: (type, ev) => type === 'dingtalk' && ev.conversation === cid,
    actingChanged: render,
  };
}
