import { FeishuApiError, ok } from '../kernel/errors.js';
import type { EmuContext, EmuKernel } from '../kernel/kernel.js';
import { tenantKeyOf } from '../events/tenant.js';
import { fieldValidationFailed } from '../events/field-validation.js';

/**
 * GET /open-apis/im/v1/chats/:chat_id and GET /open-apis/im/v1/chats/:chat_id/members, from
 * kernel.directory. The bot must be in the chat. Members lists people only (bots are not members).
 */
const ID_TYPES = ['open_id', 'union_id', 'user_id'] as const;
type IdType = (typeof ID_TYPES)[number];

export function registerChatRoutes(k: EmuKernel): void {
  const chatOf = (c: EmuContext) => {
    const chat = k.directory.findChat(c.req.param('chat_id') ?? '');
    if (!chat) throw new FeishuApiError(232001, 'Your request contains an invalid request parameter, ext=invalid chat_id.', 400);
    if (!chat.bots.includes(c.get('appId'))) throw new FeishuApiError(232011, 'Operator can NOT be out of the chat.', 400);
    return chat;
  };
  const idType = (c: EmuContext, param: string): IdType | undefined => {
    const t = c.req.query(param) ?? 'open_id';
    return (ID_TYPES as readonly string[]).includes(t) ? (t as IdType) : undefined;
  };

  k.route({ method: 'GET', path: '/open-apis/im/v1/chats/:chat_id', key: 'im.chat.get', rate: ['im.read'] }, (c) => {
    const t = idType(c, 'user_id_type');
    if (!t) return fieldValidationFailed(c, [{ field: 'user_id_type', description: 'user_id_type must be open_id, union_id or user_id' }]);
    const chat = chatOf(c);
    const owner = chat.members[0] ? k.directory.findUser(chat.members[0]) : undefined;
    return ok(c, {
      avatar: `https://sandbox.invalid/chat/${chat.chat_id}.png`,
      name: chat.name,
      description: chat.description ?? '',
      ...(owner ? { owner_id: owner[t], owner_id_type: t } : {}),
      add_member_permission: 'all_members',
      share_card_permission: 'allowed',
      at_all_permission: 'all_members',
      edit_permission: 'all_members',
      chat_mode: 'group',
      chat_type: 'private',
      chat_tag: 'inner',
      external: false,
      tenant_key: tenantKeyOf(k),
      user_count: String(chat.members.length),
      bot_count: String(chat.bots.length),
    });
  });

  k.route({ method: 'GET', path: '/open-apis/im/v1/chats/:chat_id/members', key: 'im.chat.members', rate: ['im.read'] }, (c) => {
    const t = idType(c, 'member_id_type');
    if (!t) return fieldValidationFailed(c, [{ field: 'member_id_type', description: 'member_id_type must be open_id, union_id or user_id' }]);
    const pageSize = Number(c.req.query('page_size') ?? 20);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return fieldValidationFailed(c, [{ field: 'page_size', description: 'page_size must be 1–100' }]);
    const chat = chatOf(c);
    const start = c.req.query('page_token') ? Number(Buffer.from(c.req.query('page_token')!, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) throw new FeishuApiError(232001, 'Your request contains an invalid request parameter, ext=invalid page_token.', 400);
    const users = chat.members.map((id) => k.directory.findUser(id)).filter((u) => u !== undefined);
    const page = users.slice(start, start + pageSize);
    const hasMore = start + pageSize < users.length;
    return ok(c, {
      items: page.map((u) => ({ member_id_type: t, member_id: u[t], name: u.name, tenant_key: tenantKeyOf(k) })),
      has_more: hasMore,
      ...(hasMore ? { page_token: Buffer.from(String(start + pageSize)).toString('base64url') } : {}),
      member_total: users.length,
    });
  });
}
