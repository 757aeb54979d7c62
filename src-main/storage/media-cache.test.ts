import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundledMigrations, migrate, openDb } from './db';
import { MediaCache, mediaFileName } from './media-cache';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(maxBytes = 1000) {
  const root = mkdtempSync(join(tmpdir(), 'media-cache-'));
  dirs.push(root);
  const dir = join(root, 'media');
  let t = 0;
  const db = openDb(':memory:');
  const cache = new MediaCache(db, dir, { maxBytes, now: () => ++t });
  return { db, dir, cache };
}

const item = (n: number, fill = 1) => ({ bytes: Buffer.alloc(n, fill), contentType: 'image/png' });

describe('media cache', () => {
  it('misses, then hits after a put, with bytes and content type', async () => {
    const { cache, dir } = setup();
    expect(await cache.get('mxc://x/a', 'original')).toBeUndefined();
    expect(await cache.put('mxc://x/a', 'original', item(10, 7))).toBe(true);
    const got = await cache.get('mxc://x/a', 'original');
    expect(got?.bytes.equals(Buffer.alloc(10, 7))).toBe(true);
    expect(got?.contentType).toBe('image/png');
    expect(await cache.get('mxc://x/a', 'thumb:32x32:scale')).toBeUndefined();
    // The file is named by a hash, not by the server's media id.
    expect(readdirSync(dir)).toEqual([mediaFileName('mxc://x/a', 'original')]);
    expect(cache.totalBytes).toBe(10);
  });

  it('evicts the least recently used items beyond the limit', async () => {
    const { cache } = setup(300);
    await cache.put('mxc://x/a', 'original', item(100));
    await cache.put('mxc://x/b', 'original', item(100));
    await cache.put('mxc://x/c', 'original', item(100));
    await cache.get('mxc://x/a', 'original'); // a is now more recent than b
    await cache.put('mxc://x/d', 'original', item(100));
    expect(await cache.get('mxc://x/b', 'original')).toBeUndefined();
    for (const k of ['a', 'c', 'd'])
      expect(await cache.get(`mxc://x/${k}`, 'original')).toBeDefined();
    expect(cache.totalBytes).toBe(300);
    expect(await cache.put('mxc://x/huge', 'original', item(301))).toBe(false);
    expect(cache.totalBytes).toBe(300);
    cache.setMaxBytes(150);
    expect(cache.totalBytes).toBe(100);
    expect(await cache.get('mxc://x/d', 'original')).toBeDefined();
  });

  it('clear forgets everything and removes the files', async () => {
    const { cache, dir } = setup();
    await cache.put('mxc://x/a', 'original', item(10));
    await cache.put('mxc://x/a', 'thumb:8x8:crop', item(5));
    await cache.clear();
    expect(cache.totalBytes).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(await cache.get('mxc://x/a', 'original')).toBeUndefined();
    await cache.put('mxc://x/a', 'original', item(10));
    expect(await cache.get('mxc://x/a', 'original')).toBeDefined();
  });

  it('treats a missing or half-written file as a miss, and drops its row', async () => {
    const { cache, dir, db } = setup();
    await cache.put('mxc://x/a', 'original', item(10));
    await cache.put('mxc://x/b', 'original', item(10));
    rmSync(join(dir, mediaFileName('mxc://x/a', 'original')));
    truncateSync(join(dir, mediaFileName('mxc://x/b', 'original')), 4);
    expect(await cache.get('mxc://x/a', 'original')).toBeUndefined();
    expect(await cache.get('mxc://x/b', 'original')).toBeUndefined();
    expect(cache.totalBytes).toBe(0);
    // A temporary file a crash left behind is removed when the cache opens.
    writeFileSync(join(dir, `${mediaFileName('mxc://x/c', 'original')}.abc.tmp`), 'half');
    new MediaCache(db, dir);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('is added by its migration to a database of the version before', () => {
    const db = new Database(':memory:');
    const all = bundledMigrations();
    const own = all.findIndex((m) => m.name.endsWith('_media_cache.sql'));
    expect(own).toBeGreaterThan(0);
    migrate(db, all.slice(0, own));
    expect(
      db.prepare("SELECT name FROM sqlite_master WHERE name = 'media_cache'").get(),
    ).toBeUndefined();
    migrate(db, all);
    expect(
      db.prepare("SELECT name FROM sqlite_master WHERE name = 'media_cache'").get(),
    ).toBeDefined();
  });
});
