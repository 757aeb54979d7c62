import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { done, idbFixture, openDb, request, type Loose } from '../../testing/idb-helpers';
import { createSqliteIndexedDB } from './factory';
import { installIndexedDB } from './install';

describe('installIndexedDB', () => {
  const fx = idbFixture();

  it('makes the factory and its classes global, as the crypto wasm uses them; twice is once', async () => {
    const factory = fx.make();
    installIndexedDB(factory);
    installIndexedDB(factory);
    const g = globalThis as Loose;
    expect(g.indexedDB).toBe(factory);
    const db = await openDb(g.indexedDB, 'global', 1, (d) => d.createObjectStore('s'));
    expect(db).toBeInstanceOf(g.IDBDatabase);
    const tx = db.transaction('s', 'readwrite');
    expect(tx).toBeInstanceOf(g.IDBTransaction);
    const put = tx.objectStore('s').put('v', 'k');
    expect(put).toBeInstanceOf(g.IDBRequest);
    await done(tx);
    const range = g.IDBKeyRange.bound('a', 'z');
    expect(await request(db.transaction('s').objectStore('s').getAll(range))).toEqual(['v']);
    const cursor = await request(db.transaction('s').objectStore('s').openCursor());
    expect(cursor).toBeInstanceOf(g.IDBCursorWithValue);
  });

  it('creates files 0600, in a folder made 0700 when missing', async () => {
    const dir = join(fx.dir(), 'new', 'folder');
    const { factory, close } = createSqliteIndexedDB({ fileFor: (n) => join(dir, `${n}.sqlite`) });
    try {
      await openDb(factory, 'private', 1, (d) => d.createObjectStore('s'));
      expect(statSync(join(dir, 'private.sqlite')).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      close();
    }
  });
});
