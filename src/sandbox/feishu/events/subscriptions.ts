/**
 * Per-file event subscriptions (docs/platform/feishu.md#36-bitable-record-changed-event): without `subscribe` on a Base no Bitable events
 * are sent to the app. Keyed by (app, file_token); `event_type` is optional and, when given, narrows
 * the subscription to that event type.
 */
export const FILE_TYPES = ['doc', 'docx', 'sheet', 'bitable', 'file', 'folder', 'slides'] as const;
export type FileType = (typeof FILE_TYPES)[number];

export interface Subscription {
  app_id: string;
  file_token: string;
  file_type: FileType;
  event_type?: string;
  /** emulator ms */
  created_at: number;
}

export class Subscriptions {
  private readonly subs = new Map<string, Subscription>();

  private static key(appId: string, fileToken: string): string {
    return `${appId}|${fileToken}`;
  }

  add(s: Subscription): void {
    this.subs.set(Subscriptions.key(s.app_id, s.file_token), s);
  }

  remove(appId: string, fileToken: string): boolean {
    return this.subs.delete(Subscriptions.key(appId, fileToken));
  }

  get(appId: string, fileToken: string): Subscription | undefined {
    return this.subs.get(Subscriptions.key(appId, fileToken));
  }

  /** Apps that should receive `eventType` for this file. */
  subscribers(fileToken: string, eventType: string): Subscription[] {
    return [...this.subs.values()].filter((s) => s.file_token === fileToken && (!s.event_type || s.event_type === eventType));
  }

  list(): Subscription[] {
    return [...this.subs.values()];
  }
}
