import { describe, expect, it } from 'vitest';
import { listInteractive } from '../../src/sandbox/feishu/im/card-click.js';
import { classify } from '../../src/sandbox/feishu/im/card-parse.js';
import { renderCard } from '../../src/sandbox/feishu/ui/card-html.js';
import { renderMarkdown } from '../../src/sandbox/feishu/ui/card-markdown.js';
import { renderMessageContent } from '../../src/sandbox/feishu/ui/message-html.js';

/**
 * The sandbox page's card renderer (JSON → HTML, server side): untrusted card text stays text, and
 * every interactive component carries the same JSON path the IM module's click API resolves.
 */
const names: Record<string, string> = { ou_zhang: '张伟', ou_evil: '<img src=x onerror=alert(1)>' };
const ctx = { nameOf: (id: string) => names[id] };
const paths = (html: string) => [...html.matchAll(/data-path="([^"]+)"/g)].map((m) => m[1]!.replace(/&quot;/g, '"'));
const p = (content: string) => ({ tag: 'plain_text', content });

describe('card HTML', () => {
  it('renders header, markdown, mentions, columns, buttons, form, hr and note', () => {
    const html = renderCard(
      {
        schema: '2.0',
        header: { title: p('新线索'), template: 'orange' },
        body: {
          elements: [
            { tag: 'markdown', content: '**负责人** <at id=ou_zhang></at> cc <at id=all></at>\n- a\n- b' },
            { tag: 'div', text: p('plain') },
            { tag: 'column_set', columns: [{ tag: 'column', width: 'weighted', weight: 2, elements: [{ tag: 'button', text: p('接受'), type: 'primary', behaviors: [{ type: 'callback', value: { op: 'a' } }] }] }] },
            { tag: 'hr' },
            {
              tag: 'form',
              name: 'f',
              elements: [
                { tag: 'input', name: 'note' },
                { tag: 'button', name: 'go', form_action_type: 'submit', text: p('提交') },
              ],
            },
            { tag: 'note', elements: [p('note text')] },
          ],
        },
      },
      ctx,
    );
    expect(html).toContain('class="fc-header fc-tpl-orange"');
    expect(html).toContain('<strong>负责人</strong> <span class="fc-at" data-open-id="ou_zhang">@张伟</span>');
    expect(html).toContain('data-i18n="card.atAll">@所有人</span>');
    expect(html).toContain('<ul><li>a</li><li>b</li></ul>');
    expect(html).toContain('style="flex:2 1 0"');
    expect(html).toMatch(/<button type="button" class="fc-btn fc-btn-primary" data-tag="button" data-path="body\.elements\[2\]\.columns\[0\]\.elements\[0\]" data-callback="1">接受<\/button>/);
    expect(html).toContain('data-form-action="submit"');
    expect(html).toContain('<hr class="fc-hr">');
    expect(html).toContain('<div class="fc-note"><span>note text</span></div>');
  });

  it('escapes untrusted text and attributes, and drops unsafe links and styles', () => {
    const html = renderCard(
      {
        schema: '2.0',
        header: { title: p('<script>alert(1)</script>'), template: 'red;background:url(x)' },
        body: {
          elements: [
            { tag: 'markdown', content: '<img src=x onerror=alert(1)> [a](javascript:alert(1)) [b](https://ok.example/?q="x") <font color="red onclick=alert(1)">c</font> <at id=ou_evil></at>' },
            { tag: 'select_static', name: 's" onfocus="alert(1)', placeholder: p('"><svg onload=alert(1)>'), options: [{ text: p('<b>o</b>'), value: 'v"x' }] },
            { tag: 'button', text: { tag: 'lark_md', content: '<i>x</i>' }, type: 'primary" onclick="alert(1)', behaviors: [{ type: 'open_url', default_url: 'javascript:alert(1)' }] },
            { tag: 'column_set', columns: [{ tag: 'column', width: '10px;background:url(x)', elements: [] }] },
          ],
        },
      },
      ctx,
    );
    expect(html).not.toMatch(/<script|<img|<svg|<i>|<b>|<font|javascript:|url\(x\)|" on\w+=/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('class="fc-header fc-tpl-default"');
    expect(html).toContain('<a href="https://ok.example/?q=&quot;x&quot;" target="_blank" rel="noopener noreferrer">b</a>');
    expect(html).toContain('@&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('name="s&quot; onfocus=&quot;alert(1)"');
    expect(html).toContain('class="fc-btn fc-btn-default"');
    expect(html).toContain('style="flex:1 1 0"');
  });

  it('a chart is a placeholder carrying its spec (escaped) for the page to draw, in its aspect ratio or fixed height', () => {
    const spec = { type: 'bar', title: { text: '"><script>alert(1)</script>' }, data: { values: [{ x: '<b>', y: 1 }] }, xField: 'x', yField: 'y' };
    const html = renderCard(
      {
        schema: '2.0',
        body: {
          elements: [
            { tag: 'chart', chart_spec: spec },
            { tag: 'chart', chart_spec: spec, aspect_ratio: '4:3' },
            { tag: 'chart', chart_spec: spec, height: '240px', aspect_ratio: '1:1' },
            { tag: 'chart', chart_spec: spec, height: '240px;background:url(x)' },
          ],
        },
      },
      ctx,
    );
    expect(html).not.toMatch(/<script|<b>|url\(x\)/);
    const charts = [...html.matchAll(/<div class="fc-chart" data-chart-spec="([^"]*)" style="([^"]*)">/g)];
    expect(charts.map((m) => m[2])).toEqual(['aspect-ratio:16 / 9', 'aspect-ratio:4 / 3', 'height:240px', 'aspect-ratio:16 / 9']);
    const fromAttr = (s: string) =>
      s
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&#39;/g, "'")
        .replace(/&#96;/g, '`')
        .replace(/&amp;/g, '&');
    expect(JSON.parse(fromAttr(charts[0]![1]!))).toEqual(spec);
    expect(html).toContain('<span data-i18n="card.chart">图表</span> &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('marks each interactive component with the path the IM click API resolves', () => {
    const cards = [
      {
        schema: '2.0',
        body: {
          elements: [
            { tag: 'markdown', content: 'x' },
            {
              tag: 'column_set',
              columns: [
                { tag: 'column', elements: [{ tag: 'button', text: p('A'), behaviors: [{ type: 'callback', value: { a: 1 } }] }] },
                {
                  tag: 'column',
                  elements: [
                    { tag: 'select_static', options: [] },
                    { tag: 'overflow', options: [] },
                  ],
                },
              ],
            },
            {
              tag: 'form',
              name: 'f',
              elements: [
                { tag: 'input', name: 'i' },
                { tag: 'multi_select_static', name: 'm', options: [] },
                { tag: 'checker', name: 'c', text: p('ok') },
                { tag: 'date_picker', name: 'd' },
                { tag: 'button', name: 'b', form_action_type: 'submit', text: p('Go') },
              ],
            },
            { tag: 'collapsible_panel', header: { title: p('more') }, elements: [{ tag: 'button', text: p('In panel') }] },
          ],
        },
      },
      {
        header: { title: p('v1') },
        elements: [
          { tag: 'div', text: { tag: 'lark_md', content: 'v1 card' } },
          {
            tag: 'action',
            actions: [
              { tag: 'button', text: p('Old'), value: { k: 1 } },
              { tag: 'select_static', options: [] },
            ],
          },
        ],
      },
    ];
    for (const card of cards) {
      const expected = listInteractive(card, classify(card)).map((e) => e.path);
      expect(expected.length).toBeGreaterThanOrEqual(2);
      expect(paths(renderCard(card, ctx)).sort()).toEqual([...(expected as string[])].sort());
    }
  });

  it('renders text messages with mentions, and unknown content escaped', () => {
    expect(renderMessageContent('text', JSON.stringify({ text: 'hi <at user_id="ou_zhang">Zhang</at> <b>' }), ctx)).toBe('<div class="msg-text">hi <span class="fc-at" data-open-id="ou_zhang">@张伟</span> &lt;b&gt;</div>');
    expect(renderMessageContent('file', JSON.stringify({ file_key: '<x>' }), ctx)).toContain('&lt;x&gt;');
    expect(renderMessageContent('interactive', JSON.stringify({ type: 'template', data: { template_id: 'ctp_1' } }), ctx)).toContain('<code>ctp_1</code>');
    expect(renderMarkdown('# T\n\n`a<b`  ~~s~~ *i*', ctx.nameOf)).toBe('<div class="fc-md-h1">T</div><div class="fc-md-p"><code>a&lt;b</code>  <del>s</del> <em>i</em></div>');
  });
});
