/**
 * Downloaded media on disk, indexed in the account's database: one file per (mxc, variant),
 * named by a hash (never by anything the server sent), written to a temporary file and renamed
 * so a crash never leaves a half file under a cached name. The total size is bounded: the least
 * recently used entries are evicted beyond the limit. A file missing or of the wrong size on
 * disk is a miss (and its row is dropped).
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { readdirSync, rmSync, unlinkSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from './db';
import { writePrivateFileAtomically } from './private-files';

/** The folder of an account's media cache, inside the account's folder. */
export const MEDIA_DIR = 'media';

/** The default size limit of the cache: 512 MiB. */
export const DEFAULT_MEDIA_CACHE_BYTES = 512 * 1024 * 1024;

/** A cached item. */
export type CachedMedia = { bytes: Buffer; contentType: string | undefined };

/** How a cache is set up. */
export type MediaCacheOptions = {
  /** The largest total size of the cached files, in bytes (default 512 MiB). */
  maxBytes?: number;
  /** The clock of `last_used` (tests). */
  now?: () => number;
};

type Row = { file: string; size: number; content_type: string | null };

const FILE_NAME = /^[0-9a-f]{64}$/;

const SQL = {
  get: 'SELECT file, size, content_type FROM media_cache WHERE mxc = ? AND variant = ?',
  touch: 'UPDATE media_cache SET last_used = ? WHERE mxc = ? AND variant = ?',
  upsert: `INSERT INTO media_cache (mxc, variant, file, size, content_type, last_used)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (mxc, variant) DO UPDATE SET file = excluded.file, size = excluded.size,
           content_type = excluded.content_type, last_used = excluded.last_used`,
  delete: 'DELETE FROM media_cache WHERE mxc = ? AND variant = ?',
  total: 'SELECT COALESCE(SUM(size), 0) AS total FROM media_cache',
  oldest: 'SELECT mxc, variant, file, size FROM media_cache ORDER BY last_used, rowid LIMIT 1',
  clear: 'DELETE FROM media_cache',
} as const;

/** The file name of an item: a hash of its key, so nothing from the server reaches the path. */
export function mediaFileName(mxc: string, variant: string): string {
  return createHash('sha256').update(`${mxc}\n${variant}`).digest('hex');
}

/** Media files of one account, under `dir`, indexed in `db`. */
export class MediaCache {
  readonly #db: Db;
  readonly #dir: string;
  readonly #now: () => number;
  #maxBytes: number;

  constructor(db: Db, dir: string, opts: MediaCacheOptions = {}) {
    this.#db = db;
    this.#dir = dir;
    this.#now = opts.now ?? Date.now;
    this.#maxBytes = opts.maxBytes ?? DEFAULT_MEDIA_CACHE_BYTES;
    this.#removeTempFiles();
  }

  /** The size limit, in bytes. */
  get maxBytes(): number {
    return this.#maxBytes;
  }

  /** Changes the size limit, evicting at once down to it. */
  setMaxBytes(bytes: number): void {
    this.#maxBytes = bytes;
    this.#evict();
  }

  /** The total size of the cached files, in bytes. */
  get totalBytes(): number {
    return this.#db.prepare<[], { total: number }>(SQL.total).get()!.total;
  }

  /** The cached item, or `undefined` (also when its file is gone or damaged). */
  async get(mxc: string, variant: string): Promise<CachedMedia | undefined> {
    const row = this.#db.prepare<[string, string], Row>(SQL.get).get(mxc, variant);
    if (!row) return undefined;
    let bytes: Buffer | undefined;
    if (FILE_NAME.test(row.file)) {
      bytes = await readFile(join(this.#dir, row.file)).catch(() => undefined);
    }
    if (!bytes || bytes.length !== row.size) {
      this.#db.prepare(SQL.delete).run(mxc, variant);
      return undefined;
    }
    this.#db.prepare(SQL.touch).run(this.#now(), mxc, variant);
    return { bytes, contentType: row.content_type ?? undefined };
  }

  /**
   * Keeps `content` as (mxc, variant), then evicts the least recently used items beyond the
   * limit. An item larger than the whole limit is not kept: resolves `false`.
   */
  async put(mxc: string, variant: string, content: CachedMedia): Promise<boolean> {
    if (content.bytes.length > this.#maxBytes) return false;
    const file = mediaFileName(mxc, variant);
    await writePrivateFileAtomically(join(this.#dir, file), content.bytes);
    this.#db
      .prepare(SQL.upsert)
      .run(mxc, variant, file, content.bytes.length, content.contentType ?? null, this.#now());
    this.#evict();
    return true;
  }

  /** Forgets every cached item and removes their files. */
  async clear(): Promise<void> {
    this.#db.prepare(SQL.clear).run();
    await rm(this.#dir, { recursive: true, force: true });
  }

  #evict(): void {
    const oldest = this.#db.prepare<[], Row & { mxc: string; variant: string }>(SQL.oldest);
    while (this.totalBytes > this.#maxBytes) {
      const row = oldest.get();
      if (!row) break;
      this.#db.prepare(SQL.delete).run(row.mxc, row.variant);
      if (FILE_NAME.test(row.file)) {
        try {
          unlinkSync(join(this.#dir, row.file));
        } catch {
          // Already gone: nothing to free.
        }
      }
    }
  }

  /** Temporary files a crash left behind mid-write. */
  #removeTempFiles(): void {
    let names: string[];
    try {
      names = readdirSync(this.#dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.endsWith('.tmp')) rmSync(join(this.#dir, n), { force: true });
    }
  }
}
