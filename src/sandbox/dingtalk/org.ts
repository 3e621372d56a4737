import { randomBytes, randomUUID } from 'node:crypto';

/**
 * The DingTalk organisation the emulator stands in for (docs/platform/dingtalk.md): internal apps
 * (AppKey, AppSecret, a robot whose robotCode is the AppKey), people (userId, the id send and @ APIs
 * take), group chats (openConversationId) with the robots added to them, access tokens, and the card
 * instances sent into groups, keyed by the app's outTrackId.
 */
export interface DtApp {
  appKey: string;
  appSecret: string;
  robotCode: string;
  name: string;
}
export interface DtUser {
  userId: string;
  unionId: string;
  name: string;
}
export interface DtGroup {
  openConversationId: string;
  title: string;
  members: string[];
  /** robotCodes of the robots added to the group (a card is delivered only where its robot is) */
  robots: string[];
}

/** A card's data: every value a string (docs/platform/dingtalk.md §2.1). */
export type ParamMap = Record<string, string>;

export interface DtCard {
  outTrackId: string;
  appKey: string;
  cardTemplateId: string;
  callbackType: 'STREAM' | 'HTTP';
  /** IM_GROUP.<openConversationId> */
  openSpaceId: string;
  openConversationId: string;
  /** userId → nickname, as the deliver model's atUserIds */
  atUserIds: Record<string, string>;
  cardData: ParamMap;
  /** userId → that person's private data */
  privateData: Record<string, ParamMap>;
  /** emulator ms */
  createdAt: number;
  updatedAt: number;
  /** how often it was updated (PUT, or a callback's answer) */
  updates: number;
}

/** What a person typed in a group (the sandbox page's chat box); `atRobot`: it @-mentions the app's robot. */
export interface DtChatMessage {
  msgId: string;
  openConversationId: string;
  userId: string;
  name: string;
  text: string;
  atRobot: boolean;
  /** emulator ms */
  at: number;
}

/** Tokens live 7,200 s (docs/platform/dingtalk.md §3). */
export const TOKEN_TTL_MS = 7_200_000;

export class DtOrg {
  /** told when a card is delivered or changed (the sandbox page's live updates) */
  onCard: (card: DtCard, kind: 'new' | 'updated') => void = () => {};
  /** told when someone writes in a group */
  onMessage: (message: DtChatMessage) => void = () => {};
  readonly corpId = `ding${randomBytes(8).toString('hex')}`;
  readonly apps = new Map<string, DtApp>();
  readonly users = new Map<string, DtUser>();
  readonly groups = new Map<string, DtGroup>();
  readonly cards = new Map<string, DtCard>();
  readonly messages: DtChatMessage[] = [];
  private readonly tokens = new Map<string, { appKey: string; expiresAt: number }>();

  addApp(o: Partial<DtApp> = {}): DtApp {
    const appKey = o.appKey ?? `ding${randomBytes(8).toString('hex')}`;
    const app: DtApp = { appKey, appSecret: o.appSecret ?? randomBytes(24).toString('base64url'), robotCode: o.robotCode ?? appKey, name: o.name ?? '线索旅程' };
    this.apps.set(appKey, app);
    return app;
  }

  addUser(o: { name: string; userId?: string }): DtUser {
    const user: DtUser = { userId: o.userId ?? String(10_000_000 + this.users.size * 7 + Math.floor(Math.random() * 7)), unionId: randomBytes(12).toString('base64url'), name: o.name };
    this.users.set(user.userId, user);
    return user;
  }

  addGroup(o: { title: string; members: string[]; robots: string[] }): DtGroup {
    const group: DtGroup = { openConversationId: `cid${randomBytes(16).toString('base64')}`, title: o.title, members: [...o.members], robots: [...o.robots] };
    this.groups.set(group.openConversationId, group);
    return group;
  }

  issueToken(appKey: string, now: number): { accessToken: string; expireIn: number } {
    const accessToken = randomUUID().replace(/-/g, '');
    this.tokens.set(accessToken, { appKey, expiresAt: now + TOKEN_TTL_MS });
    return { accessToken, expireIn: TOKEN_TTL_MS / 1000 };
  }

  /** The app a token belongs to, or undefined for an unknown or expired one. */
  appOfToken(token: string | undefined, now: number): DtApp | undefined {
    const t = token ? this.tokens.get(token) : undefined;
    if (!t || t.expiresAt <= now) return undefined;
    return this.apps.get(t.appKey);
  }

  /** Merge (by key) or replace a card's public data and the private data of the people named. */
  applyCardData(card: DtCard, o: { cardData?: ParamMap | undefined; privateData?: Record<string, ParamMap> | undefined; byKey: boolean; privateByKey: boolean }, now: number): void {
    if (o.cardData) card.cardData = o.byKey ? { ...card.cardData, ...o.cardData } : { ...o.cardData };
    for (const [userId, data] of Object.entries(o.privateData ?? {})) card.privateData[userId] = o.privateByKey ? { ...(card.privateData[userId] ?? {}), ...data } : { ...data };
    card.updatedAt = now;
    card.updates++;
    this.onCard(card, 'updated');
  }
}
