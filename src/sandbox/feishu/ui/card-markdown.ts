import { esc, safeUrl } from './html.js';

/**
 * The card `markdown` / `lark_md` subset (docs/platform/feishu.md#42-card-json-20) → HTML. Card text is untrusted: every
 * piece of source text is escaped; only the constructs below become markup.
 * - blocks: `#`… headings, `-`/`*` and `1.` lists, `---` rules, other lines joined with <br>
 * - inline: `**bold**`, `*italic*`, `~~strike~~`, `` `code` ``, `[text](http…)`, `<br>`,
 *   `<font color=red>…</font>`, and mentions `<at id=ou_…></at>` / `<at id=all></at>` shown as @Name
 */
export type NameOf = (id: string) => string | undefined;

const COLORS = new Set(['red', 'green', 'grey', 'gray', 'blue', 'orange', 'yellow', 'purple', 'violet', 'turquoise', 'wathet', 'carmine', 'indigo', 'lime', 'neutral', 'default']);

const INLINE =
  /<at\s+(?:id|user_id|open_id|email)\s*=\s*["']?([^"'\s>]+)["']?\s*>([^<]*)<\/at>|<font\s+color\s*=\s*["']?([\w-]+)["']?\s*>([\s\S]*?)<\/font>|\*\*([\s\S]+?)\*\*|~~([\s\S]+?)~~|\*([^*\n]+?)\*|`([^`\n]+)`|\[([^\]\n]+)\]\(([^)\s]+)\)|<br\s*\/?>/g;

export function mentionHtml(id: string, label: string | undefined, nameOf: NameOf): string {
  if (id === 'all') return '<span class="fc-at fc-at-all" data-i18n="card.atAll">@所有人</span>';
  const name = nameOf(id) ?? (label ? label.replace(/^@/, '') : undefined);
  return name !== undefined ? `<span class="fc-at" data-open-id="${esc(id)}">@${esc(name)}</span>` : `<span class="fc-at fc-at-unknown" data-open-id="${esc(id)}">@${esc(id)}</span>`;
}

export function renderInline(src: string, nameOf: NameOf, depth = 0): string {
  if (depth > 8) return esc(src);
  let out = '';
  let last = 0;
  for (const m of src.matchAll(INLINE)) {
    out += esc(src.slice(last, m.index));
    last = m.index + m[0].length;
    const inner = (s: string) => renderInline(s, nameOf, depth + 1);
    if (m[1] !== undefined) out += mentionHtml(m[1], m[2], nameOf);
    else if (m[3] !== undefined) {
      const color = m[3].toLowerCase();
      out += COLORS.has(color) ? `<span class="fc-c-${color}">${inner(m[4] ?? '')}</span>` : inner(m[4] ?? '');
    } else if (m[5] !== undefined) out += `<strong>${inner(m[5])}</strong>`;
    else if (m[6] !== undefined) out += `<del>${inner(m[6])}</del>`;
    else if (m[7] !== undefined) out += `<em>${inner(m[7])}</em>`;
    else if (m[8] !== undefined) out += `<code>${esc(m[8])}</code>`;
    else if (m[9] !== undefined) {
      const href = safeUrl(m[10]);
      out += href ? `<a href="${esc(href)}" target="_blank" rel="noopener noreferrer">${inner(m[9])}</a>` : inner(m[9]);
    } else out += '<br>';
  }
  return out + esc(src.slice(last));
}

export function renderMarkdown(src: string, nameOf: NameOf): string {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let para: string[] = [];
  let list: { kind: 'ul' | 'ol'; items: string[] } | undefined;
  const flushPara = () => {
    if (para.length) out.push(`<div class="fc-md-p">${para.join('<br>')}</div>`);
    para = [];
  };
  const flushList = () => {
    if (list) out.push(`<${list.kind}>${list.items.map((i) => `<li>${i}</li>`).join('')}</${list.kind}>`);
    list = undefined;
  };
  for (const line of lines) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
    const ordered = /^\s*\d+\.\s+(.*)$/.exec(line);
    if (!line.trim()) {
      flushPara();
      flushList();
    } else if (heading) {
      flushPara();
      flushList();
      out.push(`<div class="fc-md-h${heading[1]!.length}">${renderInline(heading[2]!, nameOf)}</div>`);
    } else if (/^\s*(-{3,}|\*{3,})\s*$/.test(line)) {
      flushPara();
      flushList();
      out.push('<hr class="fc-hr">');
    } else if (bullet || ordered) {
      flushPara();
      const kind = bullet ? 'ul' : 'ol';
      if (list?.kind !== kind) flushList();
      list ??= { kind, items: [] };
      list.items.push(renderInline((bullet ?? ordered)![1]!, nameOf));
    } else {
      flushList();
      para.push(renderInline(line, nameOf));
    }
  }
  flushPara();
  flushList();
  return out.join('');
}
