import type { CardMessage } from '../ports/chat.js';
import { approvalCard } from './approval-card.js';
import { assignmentCard } from './assignment-card.js';
import type { CardCtx, CardJson } from './card-kit.js';
import { digestCard } from './digest-card.js';
import { handoverCard } from './handover-card.js';
import { nurtureCard } from './nurture-card.js';
import { poolCard } from './pool-card.js';
import { slowdownCard } from './slowdown-card.js';

/** A queued card (state, language, names) as Feishu card JSON 2.0, at send time. */
export function renderCard(m: CardMessage): CardJson {
  const ctx: CardCtx = { locale: m.locale, nameOf: (id) => m.names[id] || undefined };
  switch (m.card.kind) {
    case 'approval':
      return approvalCard(m.card.state, ctx);
    case 'assignment':
      return assignmentCard(m.card.state, ctx);
    case 'nurture':
      return nurtureCard(m.card.state, ctx);
    case 'pool':
      return poolCard(m.card.state, ctx);
    case 'handover':
      return handoverCard(m.card.state, ctx);
    case 'digest':
      return digestCard(m.card.state, ctx);
    case 'slowdown':
      return slowdownCard(m.card.state, ctx);
  }
}

/** The people a rendered card @-mentions (open id → name): what it shows instead if Feishu does not know one. */
export function mentionNames(content: CardJson, names: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of JSON.stringify(content).matchAll(/<at id=(ou_[A-Za-z0-9_-]+)><\/at>/g)) out[m[1]!] = names[m[1]!] || '—';
  return out;
}
