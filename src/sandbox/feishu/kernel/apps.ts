import { newId } from './ids.js';

/** A self-built app registered in the emulated tenant, with its console settings. */
export interface EmuApp {
  app_id: string;
  app_secret: string;
  /** Console "Encrypt Key": when set, events/callbacks are AES-wrapped and signed (docs/platform/feishu.md §3.3–3.4). */
  encrypt_key?: string;
  /** Console "Verification Token": goes into header.token of every event (§3.1). */
  verification_token: string;
  /** Event request URL (事件订阅 → 请求地址). */
  event_url?: string;
  /** Card callback URL (回调配置), configured separately from events (§4.4). */
  card_url?: string;
  /**
   * Console 订阅方式 for events (事件配置) and for callbacks (回调配置): sent to the request URL, or over the
   * app's long connection (docs/platform/feishu.md §5.5). Webhook unless set.
   */
  event_mode?: ReceiveMode;
  callback_mode?: ReceiveMode;
  /** The bot's own open_id: the operator of writes made with the tenant token. */
  bot_open_id: string;
  name: string;
}

export type ReceiveMode = 'webhook' | 'long_connection';

export type NewApp = Partial<EmuApp>;

export class AppRegistry {
  private readonly apps = new Map<string, EmuApp>();

  add(a: NewApp = {}): EmuApp {
    const app: EmuApp = {
      app_id: a.app_id ?? newId.appId(),
      app_secret: a.app_secret ?? newId.uuid().replace(/-/g, ''),
      verification_token: a.verification_token ?? newId.uuid().replace(/-/g, ''),
      bot_open_id: a.bot_open_id ?? newId.openId(),
      name: a.name ?? '线索旅程 Bot',
      ...(a.encrypt_key !== undefined ? { encrypt_key: a.encrypt_key } : {}),
      ...(a.event_url !== undefined ? { event_url: a.event_url } : {}),
      ...(a.card_url !== undefined ? { card_url: a.card_url } : {}),
      ...(a.event_mode !== undefined ? { event_mode: a.event_mode } : {}),
      ...(a.callback_mode !== undefined ? { callback_mode: a.callback_mode } : {}),
    };
    this.apps.set(app.app_id, app);
    return app;
  }

  get(appId: string): EmuApp | undefined {
    return this.apps.get(appId);
  }

  update(appId: string, patch: Partial<Omit<EmuApp, 'app_id'>>): EmuApp {
    const app = this.apps.get(appId);
    if (!app) throw new Error(`unknown app ${appId}`);
    Object.assign(app, patch);
    return app;
  }

  list(): EmuApp[] {
    return [...this.apps.values()];
  }
}
