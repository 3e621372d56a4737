import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/store/group-commit.js';
import type { Store } from '../../src/store/store.js';
import { type TestStore, testStore } from '../support/test-store.js';

/** Writes that arrive together share one transaction; each caller settles after it commits. */
describe('group commit', () => {
  let store: TestStore;
  let txs = 0;
  const counting = () => ({
    transaction: <T>(fn: (tx: Store) => T | Promise<T>): Promise<T> => {
      txs++;
      return store.transaction(fn);
    },
  });
  const ids = async () => ((await store.sql.all('SELECT event_id FROM inbox ORDER BY event_id')) as Array<{ event_id: string }>).map((r) => r.event_id);
  beforeEach(async () => {
    store = await testStore();
    txs = 0;
  });
  afterEach(() => store.close());

  it('a burst of 50 is one transaction; every caller gets its own result after the commit', async () => {
    const commit = createGroupCommit(counting());
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => commit(() => store.seenEvents.recordOnce(`ev-${String(i).padStart(2, '0')}`, 'test', new Date()))));
    expect(txs).toBe(1);
    expect(results.every((r) => r === true)).toBe(true);
    expect(await ids()).toHaveLength(50);
  });

  it('the same id twice in one burst: the first is new, the second a duplicate', async () => {
    const commit = createGroupCommit(counting());
    const [a, b] = await Promise.all([commit(() => store.seenEvents.recordOnce('dup', 'test', new Date())), commit(() => store.seenEvents.recordOnce('dup', 'test', new Date()))]);
    expect([a, b]).toEqual([true, false]);
  });

  it('one failing item rolls back only itself: the rest commit, it rejects', async () => {
    const commit = createGroupCommit(counting());
    const settled = await Promise.allSettled([
      commit(() => store.seenEvents.recordOnce('a', 'test', new Date())),
      commit(async () => {
        await store.seenEvents.recordOnce('bad', 'test', new Date());
        throw new Error('boom');
      }),
      commit(() => store.seenEvents.recordOnce('c', 'test', new Date())),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await ids()).toEqual(['a', 'c']);
  });

  it('one at a time, each is its own transaction; bursts above maxBatch are split', async () => {
    const commit = createGroupCommit(counting(), { maxBatch: 10 });
    await commit(() => 1);
    await commit(() => 2);
    expect(txs).toBe(2);
    await Promise.all(Array.from({ length: 25 }, (_, i) => commit(() => i)));
    expect(txs).toBe(2 + 3);
  });
});
