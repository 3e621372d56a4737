import { renderCard, type CardRenderContext } from './card-html.js';
import { mentionHtml } from './card-markdown.js';
import { esc, safeUrl } from './html.js';

/**
 * Message content (the `content` string of a sent message, docs/platform/feishu.md#41-sending-messages) → HTML for the chat
 * view. Cards go through the card renderer; text and post messages are escaped, with `<at …>` mentions
 * shown as @Name. Unknown message types show their type and raw JSON, escaped.
 */
type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const TEXT_AT = /<at\s+(?:user_id|id|open_id)\s*=\s*["']?([^"'\s>]+)["']?\s*>([^<]*)<\/at>/g;

export function renderTextContent(text: string, ctx: CardRenderContext): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(TEXT_AT)) {
    out += esc(text.slice(last, m.index));
    out += mentionHtml(m[1]!, m[2], ctx.nameOf);
    last = m.index + m[0].length;
  }
  return `<div class="msg-text">${(out + esc(text.slice(last))).replace(/\n/g, '<br>')}</div>`;
}

function renderPost(content: Json, ctx: CardRenderContext): string {
  const body = isObj(content.zh_cn) ? content.zh_cn : isObj(content.en_us) ? content.en_us : content;
  const title = typeof body.title === 'string' && body.title ? `<div class="msg-post-title">${esc(body.title)}</div>` : '';
  const paras = (Array.isArray(body.content) ? body.content : []).map((line) =>
    (Array.isArray(line) ? line : [])
      .filter(isObj)
      .map((seg) => {
        switch (seg.tag) {
          case 'text':
            return esc(seg.text);
          case 'md':
            return esc(seg.text);
          case 'a': {
            const href = safeUrl(seg.href);
            return href ? `<a href="${esc(href)}" target="_blank" rel="noopener noreferrer">${esc(seg.text ?? href)}</a>` : esc(seg.text);
          }
          case 'at':
            return mentionHtml(String(seg.user_id ?? ''), typeof seg.user_name === 'string' ? seg.user_name : undefined, ctx.nameOf);
          case 'code_block':
            return `<pre>${esc(seg.text)}</pre>`;
          case 'hr':
            return '<hr>';
          default:
            return `<code>[${esc(seg.tag)}]</code>`;
        }
      })
      .join(''),
  );
  return `<div class="msg-post">${title}${paras.map((p) => `<div>${p}</div>`).join('')}</div>`;
}

export function renderMessageContent(msgType: string, content: string, ctx: CardRenderContext): string {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return `<div class="msg-text">${esc(content)}</div>`;
  }
  if (msgType === 'interactive') return renderCard(json, ctx);
  if (msgType === 'text' && isObj(json) && typeof json.text === 'string') return renderTextContent(json.text, ctx);
  if (msgType === 'post' && isObj(json)) return renderPost(json, ctx);
  return `<div class="msg-other"><code>${esc(msgType)}</code><pre>${esc(JSON.stringify(json, null, 2))}</pre></div>`;
}
