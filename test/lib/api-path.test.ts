import { describe, expect, it } from 'vitest';
import { apiPattern } from '../../src/lib/api-path.js';

describe('apiPattern: ids out of an API path (metric labels)', () => {
  it.each([
    ['https://open.feishu.cn/open-apis/bitable/v1/apps/bascnAbc/tables/tblX1/records/batch_update?user_id_type=open_id', '/open-apis/bitable/v1/apps/:id/tables/:id/records/batch_update'],
    ['/open-apis/bitable/v1/apps/bascnAbc/tables/tblX1/records/recY2', '/open-apis/bitable/v1/apps/:id/tables/:id/records/:id'],
    ['/open-apis/bitable/v1/apps/bascnAbc/tables/tblX1/records/search', '/open-apis/bitable/v1/apps/:id/tables/:id/records/search'],
    ['/open-apis/im/v1/messages/om_123/reply', '/open-apis/im/v1/messages/:id/reply'],
    ['/open-apis/im/v1/messages', '/open-apis/im/v1/messages'],
    ['/v1.0/card/instances/createAndDeliver', '/v1.0/card/instances/createAndDeliver'],
    [undefined, 'unknown'],
  ])('%s → %s', (url, want) => {
    expect(apiPattern(url)).toBe(want);
  });
});
