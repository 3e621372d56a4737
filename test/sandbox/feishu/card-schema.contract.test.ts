import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imModule } from '../../../src/sandbox/feishu/im/module.js';
import { COMPONENTS } from '../../../src/sandbox/feishu/im/card-schema.js';
import type { EmuChat } from '../../../src/sandbox/feishu/kernel/directory.js';
import { startEmulator, type StartedEmulator } from '../../support/feishu-emulator.js';

/**
 * Card JSON 2.0 is strict (release notes: "在 JSON 2.0 版本中，传入不支持的属性将报错"): through the real
 * SDK, the emulator refuses each invalid card with 230099 and a message naming the path, and accepts
 * the valid shapes of every component it checks. (Every golden card and every card the product builds
 * goes through the same check: test/cards/cards-golden.test.ts.)
 */
const T0 = 1_760_000_000_000;
const pt = (content: string) => ({ tag: 'plain_text', content });
const card = (elements: unknown[], over: Record<string, unknown> = {}) => ({ schema: '2.0', config: { update_multi: true }, header: { title: pt('卡片'), template: 'blue' }, body: { elements }, ...over });
const submit = { tag: 'button', name: 'go', form_action_type: 'submit', text: pt('提交'), type: 'primary' };
const cb = (op: string) => [{ type: 'callback', value: { op } }];

const INVALID: Array<[string, unknown, string]> = [
  ['unknown tag', card([{ tag: 'no_such_component' }]), 'body.elements[0]: unknown component "no_such_component"'],
  ['note (removed in 2.0)', card([{ tag: 'note', elements: [pt('x')] }]), 'unknown component "note"'],
  ['action module (removed in 2.0)', card([{ tag: 'action', actions: [] }]), 'unknown component "action"'],
  ['unknown property on markdown', card([{ tag: 'markdown', content: 'x', colour: 'red' }]), 'body.elements[0].colour: unsupported property "colour"'],
  ['markdown href (removed in 2.0)', card([{ tag: 'markdown', content: 'x', href: {} }]), 'body.elements[0].href: unsupported property'],
  ['unknown property at the root', card([], { elements_v1: [] }), 'elements_v1: unsupported property'],
  ['unknown config key', card([], { config: { update_multi: true, wide_screen_mode: true } }), 'config.wide_screen_mode: unsupported property'],
  ['bad header colour', card([], { header: { title: pt('x'), template: 'pink' } }), 'header.template: must be one of'],
  ['header without a title', card([], { header: { template: 'blue' } }), 'header: a header needs a title'],
  ['wrong type: markdown content a number', card([{ tag: 'markdown', content: 42 }]), 'body.elements[0].content: must be a string'],
  ['wrong type: button label not a text object', card([{ tag: 'button', text: '认领', behaviors: cb('a') }]), 'body.elements[0].text: must be a text object'],
  ['lark_md in a button label', card([{ tag: 'button', text: { tag: 'lark_md', content: '**x**' }, behaviors: cb('a') }]), 'body.elements[0].text.tag must be plain_text'],
  ['bad button type', card([{ tag: 'button', text: pt('x'), type: 'big', behaviors: cb('a') }]), 'body.elements[0].type: must be one of'],
  ['unknown behaviour', card([{ tag: 'button', text: pt('x'), behaviors: [{ type: 'teleport' }] }]), 'behaviors[0].type "teleport" is not a behaviour'],
  ['callback without a value', card([{ tag: 'button', text: pt('x'), behaviors: [{ type: 'callback' }] }]), 'behaviors[0] needs value'],
  ['button value (1.0 style)', card([{ tag: 'button', text: pt('x'), value: { op: 'a' } }]), 'body.elements[0].value: unsupported property'],
  ['name on a standalone button (form only)', card([{ tag: 'button', name: 'accept', text: pt('x'), behaviors: cb('a') }]), 'body.elements[0].name: only a button inside a form takes "name"'],
  ['submit outside a form', card([{ tag: 'button', form_action_type: 'submit', text: pt('x') }]), 'only a button inside a form takes "form_action_type"'],
  ['required outside a form', card([{ tag: 'select_static', required: true, options: [{ text: pt('a'), value: 'a' }] }]), 'body.elements[0].required: only a select_static inside a form'],
  ['multi-select outside a form', card([{ tag: 'multi_select_static', name: 'm', options: [] }]), 'a multi_select_static goes only inside a form'],
  [
    'duplicate option values',
    card([
      {
        tag: 'form',
        name: 'f',
        elements: [
          {
            tag: 'select_static',
            name: 's',
            options: [
              { text: pt('a'), value: 'x' },
              { text: pt('b'), value: 'x' },
            ],
          },
          submit,
        ],
      },
    ]),
    'options[1].value "x" repeats an earlier option',
  ],
  ['form without a submit button', card([{ tag: 'form', name: 'f', elements: [{ tag: 'input', name: 'note' }] }]), 'body.elements[0]: a form needs a button with form_action_type "submit"'],
  ['column outside a column_set', card([{ tag: 'column', elements: [] }]), 'body.elements[0]: a column goes only inside a column_set'],
  ['a column_set holding a button', card([{ tag: 'column_set', columns: [{ tag: 'button', text: pt('x'), behaviors: cb('a') }] }]), 'body.elements[0].columns[0]: a column_set holds only column'],
  ['column weight out of range', card([{ tag: 'column_set', columns: [{ tag: 'column', width: 'weighted', weight: 9, elements: [] }] }]), 'weight: must be a whole number from 1 to 5'],
  ['input max_length out of range', card([{ tag: 'form', name: 'f', elements: [{ tag: 'input', name: 'n', max_length: 5000 }, submit] }]), 'max_length: must be a whole number from 1 to 1000'],
  ['bad element_id', card([{ tag: 'hr', element_id: '1-not-ok' }]), 'element_id: must start with a letter'],
  ['img without alt', card([{ tag: 'img', img_key: 'img_v2_x' }]), '"img" needs alt'],
  ['chart without a spec', card([{ tag: 'chart', aspect_ratio: '16:9' }]), '"chart" needs chart_spec'],
];

const VALID: Array<[string, unknown]> = [
  ['every text option on markdown', card([{ tag: 'markdown', element_id: 'md_1', margin: '0px 0px 8px 0px', content: '**x** <at id=all></at>', text_align: 'left', text_size: 'normal' }])],
  ['div with plain text', card([{ tag: 'div', width: 'fill', text: { tag: 'plain_text', content: 'x', text_size: 'notation', text_color: 'grey', lines: 2 } }])],
  [
    'buttons side by side',
    card([
      {
        tag: 'column_set',
        flex_mode: 'none',
        horizontal_spacing: '8px',
        columns: [
          { tag: 'column', width: 'auto', elements: [{ tag: 'button', text: pt('认领'), type: 'primary', behaviors: cb('accept') }] },
          { tag: 'column', width: 'weighted', weight: 2, elements: [{ tag: 'hr' }] },
        ],
      },
    ]),
  ],
  [
    'a form with a select, an input and submit',
    card([
      {
        tag: 'form',
        name: 'return_form',
        elements: [
          {
            tag: 'select_static',
            name: 'reason',
            required: true,
            placeholder: pt('原因'),
            options: [
              { text: pt('a'), value: 'a' },
              { text: pt('b'), value: 'b' },
            ],
          },
          { tag: 'input', name: 'note', placeholder: pt('说明'), max_length: 200, label: pt('说明') },
          submit,
        ],
      },
    ]),
  ],
  [
    'img and chart',
    card([
      { tag: 'img', img_key: 'img_v2_x', alt: pt('图'), scale_type: 'crop_center' },
      { tag: 'chart', aspect_ratio: '16:9', color_theme: 'brand', chart_spec: { type: 'bar', data: {} } },
    ]),
  ],
  ['open_url behaviour with a confirm', card([{ tag: 'button', text: pt('打开'), behaviors: [{ type: 'open_url', default_url: 'https://example.cn' }], confirm: { title: pt('确定？'), text: pt('将打开网页') } }])],
];

describe('card JSON 2.0 checks (230099), through the SDK', () => {
  let emu: StartedEmulator;
  let chat: EmuChat;
  beforeEach(async () => {
    emu = await startEmulator({ modules: [imModule], clock: { frozenAt: T0 } });
    chat = emu.emu.kernel.directory.addChat({ name: '线索作战群', members: [], bots: [emu.app.app_id] });
  });
  afterEach(() => emu.stop());
  // each call counts against the chat's 5/s, refused or not: step the frozen clock between them
  const send = (c: unknown) => {
    emu.emu.kernel.clock.advance(1000);
    return emu.client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chat.chat_id, msg_type: 'interactive', content: JSON.stringify(c) } });
  };

  it.each(INVALID)('refuses: %s', async (_name, c, message) => {
    const e = await send(c).then(
      (r) => ({ status: 200, data: r as { code: number; msg: string } }),
      (err: { response?: { status: number; data: { code: number; msg: string } } }) => ({ status: err.response!.status, data: err.response!.data }),
    );
    expect(e.status).toBe(400);
    expect(e.data.code).toBe(230099);
    expect(e.data.msg).toContain(message);
  });

  it.each(VALID)('accepts: %s', async (_name, c) => {
    expect((await send(c)).code).toBe(0);
  });

  it('a card @-mentioning someone Feishu does not know is refused whole (230099, sub-code 100290), on send and on update', async () => {
    const known = emu.emu.kernel.directory.addUser({ name: '李雷' });
    const mention = (id: string) => card([{ tag: 'markdown', content: `<at id=${id}></at> 请认领 <at id=all></at>` }]);
    const sent = await send(mention(known.open_id));
    expect(sent.code).toBe(0);
    const refused = await send(mention('ou_left_the_company')).catch((e: { response: { status: number; data: { code: number; msg: string } } }) => e.response);
    expect(refused).toMatchObject({ status: 400, data: { code: 230099 } });
    expect((refused as { data: { msg: string } }).data.msg).toContain('ErrCode: 100290; ErrMsg: There is an invalid user resource(at/person) in your card; ErrorValue: ou_left_the_company');
    const patched = await emu.client.im.v1.message
      .patch({ path: { message_id: sent.data!.message_id! }, data: { content: JSON.stringify(mention('ou_left_the_company')) } })
      .catch((e: { response: { data: { code: number; msg: string } } }) => e.response);
    expect((patched as { data: { code: number; msg: string } }).data).toMatchObject({ code: 230099, msg: expect.stringContaining('ErrCode: 100290') });
  });

  it('checks every component the product sends (and the ones the issue lists)', () => {
    for (const tag of ['markdown', 'div', 'column_set', 'column', 'form', 'input', 'select_static', 'button', 'hr', 'img', 'chart']) expect(COMPONENTS[tag], tag).toBeDefined();
  });
});
