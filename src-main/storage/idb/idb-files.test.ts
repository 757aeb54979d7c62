import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cursorAll,
  done,
  idbFixture,
  openDb,
  request,
  type Loose,
} from '../../testing/idb-helpers';
import { createSqliteIndexedDB } from './factory';
import { FAKE_INDEXEDDB_VERSION, installedVersion } from './fake-internals';
import { IdbFile } from './idb-file';

const BATCH_CHILD = join(import.meta.dirname, '../../testing/idb-batch-child.ts');

function names(list: Loose): string[] {
  return [...list];
}

describe('IndexedDB over SQLite: databases in files', () => {
  const fx = idbFixture();

  it('keeps upgrades: stores and indexes added, renamed and deleted, an index built from records', async () => {
    let db = await openDb(fx.make(), 'up', 1, (d) => {
      d.createObjectStore('a', { keyPath: 'id' }).createIndex('by_x', 'x');
      d.createObjectStore('b');
    });
    const tx = db.transaction(['a', 'b'], 'readwrite');
    for (let id = 1; id <= 4; id++) tx.objectStore('a').put({ id, x: id % 2, y: 10 - id });
    tx.objectStore('b').put('gone', 1);
    await done(tx);
    fx.closeAll();
    await openDb(fx.make(), 'up', 2, (d, upgrade) => {
      const a = upgrade.objectStore('a');
      a.name = 'a2';
      a.deleteIndex('by_x');
      a.createIndex('by_y', 'y', { unique: true });
      d.deleteObjectStore('b');
      d.createObjectStore('c', { autoIncrement: true });
    });
    fx.closeAll();
    db = await fx.reopen('up');
    expect(db.version).toBe(2);
    expect(names(db.objectStoreNames)).toEqual(['a2', 'c']);
    const a2 = db.transaction('a2').objectStore('a2');
    expect(names(a2.indexNames)).toEqual(['by_y']);
    expect(await request(a2.index('by_y').getAllKeys())).toEqual([4, 3, 2, 1]);
    // A store made again under a deleted one's name starts empty.
    fx.closeAll();
    db = await openDb(fx.make(), 'up', 3, (d) => d.createObjectStore('b'));
    expect(await request(db.transaction('b').objectStore('b').count())).toBe(0);
  });

  it('leaves version, stores and records as they were when an upgrade aborts', async () => {
    let db = await openDb(fx.make(), 'keep', 1, (d) => d.createObjectStore('a'));
    let tx = db.transaction('a', 'readwrite');
    tx.objectStore('a').put('v', 'k');
    await done(tx);
    db.close();
    await expect(
      openDb(fx.make(), 'keep', 2, (d, upgrade) => {
        d.createObjectStore('new').put('x', 1);
        upgrade.objectStore('a').put('changed', 'k');
        upgrade.objectStore('a').createIndex('i', 'z');
        d.deleteObjectStore('a');
        upgrade.abort();
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    for (const check of ['memory', 'file']) {
      db = check === 'file' ? await fx.reopen('keep') : await openDb(fx.make(), 'keep');
      expect(db.version).toBe(1);
      expect(names(db.objectStoreNames)).toEqual(['a']);
      tx = db.transaction('a');
      expect(names(tx.objectStore('a').indexNames)).toEqual([]);
      expect(await request(tx.objectStore('a').get('k'))).toBe('v');
    }
  });

  it('shares a file opened by two factories of one thread: same data, versionchange reaches both', async () => {
    const first = await openDb(fx.make(), 'shared', 1, (d) => d.createObjectStore('s'));
    const tx = first.transaction('s', 'readwrite');
    tx.objectStore('s').put('from the first', 1);
    await done(tx);
    const second = fx.make();
    const peek = await openDb(second, 'shared');
    expect(await request(peek.transaction('s').objectStore('s').get(1))).toBe('from the first');
    peek.close();
    let closed = 0;
    first.onversionchange = () => {
      closed++;
      first.close();
    };
    const upgraded = await openDb(second, 'shared', 2, (d) => d.createObjectStore('t'));
    expect(closed).toBe(1);
    expect(names(upgraded.objectStoreNames)).toEqual(['s', 't']);
  });

  it('refuses a file that another connection holds, with a clear error', async () => {
    await openDb(fx.make(), 'busy', 1, (d) => d.createObjectStore('s'));
    const path = join(fx.dir(), 'busy.sqlite');
    // As another thread or process would: its own connection to the file.
    expect(() => new IdbFile(path)).toThrow(/in use by another thread or process/);
    const raw = new Database(path, { timeout: 50 });
    try {
      expect(() => raw.prepare('SELECT count(*) FROM idb_record').get()).toThrow(/locked/);
    } finally {
      raw.close();
    }
  });

  it('fails the open request, naming the file, when the file is not an IndexedDB file', async () => {
    const factory = fx.make();
    writeFileSync(join(fx.dir(), 'junk.sqlite'), 'this is not a database, just text '.repeat(200));
    await expect(request(factory.open('junk'))).rejects.toThrow(/not a database/);
    const other = new Database(join(fx.dir(), 'other.sqlite'));
    other.exec('CREATE TABLE mine (x)');
    other.close();
    await expect(request(factory.open('other'))).rejects.toThrow(
      /other\.sqlite: not an IndexedDB file/,
    );
    expect(statSync(join(fx.dir(), 'other.sqlite')).size).toBeGreaterThan(0);
  });

  it('lists the databases of its files, and deletes a database from its file', async () => {
    const factory = fx.make();
    const db = await openDb(factory, 'doomed', 3, (d) => d.createObjectStore('s').put('v', 1));
    (await openDb(factory, 'other', 2, (d) => d.createObjectStore('s'))).close();
    db.close();
    const listed = await factory.databases();
    expect(listed.sort((a: Loose, b: Loose) => a.name.localeCompare(b.name))).toEqual([
      { name: 'doomed', version: 3 },
      { name: 'other', version: 2 },
    ]);
    await request(factory.deleteDatabase('doomed'));
    expect(await factory.databases()).toEqual([{ name: 'other', version: 2 }]);
    const again = await fx.reopen('doomed');
    expect(again.version).toBe(1);
    expect(names(again.objectStoreNames)).toEqual([]);
  });

  it('after kill -9 in the middle of writing, holds each transaction whole or not at all', async () => {
    const path = join(fx.dir(), 'killed.sqlite');
    const perBatch = 300;
    // Killed right after a commit, then halfway through a transaction (held open), then again.
    expect(await runAndKill(path, perBatch, 'batch 3')).toBe(3);
    const held = await runAndKill(path, perBatch, 'holding', 6);
    expect(held).toBeGreaterThanOrEqual(5);
    expect(await runAndKill(path, perBatch, 'batch 9')).toBe(9);
    const { factory, close } = createSqliteIndexedDB({ fileFor: () => path });
    try {
      const db = await openDb(factory, 'batches');
      const store = db.transaction('records').objectStore('records');
      const keys = (await cursorAll(store.openKeyCursor())).map(([k]) => k as [number, number]);
      const counts = new Map<number, number>();
      for (const [batch] of keys) counts.set(batch, (counts.get(batch) ?? 0) + 1);
      for (const [batch, n] of counts) expect(n, `batch ${batch}`).toBe(perBatch);
      // The held batch was lost whole, and its number written again by the next child.
      const batches = [...counts.keys()].sort((a, b) => a - b);
      expect(batches).toEqual(Array.from({ length: batches.length }, (_, n) => n + 1));
      expect(counts.size).toBeGreaterThanOrEqual(9);
      expect(await request(store.index('by_batch').count())).toBe(keys.length);
    } finally {
      close();
    }
  }, 120_000);
});

/**
 * Runs the batch child on `path` (holding batch `holdAt` open, if given) and kills it with
 * SIGKILL when it prints a line starting with `killOn`. Resolves with the last batch it
 * reported committed.
 */
function runAndKill(
  path: string,
  perBatch: number,
  killOn: string,
  holdAt?: number,
): Promise<number> {
  const args = [BATCH_CHILD, path, String(perBatch), ...(holdAt ? [String(holdAt)] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let last = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('batch ')) last = Number(line.slice(6));
        if (line === killOn || (killOn === 'holding' && line.startsWith('holding '))) {
          child.kill('SIGKILL');
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`batch child exited ${code}: ${err}`));
    });
  });
}

describe('fake-indexeddb, whose internals the store hooks into', () => {
  it('is the version the hooks were written against (see fake-internals.ts before updating)', () => {
    expect(installedVersion).toBe(FAKE_INDEXEDDB_VERSION);
  });
});
