import type { Sql } from './sql/sql.js';

/** A card the server sent to a chat, and what became of it (migration 006). */
export type CardKind = 'approval' | 'assignment' | 'pool';
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

export function createCardsRepo(sql: Sql) {
  const one = async (text: string, params: readonly unknown[]) => {
    const r = await sql.get<Raw>(text, params);
    return r && toRow(r);
  };
  return {
    /** Record a card about to be sent; the same uuid twice returns the first row. */
    async create(c: { kind: CardKind; leadId: number; chatId: string; uuid: string; subject: Record<string, unknown>; now: Date }): Promise<CardRow> {
      await sql.run(
        `INSERT INTO cards (kind, lead_id, chat_id, uuid, status, subject_json, created_at, updated_at)
         VALUES (@kind, @leadId, @chatId, @uuid, 'open', @subject, @now, @now) ON CONFLICT (uuid) DO NOTHING`,
        { kind: c.kind, leadId: c.leadId, chatId: c.chatId, uuid: c.uuid, subject: JSON.stringify(c.subject), now: c.now.getTime() },
      );
      return (await one('SELECT * FROM cards WHERE uuid = ?', [c.uuid]))!;
    },
    get: (id: number): Promise<CardRow | undefined> => one('SELECT * FROM cards WHERE id = ?', [id]),
    getByUuid: (uuid: string): Promise<CardRow | undefined> => one('SELECT * FROM cards WHERE uuid = ?', [uuid]),
    getByMessageId: (messageId: string): Promise<CardRow | undefined> => one('SELECT * FROM cards WHERE message_id = ?', [messageId]),
    openFor: async (leadId: number, kind: CardKind): Promise<CardRow[]> => (await sql.all<Raw>("SELECT * FROM cards WHERE lead_id = ? AND kind = ? AND status = 'open' ORDER BY id", [leadId, kind])).map(toRow),
    /** Feishu accepted the send: remember its message id (for callbacks and in-place updates). */
    setMessageId: async (uuid: string, messageId: string, now: Date): Promise<void> =>
      void (await sql.run('UPDATE cards SET message_id = @messageId, updated_at = @now WHERE uuid = @uuid AND message_id IS NULL', { uuid, messageId, now: now.getTime() })),
    /**
     * Close an open card: true for the one caller that did it, false when it was already closed (the
     * caller then tells the person who acted first). This is the exactly-once point of card actions.
     */
    close: (id: number, c: { status: 'done' | 'void'; action: string; by: string; detail?: Record<string, unknown>; now: Date }): Promise<boolean> =>
      sql.transaction(async () => {
        const closed =
          (await sql.run(`UPDATE cards SET status = @status, action = @action, acted_by = @by, acted_at = @now, detail_json = @detail, updated_at = @now WHERE id = @id AND status = 'open'`, {
            id,
            status: c.status,
            action: c.action,
            by: c.by,
            detail: c.detail ? JSON.stringify(c.detail) : null,
            now: c.now.getTime(),
          })) === 1;
        // a closed card is not sent again before its 14 days are up (lead-cards: card.renew)
        if (closed) await sql.run(`UPDATE timers SET status = 'cancelled' WHERE dedupe_key = ? AND status = 'pending'`, [`card-renew:${id}`]);
        return closed;
      }),
    /** Add what the action led to (a return's next steps) to a closed card's detail (top-level keys replaced). */
    async addDetail(id: number, patch: Record<string, unknown>, now: Date): Promise<void> {
      await sql.run(`UPDATE cards SET detail_json = ${sql.dialect.jsonMerge('detail_json', '@patch')}, updated_at = @now WHERE id = @id`, { id, patch: JSON.stringify(patch), now: now.getTime() });
    },
  };
}
