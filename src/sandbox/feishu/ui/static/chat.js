// A chat: its messages, cards rendered by the server from their stored JSON, and card interactions.
// Interactions go to the IM module's click API (/cards/click), which sends the signed
// card.action.trigger callback to the app's card_url and applies the toast / raw card it answers.
import { api, enc } from './api.js';
import { drawCharts } from './charts.js';
import { append, clear, h } from './dom.js';
import { applyI18n, lang, t } from './i18n.js';
import { toast } from './toast.js';
import { stamp } from './tz.js';

function fmtTime(ms) {
  return stamp(ms, { seconds: true });
}

/** Server-rendered, server-escaped markup (see ui/card-html.ts) → a fragment. */
function fromServerHtml(html) {
  const tpl = document.createElement('template');
  tpl.innerHTML = html;
  return tpl.content;
}

function pickToastText(toastObj) {
  const i18n = toastObj.i18n ?? {};
  return (lang() === 'en' ? (i18n.en_us ?? toastObj.content ?? i18n.zh_cn) : (i18n.zh_cn ?? toastObj.content ?? i18n.en_us)) ?? '';
}

/** The values of a card form, by component name (what Feishu sends as form_value). */
function formValues(form) {
  const out = {};
  for (const el of form.querySelectorAll('[name][data-tag]')) {
    const name = el.getAttribute('name');
    const tag = el.dataset.tag;
    if (tag === 'button') continue;
    if (tag === 'checker') out[name] = el.checked;
    else if (el.tagName === 'SELECT' && el.multiple) {
      const vals = [...el.selectedOptions].map((o) => o.value);
      if (vals.length) out[name] = vals;
    } else if (el.value !== '') out[name] = el.value;
  }
  return out;
}

export function chatView(main, ctx, chatId) {
  let messages = [];
  let shown = 0;
  const chat = () => ctx.state.chats.find((c) => c.chat_id === chatId) ?? ctx.state.p2p_chats.find((c) => c.chat_id === chatId);

  async function click(messageId, el, extra) {
    const user = ctx.actingUser();
    if (!user) return toast('warning', t('actAs.required'));
    el.classList.add('busy');
    try {
      const res = await api.post('/cards/click', { message_id: messageId, operator_open_id: user.open_id, path: el.dataset.path, ...extra });
      if (res.toast) toast(res.toast.type, pickToastText(res.toast), { source: 'card' });
      if (!res.ok) toast('error', `${t('card.callbackFailed')}${res.error_code ? ` (${res.error_code})` : ''}: ${res.error ?? ''}`, { source: 'card' });
      else if (!res.delivered && res.reason) toast('info', `${t('card.notSent')}: ${res.reason}`, { source: 'card' });
      for (const w of res.warnings ?? []) toast('warning', `${t('card.warning')}: ${w}`, { source: 'card', timeout: 8000 });
      await refresh();
    } catch (e) {
      toast('error', `${t('common.error')}: ${e.message}`);
    } finally {
      el.classList.remove('busy');
    }
  }

  function wire(list) {
    list.addEventListener('click', (e) => {
      const btn = e.target.closest('button[data-tag="button"]');
      const card = btn?.closest('.msg-card[data-message-id]');
      if (!btn || !card || btn.disabled || btn.classList.contains('busy')) return;
      const { confirmTitle, confirmText, openUrl, formAction, callback } = btn.dataset;
      if ((confirmTitle || confirmText) && !confirm([confirmTitle, confirmText].filter(Boolean).join('\n\n'))) return;
      if (openUrl) window.open(openUrl, '_blank', 'noopener,noreferrer');
      const form = btn.closest('form.fc-form');
      if (form && formAction === 'reset') return form.reset();
      if (form && formAction === 'submit') return void click(card.dataset.messageId, btn, { form_value: formValues(form) });
      if (callback) return void click(card.dataset.messageId, btn, {});
      if (!openUrl) toast('info', t('card.noCallback'));
    });
    list.addEventListener('change', (e) => {
      const el = e.target.closest('[data-tag]');
      const card = el?.closest('.msg-card[data-message-id]');
      if (!el || !card || el.closest('form.fc-form')) return; // form fields are sent with the submit button
      const tag = el.dataset.tag;
      if (tag === 'checker') return void click(card.dataset.messageId, el, { checked: el.checked });
      if (el.tagName === 'SELECT' && el.multiple) return void click(card.dataset.messageId, el, { options: [...el.selectedOptions].map((o) => o.value) });
      if (el.tagName === 'SELECT' || tag === 'date_picker' || tag === 'picker_time' || tag === 'picker_datetime') return void click(card.dataset.messageId, el, { option: el.value });
    });
    list.addEventListener('keydown', (e) => {
      const el = e.target.closest('input[data-tag="input"]');
      const card = el?.closest('.msg-card[data-message-id]');
      if (e.key !== 'Enter' || !el || !card || el.closest('form.fc-form')) return;
      e.preventDefault();
      void click(card.dataset.messageId, el, { input_value: el.value });
    });
    list.addEventListener('submit', (e) => e.preventDefault());
  }

  function messageNode(m) {
    const current = m.versions.at(-1);
    const older = m.versions.slice(0, -1).reverse();
    const isCard = m.msg_type === 'interactive';
    const versionBadge =
      isCard && current && current.version > 1
        ? h('span', { class: 'badge badge-updated', title: current.note ?? '', dataset: { version: current.version } }, `v${current.version} · `, t('chat.updated'), ' · ', t(`chat.source.${current.source}`))
        : null;
    const body = h('div', { class: isCard ? 'msg-card' : 'msg-body', dataset: { messageId: m.message_id, version: current?.version } });
    body.append(fromServerHtml(m.html));
    const history = older.length
      ? h(
          'details',
          { class: 'versions' },
          h('summary', {}, t('chat.versions', { n: older.length })),
          older.map((v) => {
            const box = h(
              'div',
              { class: 'version', inert: true, dataset: { version: v.version } },
              h('div', { class: 'muted small' }, t('chat.version', { n: v.version }), ' · ', t(`chat.source.${v.source}`), ' · ', fmtTime(v.at), v.note ? ` · ${v.note}` : ''),
            );
            box.append(fromServerHtml(v.html));
            return box;
          }),
        )
      : null;
    return h(
      'div',
      { class: 'msg', dataset: { messageId: m.message_id } },
      h('div', { class: 'avatar bot' }, [...(m.sender_name || 'B')][0]),
      h(
        'div',
        { class: 'msg-main' },
        h('div', { class: 'msg-meta' }, h('strong', {}, m.sender_name), h('span', { class: 'tag-bot' }, t('chat.bot')), h('span', { class: 'muted small' }, fmtTime(m.create_time)), versionBadge),
        body,
        history,
      ),
    );
  }

  /** Keep what the user typed or picked in cards that did not change across a re-render. */
  function saveInputs() {
    const saved = new Map();
    for (const el of main.querySelectorAll('.msg-card [data-path]:is(input,select,textarea)')) {
      const card = el.closest('.msg-card');
      const key = `${card.dataset.messageId}|${card.dataset.version}|${el.dataset.path}`;
      saved.set(key, el.type === 'checkbox' ? el.checked : el.multiple ? [...el.selectedOptions].map((o) => o.value) : el.value);
    }
    return saved;
  }

  function restoreInputs(saved) {
    for (const el of main.querySelectorAll('.msg-card [data-path]:is(input,select,textarea)')) {
      const card = el.closest('.msg-card');
      const key = `${card.dataset.messageId}|${card.dataset.version}|${el.dataset.path}`;
      if (!saved.has(key)) continue;
      const v = saved.get(key);
      if (el.type === 'checkbox') el.checked = v;
      else if (el.multiple) for (const o of el.options) o.selected = v.includes(o.value);
      else el.value = v;
    }
  }

  function render() {
    const saved = saveInputs();
    const c = chat();
    const user = ctx.actingUser();
    const members = c?.members ?? (c?.open_id ? [c.open_id] : []);
    const memberNames = members.map((id) => {
      const u = ctx.state.users.find((x) => x.open_id === id);
      return u ? ctx.userName(u) : id;
    });
    const notMember = user && c?.members && !c.members.includes(user.open_id);
    clear(main);
    const list = h('div', { class: 'messages' }, messages.length ? messages.map(messageNode) : h('p', { class: 'empty' }, t('chat.empty')));
    wire(list);
    append(main, [
      h(
        'div',
        { class: 'view-head' },
        h('div', { class: 'view-title' }, h('strong', {}, c?.name ?? chatId), h('span', { class: 'count' }, t('chat.members', { n: members.length }))),
        h('div', { class: 'view-actions' }, user ? h('span', { class: 'acting' }, t('actAs.hint', { name: ctx.userName(user) })) : null),
      ),
      h(
        'div',
        { class: 'members' },
        memberNames.map((n) => h('span', { class: 'chip chip-person' }, n)),
      ),
      notMember ? h('p', { class: 'warn' }, t('chat.notMember', { name: ctx.userName(user) })) : null,
      list,
    ]);
    applyI18n(main);
    restoreInputs(saved);
    void drawCharts(list);
    if (messages.length > shown) list.lastElementChild?.scrollIntoView({ block: 'end' });
    shown = messages.length;
  }

  async function refresh() {
    try {
      messages = await api.get(`/ui/chats/${enc(chatId)}/messages`);
      render();
    } catch (e) {
      clear(main).append(h('p', { class: 'error' }, `${t('common.error')}: ${e.message}`));
    }
  }

  return {
    refresh,
    onBus: (type, ev) => type === 'im' && ev.chat_id === chatId,
    actingChanged: render,
  };
}
