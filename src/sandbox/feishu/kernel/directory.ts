import { newId } from './ids.js';

/** People and group chats of the emulated tenant (contact + IM directory). */
export interface EmuUser {
  open_id: string;
  union_id: string;
  user_id: string;
  name: string;
  en_name: string;
  email?: string;
  mobile?: string;
  avatar_url: string;
  /** open_id of the user's leader (contact v3 `leader_user_id` is reported in the requested id type). */
  leader_open_id?: string;
  department_ids: string[];
  job_title?: string;
}

export interface EmuChat {
  chat_id: string;
  name: string;
  description?: string;
  /** open_ids of human members */
  members: string[];
  /** app_ids of bots in the chat; sending as a bot not in the chat fails with 230002 */
  bots: string[];
}

export type NewUser = Partial<Omit<EmuUser, 'name'>> & { name: string };

export class Directory {
  private readonly users = new Map<string, EmuUser>();
  private readonly chats = new Map<string, EmuChat>();

  addUser(u: NewUser): EmuUser {
    const user: EmuUser = {
      open_id: u.open_id ?? newId.openId(),
      union_id: u.union_id ?? newId.unionId(),
      user_id: u.user_id ?? newId.userId(),
      name: u.name,
      en_name: u.en_name ?? u.name,
      avatar_url: u.avatar_url ?? `https://sandbox.invalid/avatar/${encodeURIComponent(u.name)}.png`,
      department_ids: u.department_ids ?? [],
      ...(u.email !== undefined ? { email: u.email } : {}),
      ...(u.mobile !== undefined ? { mobile: u.mobile } : {}),
      ...(u.leader_open_id !== undefined ? { leader_open_id: u.leader_open_id } : {}),
      ...(u.job_title !== undefined ? { job_title: u.job_title } : {}),
    };
    this.users.set(user.open_id, user);
    return user;
  }

  /** Find a user by open_id, union_id or user_id, as `user_id_type` asks. */
  findUser(id: string, idType: 'open_id' | 'union_id' | 'user_id' = 'open_id'): EmuUser | undefined {
    if (idType === 'open_id') return this.users.get(id);
    for (const u of this.users.values()) if (u[idType] === id) return u;
    return undefined;
  }

  listUsers(): EmuUser[] {
    return [...this.users.values()];
  }

  addChat(c: Partial<EmuChat> & { name: string }): EmuChat {
    const chat: EmuChat = {
      chat_id: c.chat_id ?? newId.chat(),
      name: c.name,
      members: c.members ?? [],
      bots: c.bots ?? [],
      ...(c.description !== undefined ? { description: c.description } : {}),
    };
    this.chats.set(chat.chat_id, chat);
    return chat;
  }

  findChat(chatId: string): EmuChat | undefined {
    return this.chats.get(chatId);
  }

  listChats(): EmuChat[] {
    return [...this.chats.values()];
  }
}
