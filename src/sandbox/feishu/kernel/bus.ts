/**
 * In-process notifications between emulator modules: the Bitable module announces record changes,
 * the events module turns them into signed deliveries; the UI listens for live updates.
 */
export interface EventFieldValue {
  field_id: string;
  /** JSON-serialised string in the *event* shape (select = option id, date = ms string …; docs/platform/feishu.md §3.6) */
  field_value: string;
  field_identity_value?: {
    users: Array<{ user_id: { open_id: string; union_id: string; user_id: string }; name: string; en_name: string; avatar_url: string }>;
  };
}

export interface RecordChangeAction {
  record_id: string;
  action: 'record_added' | 'record_edited' | 'record_deleted';
  before_value: EventFieldValue[];
  after_value: EventFieldValue[];
}

export interface RecordChanged {
  appToken: string;
  tableId: string;
  revision: number;
  /** open_id of the person (UI edit) or of the app's bot (API write) who made the change */
  operatorOpenId: string;
  /** app id when the change came through the API */
  viaAppId?: string;
  actions: RecordChangeAction[];
  /** emulator ms */
  at: number;
}

export interface BusEvents {
  'bitable.record_changed': RecordChanged;
  'im.message': { messageId: string; chatId: string };
  'im.message_updated': { messageId: string; chatId: string };
  'event.delivered': { eventId: string; appId: string; attempt: number; status: number | 'timeout' | 'error' };
  /** a DingTalk group changed: a card delivered or updated, or someone wrote (the DingTalk module beside Feishu's) */
  'dingtalk.chat': { id: string; openConversationId: string; kind: 'new' | 'updated' };
}

type Listener<T> = (payload: T) => void;

export class Bus {
  private readonly listeners = new Map<keyof BusEvents, Set<Listener<never>>>();

  on<K extends keyof BusEvents>(name: K, fn: Listener<BusEvents[K]>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(fn as Listener<never>);
    return () => set.delete(fn as Listener<never>);
  }

  emit<K extends keyof BusEvents>(name: K, payload: BusEvents[K]): void {
    for (const fn of this.listeners.get(name) ?? []) (fn as Listener<BusEvents[K]>)(payload);
  }
}
