import { newId } from '../kernel/ids.js';
import type { CardJson, CardKind } from './card-parse.js';
import type { Mention } from './mentions.js';

/** Sent messages, their card versions, one-to-one chats and `uuid` dedupe (docs/platform/feishu.md §4.1–4.4). */
export type VersionSource = 'send' | 'patch' | 'callback' | 'card_update' | 'revert';

export interface CardVersion {
  /** 1 = as sent */
  version: number;
  /** emulator ms */
  at: number;
  source: VersionSource;
  kind: CardKind;
  card: CardJson;
  /** delayed updates of 1.0 cards apply only to these users (§4.6) */
  open_ids?: string[];
  note?: string;
}

export interface StoredMessage {
  message_id: string;
  chat_id: string;
  chat_type: 'group' | 'p2p';
  msg_type: string;
  /** the sending app */
  app_id: string;
  receive_id: string;
  receive_id_type: string;
  /** current content string */
  content: string;
  /** emulator ms */
  create_time: number;
  update_time: number;
  updated: boolean;
  uuid?: string;
  mentions: Mention[];
  /** interactive messages only: every state of the card, oldest first */
  versions: CardVersion[];
}

export const UUID_DEDUPE_MS = 60 * 60_000;

export class MessageStore {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly byUuid = new Map<string, { message_id: string; at: number }>();
  private readonly p2pByPair = new Map<string, string>();
  private readonly p2pById = new Map<string, { app_id: string; open_id: string }>();

  add(m: StoredMessage): void {
    this.messages.set(m.message_id, m);
    if (m.uuid) this.byUuid.set(`${m.app_id}|${m.uuid}`, { message_id: m.message_id, at: m.create_time });
  }

  get(id: string): StoredMessage | undefined {
    return this.messages.get(id);
  }

  /** The message a `uuid` already produced for this app within the last hour (§4.1). */
  dedupe(appId: string, uuid: string, now: number): StoredMessage | undefined {
    const hit = this.byUuid.get(`${appId}|${uuid}`);
    if (!hit || now - hit.at >= UUID_DEDUPE_MS) return undefined;
    return this.messages.get(hit.message_id);
  }

  list(filter: { chat_id?: string; app_id?: string; msg_type?: string } = {}): StoredMessage[] {
    return [...this.messages.values()].filter((m) => (!filter.chat_id || m.chat_id === filter.chat_id) && (!filter.app_id || m.app_id === filter.app_id) && (!filter.msg_type || m.msg_type === filter.msg_type));
  }

  /** The one-to-one chat between an app's bot and a user, created on first use. */
  p2pChat(appId: string, openId: string): string {
    const key = `${appId}|${openId}`;
    let id = this.p2pByPair.get(key);
    if (!id) {
      id = newId.chat();
      this.p2pByPair.set(key, id);
      this.p2pById.set(id, { app_id: appId, open_id: openId });
    }
    return id;
  }

  p2pInfo(chatId: string): { app_id: string; open_id: string } | undefined {
    return this.p2pById.get(chatId);
  }

  addVersion(m: StoredMessage, v: Omit<CardVersion, 'version'>): CardVersion {
    const version: CardVersion = { version: m.versions.length + 1, ...v };
    m.versions.push(version);
    m.content = JSON.stringify(v.card);
    m.update_time = v.at;
    m.updated = true;
    return version;
  }

  currentCard(m: StoredMessage): CardVersion | undefined {
    return m.versions[m.versions.length - 1];
  }
}
