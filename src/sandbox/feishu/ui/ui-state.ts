import { dingTalkOf } from '../../dingtalk/module.js';
import { getBitable } from '../bitable/module.js';
import { getEvents } from '../events/service.js';
import { getIm, type ImService } from '../im/service.js';
import type { EmuKernel } from '../kernel/kernel.js';
import type { CardRenderContext } from './card-html.js';
import { renderCard } from './card-html.js';
import { renderMessageContent } from './message-html.js';

/**
 * What the sandbox page reads in one go: which modules run, people, chats and apps (no secrets), and
 * chat messages with their cards already rendered to HTML. Bases, records, deliveries and clicks come
 * from the Bitable, events and IM modules' own control routes.
 */
function present(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

function imOf(k: EmuKernel): ImService | undefined {
  try {
    return getIm(k);
  } catch {
    return undefined;
  }
}

export function renderContext(k: EmuKernel): CardRenderContext {
  return {
    nameOf: (id) => {
      const u = k.directory.findUser(id, 'open_id') ?? k.directory.findUser(id, 'user_id') ?? k.directory.findUser(id, 'union_id');
      if (u) return u.name;
      return k.apps.list().find((a) => a.bot_open_id === id)?.name;
    },
  };
}

export function uiState(k: EmuKernel): Record<string, unknown> {
  const im = imOf(k);
  const p2p = new Map<string, { chat_id: string; app_id: string; open_id: string; name: string }>();
  for (const m of im?.messages() ?? []) {
    if (m.chat_type !== 'p2p' || p2p.has(m.chat_id)) continue;
    const info = im?.store.p2pInfo(m.chat_id);
    const user = info ? k.directory.findUser(info.open_id) : undefined;
    p2p.set(m.chat_id, { chat_id: m.chat_id, app_id: m.app_id, open_id: info?.open_id ?? '', name: user?.name ?? info?.open_id ?? m.chat_id });
  }
  return {
    modules: { bitable: present(() => getBitable(k)), im: Boolean(im), events: present(() => getEvents(k)) },
    now: k.clock.now(),
    users: k.directory.listUsers().map((u) => ({ open_id: u.open_id, user_id: u.user_id, name: u.name, en_name: u.en_name, ...(u.job_title ? { job_title: u.job_title } : {}), ...(u.email ? { email: u.email } : {}) })),
    chats: k.directory.listChats().map((c) => ({ chat_id: c.chat_id, name: c.name, ...(c.description ? { description: c.description } : {}), members: c.members, bots: c.bots })),
    p2p_chats: [...p2p.values()],
    dingtalk: dingTalkState(k),
    apps: k.apps.list().map((a) => ({
      app_id: a.app_id,
      name: a.name,
      bot_open_id: a.bot_open_id,
      event_url: a.event_url ?? null,
      card_url: a.card_url ?? null,
      event_mode: a.event_mode ?? 'webhook',
      callback_mode: a.callback_mode ?? 'webhook',
      encrypted: Boolean(a.encrypt_key),
    })),
  };
}

/** The DingTalk side (its people and groups), when the module runs; the page lists its groups. */
function dingTalkState(k: EmuKernel): { active: boolean; users: Array<{ userId: string; name: string }>; groups: Array<{ openConversationId: string; title: string; members: string[] }> } | null {
  let dt: ReturnType<typeof dingTalkOf>;
  try {
    dt = dingTalkOf(k);
  } catch {
    return null;
  }
  const { org } = dt;
  return {
    // in use: an app is connected over Stream, or cards were sent (otherwise the page leaves it out)
    active: dt.stream.list().length > 0 || org.cards.size > 0,
    users: [...org.users.values()].map((u) => ({ userId: u.userId, name: u.name })),
    groups: [...org.groups.values()].map((g) => ({ openConversationId: g.openConversationId, title: g.title, members: g.members })),
  };
}

/** Messages of one chat, oldest first, with rendered HTML for the current content and every card version. */
export function chatMessages(k: EmuKernel, chatId: string): Array<Record<string, unknown>> | undefined {
  const im = imOf(k);
  if (!im) return undefined;
  const ctx = renderContext(k);
  return im
    .messages({ chat_id: chatId })
    .sort((a, b) => a.create_time - b.create_time)
    .map((m) => ({
      message_id: m.message_id,
      chat_id: m.chat_id,
      msg_type: m.msg_type,
      app_id: m.app_id,
      sender_name: k.apps.get(m.app_id)?.name ?? m.app_id,
      create_time: m.create_time,
      update_time: m.update_time,
      updated: m.updated,
      mentions: m.mentions,
      html: renderMessageContent(m.msg_type, m.content, ctx),
      versions: m.versions.map((v) => ({ version: v.version, at: v.at, source: v.source, kind: v.kind, ...(v.note ? { note: v.note } : {}), html: renderCard(v.card, ctx) })),
    }));
}
