import { describe, expect, it } from 'vitest';
import {
  cursorAll,
  done,
  idbFixture,
  openDb,
  request,
  type Loose,
} from '../../testing/idb-helpers';
import { GLOBALS } from './fake-internals';

const KeyRange = GLOBALS.IDBKeyRange as Loose;
const bin = (...bytes: number[]) => new Uint8Array(bytes).buffer;

async function fill(db: Loose, store: string, records: [unknown, unknown][]): Promise<void> {
  const tx = db.transaction(store, 'readwrite');
  for (const [key, value] of records) {
    if (key === undefined) tx.objectStore(store).put(value);
    else tx.objectStore(store).put(value, key);
  }
  await done(tx);
}

describe('IndexedDB over SQLite: the API', () => {
  const fx = idbFixture();

  it('orders keys across types: numbers < dates < strings < binary < arrays', async () => {
    const db = await openDb(fx.make(), 'keys', 1, (d) => d.createObjectStore('s'));
    const sorted = [
      -Infinity,
      -1,
      0,
      3,
      new Date(-5),
      new Date(5),
      '',
      'a',
      'b',
      bin(1, 0),
      bin(2),
      [],
      [0],
      ['a', 1],
      ['a', 1, 0],
    ];
    const shuffled = [...sorted].sort(() => Math.random() - 0.5);
    await fill(
      db,
      's',
      shuffled.map((k, i) => [k, { i }]),
    );
    const read = async (d: Loose) => {
      const s = d.transaction('s').objectStore('s');
      return [await request(s.getAllKeys()), await cursorAll(s.openKeyCursor(null, 'prev'))];
    };
    for (const open of [db, 'keys']) {
      const d = typeof open === 'string' ? await fx.reopen(open) : open;
      const [keys, backwards] = (await read(d)) as [unknown[], [unknown][]];
      expect(keys).toEqual(sorted);
      expect(backwards.map(([k]) => k)).toEqual([...sorted].reverse());
    }
  });

  it('reads key ranges and walks cursors forwards, backwards, by key and by steps', async () => {
    const db = await openDb(fx.make(), 'ranges', 1, (d) => d.createObjectStore('s'));
    await fill(
      db,
      's',
      Array.from({ length: 10 }, (_, i) => [i + 1, `v${i + 1}`]),
    );
    const s = db.transaction('s').objectStore('s');
    expect(await request(s.getAll(KeyRange.bound(3, 6, true, false)))).toEqual(['v4', 'v5', 'v6']);
    expect(await request(s.getAllKeys(KeyRange.lowerBound(8)))).toEqual([8, 9, 10]);
    expect(await request(s.getAllKeys(KeyRange.lowerBound(8, true)))).toEqual([9, 10]);
    expect(await request(s.getAllKeys(KeyRange.upperBound(2, true)))).toEqual([1]);
    expect(await request(s.getAllKeys(KeyRange.only(5)))).toEqual([5]);
    expect(await request(s.getAll(null, 3))).toEqual(['v1', 'v2', 'v3']);
    expect(await request(s.count(KeyRange.bound(2, 9)))).toBe(8);
    expect(await request(s.count(KeyRange.bound(2, 9, true, true)))).toBe(6);
    expect(await request(s.count(KeyRange.upperBound(3, true)))).toBe(2);
    expect(await request(s.count(4))).toBe(1);
    expect(await request(s.count())).toBe(10);
    expect(await request(s.get(KeyRange.lowerBound(4, true)))).toBe('v5');
    expect(await request(s.getKey(KeyRange.upperBound(4)))).toBe(1);
    const back = await cursorAll(s.openCursor(KeyRange.bound(3, 7), 'prev'));
    expect(back.map(([k, , v]) => [k, v])).toEqual([7, 6, 5, 4, 3].map((k) => [k, `v${k}`]));
    // continue(key) jumps ahead, advance(n) skips.
    const visited: unknown[] = [];
    const req = s.openCursor();
    await new Promise<void>((resolve) => {
      req.onsuccess = () => {
        const c = req.result;
        if (!c) return resolve();
        visited.push(c.key);
        if (c.key === 2) c.continue(6);
        else if (c.key === 7) c.advance(3);
        else c.continue();
      };
    });
    expect(visited).toEqual([1, 2, 6, 7, 10]);
  });

  it('keeps indexes: non-unique in every direction, unique, multiEntry and compound', async () => {
    const db = await openDb(fx.make(), 'people', 1, (d) => {
      const s = d.createObjectStore('people', { keyPath: 'id' });
      s.createIndex('by_city', 'city');
      s.createIndex('by_email', 'email', { unique: true });
      s.createIndex('by_tag', 'tags', { multiEntry: true });
      s.createIndex('by_city_age', ['city', 'age']);
    });
    const people = [
      { id: 5, city: 'Paris', email: 'e5', tags: ['x', 'y', 'x'], age: 41 },
      { id: 2, city: 'Oslo', email: 'e2', tags: ['y'], age: 30 },
      { id: 9, city: 'Paris', email: 'e9', tags: [], age: 35 },
      { id: 1, city: 'Paris', email: 'e1', tags: ['x'], age: 30 },
      { id: 7, city: 'Lima', email: 'e7', tags: ['z'], age: 22 },
    ];
    await fill(
      db,
      'people',
      people.map((p) => [undefined, p]),
    );
    for (const open of [db, 'people']) {
      const d = typeof open === 'string' ? await fx.reopen(open) : open;
      const s = d.transaction('people').objectStore('people');
      const ids = async (r: Loose) =>
        (await cursorAll(r)).map(([k, pk]) => `${String(k)}:${String(pk)}`);
      const byCity = s.index('by_city');
      expect(await ids(byCity.openKeyCursor())).toEqual([
        'Lima:7',
        'Oslo:2',
        'Paris:1',
        'Paris:5',
        'Paris:9',
      ]);
      expect(await ids(byCity.openKeyCursor(null, 'prev'))).toEqual([
        'Paris:9',
        'Paris:5',
        'Paris:1',
        'Oslo:2',
        'Lima:7',
      ]);
      expect(await ids(byCity.openKeyCursor(null, 'nextunique'))).toEqual([
        'Lima:7',
        'Oslo:2',
        'Paris:1',
      ]);
      expect(await ids(byCity.openKeyCursor(null, 'prevunique'))).toEqual([
        'Paris:1',
        'Oslo:2',
        'Lima:7',
      ]);
      expect(await request(byCity.getAllKeys(null))).toEqual([7, 2, 1, 5, 9]);
      expect(await request(byCity.getAllKeys({ direction: 'prevunique' }))).toEqual([1, 2, 7]);
      expect((await request<Loose>(byCity.get('Paris'))).id).toBe(1);
      expect(await request(byCity.getKey('Paris'))).toBe(1);
      expect(await request(byCity.count('Paris'))).toBe(3);
      expect(await request(byCity.count(KeyRange.lowerBound('Oslo', true)))).toBe(3);
      expect(await request(byCity.count())).toBe(5);
      expect(await request(s.index('by_tag').count())).toBe(5);
      expect(await request(s.index('by_email').getKey('e9'))).toBe(9);
      expect(await request(s.index('by_tag').getAllKeys('x'))).toEqual([1, 5]);
      expect(await request(s.index('by_tag').getAllKeys('y'))).toEqual([2, 5]);
      const range = KeyRange.bound(['Paris', 30], ['Paris', 40]);
      expect(await request(s.index('by_city_age').getAllKeys(range))).toEqual([1, 9]);
    }
  });

  it('moves a record between index keys when it changes, and drops it from them when deleted', async () => {
    const db = await openDb(fx.make(), 'moves', 1, (d) => {
      d.createObjectStore('s', { keyPath: 'id' }).createIndex('by_city', 'city');
    });
    await fill(db, 's', [
      [undefined, { id: 1, city: 'Oslo' }],
      [undefined, { id: 2, city: 'Oslo' }],
    ]);
    let tx = db.transaction('s', 'readwrite');
    tx.objectStore('s').put({ id: 1, city: 'Rome' });
    tx.objectStore('s').delete(2);
    await done(tx);
    for (const open of [db, 'moves']) {
      const d = typeof open === 'string' ? await fx.reopen(open) : open;
      tx = d.transaction('s');
      const index = tx.objectStore('s').index('by_city');
      expect(await request(index.getAllKeys('Oslo'))).toEqual([]);
      expect(await request(index.getAllKeys('Rome'))).toEqual([1]);
    }
  });

  it('continues an index cursor to a key and primary key', async () => {
    const db = await openDb(fx.make(), 'cpk', 1, (d) => {
      d.createObjectStore('s', { keyPath: 'id' }).createIndex('k', 'k');
    });
    await fill(
      db,
      's',
      [1, 2, 3, 4, 5, 6].map((id) => [undefined, { id, k: id % 2 }]),
    );
    const req = db.transaction('s').objectStore('s').index('k').openCursor();
    const visited: unknown[] = [];
    await new Promise<void>((resolve) => {
      req.onsuccess = () => {
        const c = req.result;
        if (!c) return resolve();
        visited.push(c.primaryKey);
        if (visited.length === 1) c.continuePrimaryKey(1, 3);
        else c.continue();
      };
    });
    expect(visited).toEqual([2, 3, 5]);
  });

  it('gets, deletes by key and range, clears, and updates or deletes through cursors', async () => {
    const db = await openDb(fx.make(), 'crud', 1, (d) => d.createObjectStore('s'));
    await fill(
      db,
      's',
      Array.from({ length: 10 }, (_, i) => [i, { n: i }]),
    );
    let tx = db.transaction('s', 'readwrite');
    const s = tx.objectStore('s');
    s.delete(0);
    s.delete(KeyRange.bound(7, 8));
    const cursor = s.openCursor(KeyRange.bound(1, 3));
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c) return;
      if (c.key === 2) c.delete();
      else c.update({ n: c.value.n * 100 });
      c.continue();
    };
    expect(await request(s.get(99))).toBeUndefined();
    await done(tx);
    for (const open of [db, 'crud']) {
      const d = typeof open === 'string' ? await fx.reopen(open) : open;
      const t = d.transaction('s');
      expect(await request(t.objectStore('s').getAllKeys())).toEqual([1, 3, 4, 5, 6, 9]);
      expect(await request(t.objectStore('s').get(3))).toEqual({ n: 300 });
    }
    tx = (await fx.reopen('crud')).transaction('s', 'readwrite');
    tx.objectStore('s').clear();
    expect(await request(tx.objectStore('s').count())).toBe(0);
    await done(tx);
    const last = await fx.reopen('crud');
    expect(await request(last.transaction('s').objectStore('s').count())).toBe(0);
  });

  it('keeps structured values: typed arrays, dates, maps, nested objects', async () => {
    const db = await openDb(fx.make(), 'values', 1, (d) => d.createObjectStore('s'));
    const value = {
      bytes: new Uint8Array([1, 2, 3]),
      when: new Date(1234),
      map: new Map([['a', 1]]),
      nested: { list: [1, 'two', null, undefined, true], big: 10n },
    };
    await fill(db, 's', [['k', value]]);
    const back = await request(
      (await fx.reopen('values')).transaction('s').objectStore('s').get('k'),
    );
    expect(back).toEqual(value);
    expect((back as { bytes: unknown }).bytes).toBeInstanceOf(Uint8Array);
  });
});
