import { describe, expect, it } from 'vitest';
import { bitableCellEncoder } from '../../src/bitable/field-map.js';
import { feishuCardUpdate, feishuMessage } from '../../src/im/sender.js';
import type { CardMessage } from '../../src/ports/chat.js';
import { loadBaseTemplate } from '../../src/rules/base-template.js';

/**
 * People on DingTalk only (a 钉钉ID, no Feishu account) on the Feishu side: a card sent to a Feishu group
 * shows them by name (Feishu would refuse the whole card for an @ it does not know), a notice to them
 * goes without the mention, and the Bitable's person cells leave them out.
 */
const card: CardMessage = {
  card: {
    kind: 'nurture',
    state: {
      lead: { key: 'XS-000001', facts: { company: '星河物联' }, stage: { zh: '线索', en: 'Lead' } },
      to: ['ou_lilei', 'dingtalk:0211239999'],
      owner: 'ou_lilei',
      kind: 'step',
      name: '第 3 天回访',
      sequence: '新线索培育',
      content: '回访',
      why: { zh: '第 3 天', en: 'day 3' },
    },
  },
  locale: 'zh-CN',
  names: { ou_lilei: '李雷', 'dingtalk:0211239999': '赵敏' },
};

describe('people on DingTalk only, on Feishu', () => {
  it('a card @-mentions the Feishu user and names the DingTalk-only one', () => {
    const sent = feishuMessage({ chatId: 'oc_x', uuid: 'u1', card });
    const json = JSON.stringify(sent.content);
    expect(json).toContain('<at id=ou_lilei></at>');
    expect(json).toContain('@赵敏');
    expect(json).not.toContain('dingtalk:');
    expect(sent.names).toEqual({ ou_lilei: '李雷' });
    expect(JSON.stringify(feishuCardUpdate({ cardUuid: 'u1', card }).content)).not.toContain('dingtalk:');
  });

  it('a notice to them goes without a mention', () => {
    expect(feishuMessage({ chatId: 'oc_x', uuid: 'u2', notice: { to: 'dingtalk:0211239999', text: '请跟进' } }).content).toEqual({ text: '请跟进' });
    expect(feishuMessage({ chatId: 'oc_x', uuid: 'u3', notice: { to: 'ou_lilei', text: '请跟进' } }).content).toEqual({ text: '<at user_id="ou_lilei"></at> 请跟进' });
  });

  it('person cells leave them out', () => {
    const encode = bitableCellEncoder(loadBaseTemplate());
    expect(encode({ 跟进人: 'dingtalk:0211239999', 公司名称: 'x' })).toEqual({ 跟进人: [], 公司名称: 'x' });
    expect(encode({ 跟进人: 'ou_lilei' })).toEqual({ 跟进人: [{ id: 'ou_lilei' }] });
  });
});
