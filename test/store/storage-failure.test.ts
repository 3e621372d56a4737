import { describe, expect, it } from 'vitest';
import { storageFailureOf } from '../../src/store/storage-failure.js';

/** Which database errors mean the storage, not the request (docs/reliability.md#24-when-the-database-cannot-write). */
describe('storageFailureOf', () => {
  it.each([
    ['SQLITE_FULL', 'full'],
    ['SQLITE_READONLY', 'read_only'],
    ['SQLITE_READONLY_DBMOVED', 'read_only'],
    ['SQLITE_IOERR_WRITE', 'io'],
    ['SQLITE_CANTOPEN', 'io'],
    ['53100', 'full'],
    ['25006', 'read_only'],
    ['58030', 'io'],
  ])('%s is %s, with a message in both languages', (code, kind) => {
    const f = storageFailureOf(Object.assign(new Error('x'), { code }));
    expect(f).toMatchObject({ kind, code });
    expect(f!.message.zh).toMatch(/[\u4e00-\u9fff]/);
    expect(f!.message.en).toMatch(/[a-z]/);
  });

  it.each([['SQLITE_CONSTRAINT_UNIQUE'], ['SQLITE_BUSY'], ['23505'], ['40001'], [undefined], [42]])('%s is the request’s or a passing problem: not a storage failure', (code) => {
    expect(storageFailureOf(Object.assign(new Error('x'), { code }))).toBeUndefined();
  });

  it('a non-error is not one either', () => {
    expect(storageFailureOf(undefined)).toBeUndefined();
    expect(storageFailureOf('SQLITE_FULL')).toBeUndefined();
  });
});
