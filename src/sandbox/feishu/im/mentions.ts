import type { Directory } from '../kernel/directory.js';

/**
 * @-mentions in message content, recorded so tests can assert who was notified (docs/platform/feishu.md §4.1–4.2):
 * card markdown uses `<at id=ou_xxx></at>` (or `<at id=all></at>`); text messages use
 * `<at user_id="ou_xxx">Name</at>`.
 */
export interface Mention {
  /** `@_user_1`, … in order of appearance, as the message API reports them */
  key: string;
  /** open_id, user_id or `all` */
  id: string;
  id_type: 'open_id' | 'user_id' | 'union_id' | 'all';
  name: string;
  /** the user's open_id when the id resolved in the directory */
  open_id?: string;
}

const CARD_AT = /<at\s+id\s*=\s*["']?([^"'\s>]+)["']?\s*>/g;
const TEXT_AT = /<at\s+user_id\s*=\s*["']([^"']+)["']\s*>([^<]*)<\/at>/g;

export function extractMentions(content: string, dir: Directory): Mention[] {
  // Content is the JSON string; mentions sit inside JSON string values, where quotes are escaped.
  const text = content.replace(/\\"/g, '"');
  const found: Array<{ id: string; label?: string }> = [];
  for (const m of text.matchAll(CARD_AT)) found.push({ id: m[1]! });
  for (const m of text.matchAll(TEXT_AT)) found.push({ id: m[1]!, label: m[2] ?? '' });
  return found.map(({ id, label }, i) => {
    const key = `@_user_${i + 1}`;
    if (id === 'all') return { key, id, id_type: 'all', name: '所有人' };
    const u = dir.findUser(id, 'open_id') ?? dir.findUser(id, 'user_id') ?? dir.findUser(id, 'union_id');
    const idType = u ? (u.open_id === id ? 'open_id' : u.user_id === id ? 'user_id' : 'union_id') : id.startsWith('ou_') ? 'open_id' : id.startsWith('on_') ? 'union_id' : 'user_id';
    return { key, id, id_type: idType, name: u?.name ?? label ?? '', ...(u ? { open_id: u.open_id } : {}) };
  });
}

/**
 * The first card @-mention that names nobody Feishu knows (not `all`, not a user of the directory):
 * Feishu refuses such a card (230099, sub-code 100290 "There is an invalid user resource(at/person) in
 * your card", the send-message page). Undefined when every mention resolves.
 */
export function unknownCardMention(content: string, dir: Directory): string | undefined {
  const text = content.replace(/\\"/g, '"');
  for (const m of text.matchAll(CARD_AT)) {
    const id = m[1]!;
    if (id === 'all') continue;
    if (!(dir.findUser(id, 'open_id') ?? dir.findUser(id, 'user_id') ?? dir.findUser(id, 'union_id'))) return id;
  }
  return undefined;
}
