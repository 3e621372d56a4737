import type { Db } from './db.js';

/** A card the server sent to a chat, and what became of it (migration 006). */
export type CardKind = 'approval' | 'assignment';
export type CardStatus = 'open' | 'done' | 'void';

export interface CardRow {
  id: number;
  kind: CardKind;
  leadId: number;
  chatId: string;
  uuid: string;
  messageId: string | null;
  status: CardStatus;
  subject: Record<string, unknown>;
  action: string | null;
  actedBy: string | null;
  actedAt: Date | null;
  detail: Record<string, unknown> | null;
  createdAt: Date;
}

interface Raw {
  id: number;
  kind: CardKind;
  lead_id: number;
  chat_id: string;
  uuid: string;
  message_id: string | null;
  status: CardStatus;
  subject_json: string;
  action: string | null;
  acted_by: string | null;
  acted_at: number | null;
  detail_json: string | null;
  created_at: number;
}

const toRow = (r: Raw): CardRow => ({
  id: r.id,
  kind: r.kind,
  leadId: r.lead_id,
  chatId: r.chat_id,
  uuid: r.uuid,
  messageId: r.message_id,
  status: r.status,
  subject: JSON.parse(r.subject_json) as Record<string, unknown>,
  action: r.action,
  actedBy: r.acted_by,
  actedAt: r.acted_at === null ? null : new Date(r.acted_at),
  detail: r.detail_json === null ? null : (JSON.parse(r.detail_json) as Record<string, unknown>),
  createdAt: new Date(r.created_at),
});

export type CardsRepo = ReturnType<typeof createCardsRepo>;

export function createCardsRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO cards (kind, lead_id, chat_id, uuid, status, subject_json, created_at, updated_at)
     VALUES (@kind, @leadId, @chatId, @uuid, 'open', @subject, @now, @now) ON CONFLICT(uuid) DO NOTHING`,
  );
  const byId = db.prepare<[number], Raw>('SELECT * FROM cards WHERE id = ?');
  const byUuid = db.prepare<[string], Raw>('SELECT * FROM cards WHERE uuid = ?');
  const byMessage = db.prepare<[string], Raw>('SELECT * FROM cards WHERE message_id = ?');
  const openFor = db.prepare<[number, string], Raw>("SELECT * FROM cards WHERE lead_id = ? AND kind = ? AND status = 'open' ORDER BY id");
  const setMessage = db.prepare('UPDATE cards SET message_id = @messageId, updated_at = @now WHERE uuid = @uuid AND message_id IS NULL');
  const close = db.prepare(`UPDATE cards SET status = @status, action = @action, acted_by = @by, acted_at = @now, detail_json = @detail, updated_at = @now WHERE id = @id AND status = 'open'`);
  // a closed card is not sent again before its 14 days are up (lead-cards: card.renew)
  const endRenewal = db.prepare(`UPDATE timers SET status = 'cancelled' WHERE dedupe_key = @key AND status = 'pending'`);
  const addDetail = db.prepare(`UPDATE cards SET detail_json = json_patch(COALESCE(detail_json, '{}'), @patch), updated_at = @now WHERE id = @id`);
  return {
    /** Record a card about to be sent; the same uuid twice returns the first row. */
    create(c: { kind: CardKind; leadId: number; chatId: string; uuid: string; subject: Record<string, unknown>; now: Date }): CardRow {
      insert.run({ kind: c.kind, leadId: c.leadId, chatId: c.chatId, uuid: c.uuid, subject: JSON.stringify(c.subject), now: c.now.getTime() });
      return toRow(byUuid.get(c.uuid)!);
    },
    get: (id: number): CardRow | undefined => {
      const r = byId.get(id);
      return r && toRow(r);
    },
    getByUuid: (uuid: string): CardRow | undefined => {
      const r = byUuid.get(uuid);
      return r && toRow(r);
    },
    getByMessageId: (messageId: string): CardRow | undefined => {
      const r = byMessage.get(messageId);
      return r && toRow(r);
    },
    openFor: (leadId: number, kind: CardKind): CardRow[] => openFor.all(leadId, kind).map(toRow),
    /** Feishu accepted the send: remember its message id (for callbacks and in-place updates). */
    setMessageId: (uuid: string, messageId: string, now: Date): void => void setMessage.run({ uuid, messageId, now: now.getTime() }),
    /**
     * Close an open card: true for the one caller that did it, false when it was already closed (the
     * caller then tells the person who acted first). This is the exactly-once point of card actions.
     */
    close(id: number, c: { status: 'done' | 'void'; action: string; by: string; detail?: Record<string, unknown>; now: Date }): boolean {
      const closed = close.run({ id, status: c.status, action: c.action, by: c.by, detail: c.detail ? JSON.stringify(c.detail) : null, now: c.now.getTime() }).changes === 1;
      if (closed) endRenewal.run({ key: `card-renew:${id}` });
      return closed;
    },
    /** Add what the action led to (a return's next steps) to a closed card's detail. */
    addDetail(id: number, patch: Record<string, unknown>, now: Date): void {
      addDetail.run({ id, patch: JSON.stringify(patch), now: now.getTime() });
    },
  };
}
