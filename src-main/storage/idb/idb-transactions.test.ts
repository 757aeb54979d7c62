import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { done, idbFixture, openDb, request, type Loose } from '../../testing/idb-helpers';
import { createSqliteIndexedDB } from './factory';
import { acquireFile, releaseFile } from './idb-file';

// Saving a key generator fails while `failures.keyGenerator` is set: a write that fails at
// commit time, as a full disk would make it.
const failures = vi.hoisted(() => ({ keyGenerator: false }));
vi.mock('./schema', async (importOriginal) => {
  const real = await importOriginal<typeof import('./schema')>();
  return {
    ...real,
    writeKeyGenerator: (...args: Parameters<typeof real.writeKeyGenerator>) => {
      if (failures.keyGenerator) throw new Error('disk I/O error');
      real.writeKeyGenerator(...args);
    },
  };
});

async function keysOf(db: Loose, store = 's'): Promise<unknown[]> {
  return request(db.transaction(store).objectStore(store).getAllKeys());
}

describe('IndexedDB over SQLite: transactions', () => {
  const fx = idbFixture();
  const twoStores = (d: Loose) => {
    d.createObjectStore('s');
    d.createObjectStore('t');
  };

  it('leaves the file as it was when a transaction aborts', async () => {
    const db = await openDb(fx.make(), 'abort', 1, twoStores);
    let tx = db.transaction(['s', 't'], 'readwrite');
    for (let i = 0; i < 5; i++) tx.objectStore('s').put(`v${i}`, i);
    tx.objectStore('t').put('kept', 'k');
    await done(tx);
    tx = db.transaction(['s', 't'], 'readwrite');
    tx.objectStore('s').put('changed', 0);
    tx.objectStore('s').put('new', 99);
    tx.objectStore('s').delete(1);
    tx.objectStore('t').clear();
    expect(await request(tx.objectStore('s').count())).toBe(5);
    tx.abort();
    await expect(done(tx)).rejects.toThrow();
    for (const open of [db, 'abort']) {
      const d = typeof open === 'string' ? await fx.reopen(open) : open;
      expect(await keysOf(d)).toEqual([0, 1, 2, 3, 4]);
      expect(await request(d.transaction('s').objectStore('s').get(0))).toBe('v0');
      expect(await keysOf(d, 't')).toEqual(['k']);
    }
  });

  it('aborts a transaction whose request failed, unless the failure was prevented', async () => {
    const db = await openDb(fx.make(), 'fail', 1, (d) => d.createObjectStore('s'));
    let tx = db.transaction('s', 'readwrite');
    tx.objectStore('s').add('first', 1);
    await done(tx);
    tx = db.transaction('s', 'readwrite');
    tx.objectStore('s').put('lost', 2);
    tx.objectStore('s').add('duplicate', 1); // ConstraintError, not prevented: aborts
    await expect(done(tx)).rejects.toMatchObject({ name: 'ConstraintError' });
    tx = db.transaction('s', 'readwrite');
    tx.objectStore('s').put('kept', 3);
    const failed = request(tx.objectStore('s').add('duplicate', 1)); // prevented in `request`
    await expect(failed).rejects.toMatchObject({ name: 'ConstraintError' });
    await done(tx);
    const d = await fx.reopen('fail');
    expect(await keysOf(d)).toEqual([1, 3]);
  });

  it("reads a writer's own writes inside it", async () => {
    const db = await openDb(fx.make(), 'ryw', 1, (d) => {
      d.createObjectStore('s', { keyPath: 'id' }).createIndex('by_n', 'n');
    });
    const tx = db.transaction('s', 'readwrite');
    const s = tx.objectStore('s');
    s.put({ id: 'a', n: 2 });
    s.put({ id: 'b', n: 1 });
    expect(await request(s.getAllKeys())).toEqual(['a', 'b']);
    expect(await request(s.index('by_n').getAllKeys())).toEqual(['b', 'a']);
    s.delete('a');
    expect(await request(s.index('by_n').getAllKeys())).toEqual(['b']);
    await done(tx);
  });

  it('continues key generators after a reopen, and not with keys of aborted transactions', async () => {
    const db = await openDb(fx.make(), 'auto', 1, (d) =>
      d.createObjectStore('s', { autoIncrement: true }),
    );
    let tx = db.transaction('s', 'readwrite');
    for (const v of ['a', 'b', 'c']) tx.objectStore('s').add(v);
    await done(tx);
    tx = db.transaction('s', 'readwrite');
    tx.objectStore('s').add('aborted');
    tx.objectStore('s').add('aborted too');
    await request(tx.objectStore('s').count());
    tx.abort();
    await expect(done(tx)).rejects.toThrow();
    const d = await fx.reopen('auto');
    tx = d.transaction('s', 'readwrite');
    expect(await request(tx.objectStore('s').add('d'))).toBe(4);
    await done(tx);
    expect(await keysOf(await fx.reopen('auto'))).toEqual([1, 2, 3, 4]);
  });

  it('aborts a transaction whose commit fails, with the reason, and keeps none of it', async () => {
    const db = await openDb(fx.make(), 'commit', 1, (d) =>
      d.createObjectStore('s', { autoIncrement: true }),
    );
    let tx = db.transaction('s', 'readwrite');
    tx.objectStore('s').add('saved');
    await done(tx);
    failures.keyGenerator = true;
    try {
      tx = db.transaction('s', 'readwrite');
      tx.objectStore('s').add('not saved');
      await expect(done(tx)).rejects.toThrow(/Could not save the transaction: disk I\/O error/);
    } finally {
      failures.keyGenerator = false;
    }
    expect(await keysOf(db)).toEqual([1]);
    tx = db.transaction('s', 'readwrite');
    tx.objectStore('s').add('next');
    await done(tx);
    expect(await keysOf(await fx.reopen('commit'))).toEqual([1, 2]);
  });

  it('commits or rolls back the writers of two databases in one file each on its own', async () => {
    const dir = fx.dir();
    const { factory, close } = createSqliteIndexedDB({ fileFor: () => join(dir, 'shared.sqlite') });
    try {
      const a = await openDb(factory, 'a', 1, (d) => d.createObjectStore('s'));
      const b = await openDb(factory, 'b', 1, (d) => d.createObjectStore('s'));
      const ta = a.transaction('s', 'readwrite');
      const tb = b.transaction('s', 'readwrite');
      const [aDone, bDone] = [done(ta), done(tb)];
      ta.objectStore('s').put('a1', 1);
      tb.objectStore('s').put('b1', 1);
      // Both queued at once, each takes the file in turn; `ta` aborts after its write ran.
      await request(ta.objectStore('s').count());
      ta.abort();
      await expect(aDone).rejects.toThrow();
      await bDone;
      expect(await keysOf(a)).toEqual([]);
      expect(await keysOf(b)).toEqual([1]);
    } finally {
      close();
    }
    const again = createSqliteIndexedDB({ fileFor: () => join(dir, 'shared.sqlite') });
    try {
      expect(await keysOf(await openDb(again.factory, 'a'))).toEqual([]);
      expect(await keysOf(await openDb(again.factory, 'b'))).toEqual([1]);
    } finally {
      again.close();
    }
  });

  it('fails the transactions still running when the factory is closed, without crashing', async () => {
    const { factory, close } = createSqliteIndexedDB({ fileFor: (n) => join(fx.dir(), n) });
    const db = await openDb(factory, 'closing', 1, (d) => d.createObjectStore('s'));
    const writer = db.transaction('s', 'readwrite');
    const reader = db.transaction('s', 'readonly');
    const settled = Promise.allSettled([done(writer), done(reader)]);
    for (let i = 0; i < 20; i++) writer.objectStore('s').put(i, i);
    reader.objectStore('s').getAll();
    await request(writer.objectStore('s').count());
    close();
    const [w, r] = await settled;
    expect(w.status).toBe('rejected');
    expect(r.status).toBe('rejected');
    expect(() => factory.open('closing')).not.toThrow();
    await expect(request(factory.open('closing'))).rejects.toThrow(/closed/);
  });

  it('settles requests queued before the factory closed, without crashing', async () => {
    const { factory, close } = createSqliteIndexedDB({ fileFor: (n) => join(fx.dir(), n) });
    (await openDb(factory, 'a', 1, (d) => d.createObjectStore('s'))).close();
    (await openDb(factory, 'b', 1, (d) => d.createObjectStore('s'))).close();
    const queued = [
      request(factory.deleteDatabase('a')),
      request(factory.open('a', 2)),
      request(factory.open('b', 2)),
    ];
    close();
    const settled = await Promise.allSettled(queued);
    // Nothing could be written any more: the upgrades fail.
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    const again = createSqliteIndexedDB({ fileFor: (n) => join(fx.dir(), n) });
    try {
      expect((await openDb(again.factory, 'b')).version).toBe(1);
    } finally {
      again.close();
    }
  });

  it('fails a writer whose SQLite transaction was rolled back under it, rather than write alone', async () => {
    const db = await openDb(fx.make(), 'dropped', 1, (d) => d.createObjectStore('s'));
    const tx = db.transaction('s', 'readwrite');
    const finished = done(tx);
    await request(tx.objectStore('s').put('before', 1));
    // As SQLite may do on its own on a full disk: the transaction is gone.
    const file = acquireFile(join(fx.dir(), 'dropped.sqlite'));
    file.db.exec('ROLLBACK');
    releaseFile(file);
    // The write fails; even with that failure prevented, the commit cannot happen.
    await expect(request(tx.objectStore('s').put('after', 2))).rejects.toThrow(/rolled back/);
    await expect(finished).rejects.toThrow(/Could not save the transaction/);
    expect(await keysOf(await fx.reopen('dropped'))).toEqual([]);
  });
});
