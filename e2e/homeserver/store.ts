import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { toJson } from './json-text';

/** Where the homeserver's state lives: nowhere (memory only) or a SQLite file. */
export interface Persistence {
  /** Every stored row, grouped by kind. */
  loadAll(): Map<string, Map<string, unknown>>;
  put(kind: string, key: string, value: unknown): void;
  remove(kind: string, key: string): void;
  putBlob(id: string, data: Buffer): void;
  getBlob(id: string): Buffer | undefined;
  /** Every stored blob with its id (for tests that inspect everything stored). */
  blobs(): Iterable<[string, Buffer]>;
  /** Runs `fn` as one write transaction. */
  batch<T>(fn: () => T): T;
  close(): void;
}

/** Keeps rows in memory only: they survive a simulated restart, not the process. */
export class MemoryPersistence implements Persistence {
  #rows = new Map<string, Map<string, unknown>>();
  #blobs = new Map<string, Buffer>();
  loadAll() {
    return this.#rows;
  }
  put(kind: string, key: string, value: unknown) {
    let m = this.#rows.get(kind);
    if (!m) this.#rows.set(kind, (m = new Map()));
    m.set(key, value);
  }
  remove(kind: string, key: string) {
    this.#rows.get(kind)?.delete(key);
  }
  putBlob(id: string, data: Buffer) {
    this.#blobs.set(id, data);
  }
  getBlob(id: string) {
    return this.#blobs.get(id);
  }
  blobs() {
    return this.#blobs.entries();
  }
  batch<T>(fn: () => T): T {
    return fn();
  }
  close() {}
}

export class SqlitePersistence implements Persistence {
  #db: Database.Database;
  #put: Database.Statement;
  #remove: Database.Statement;
  #putBlob: Database.Statement;
  #getBlob: Database.Statement;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.#db = new Database(join(dir, 'homeserver.sqlite'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS kv (
        kind TEXT NOT NULL,   -- collection name: user, device, event, ...
        key TEXT NOT NULL,    -- key inside the collection
        value TEXT NOT NULL,  -- JSON
        PRIMARY KEY (kind, key)
      ) STRICT;
      CREATE TABLE IF NOT EXISTS blob (
        id TEXT PRIMARY KEY,  -- media id
        data BLOB NOT NULL
      ) STRICT;
    `);
    this.#put = this.#db.prepare(
      'INSERT INTO kv (kind, key, value) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value',
    );
    this.#remove = this.#db.prepare('DELETE FROM kv WHERE kind = ? AND key = ?');
    this.#putBlob = this.#db.prepare('INSERT OR REPLACE INTO blob (id, data) VALUES (?, ?)');
    this.#getBlob = this.#db.prepare('SELECT data FROM blob WHERE id = ?');
  }

  loadAll() {
    const out = new Map<string, Map<string, unknown>>();
    const rows = this.#db.prepare('SELECT kind, key, value FROM kv').iterate() as Iterable<{
      kind: string;
      key: string;
      value: string;
    }>;
    for (const row of rows) {
      let m = out.get(row.kind);
      if (!m) out.set(row.kind, (m = new Map()));
      m.set(row.key, JSON.parse(row.value));
    }
    return out;
  }
  put(kind: string, key: string, value: unknown) {
    this.#put.run(kind, key, toJson(value));
  }
  remove(kind: string, key: string) {
    this.#remove.run(kind, key);
  }
  putBlob(id: string, data: Buffer) {
    this.#putBlob.run(id, data);
  }
  getBlob(id: string) {
    const row = this.#getBlob.get(id) as { data: Buffer } | undefined;
    return row?.data;
  }
  *blobs(): Iterable<[string, Buffer]> {
    const rows = this.#db.prepare('SELECT id, data FROM blob').iterate() as Iterable<{
      id: string;
      data: Buffer;
    }>;
    for (const row of rows) yield [row.id, row.data];
  }
  batch<T>(fn: () => T): T {
    if (this.#db.inTransaction) return fn();
    return this.#db.transaction(fn)();
  }
  close() {
    this.#db.close();
  }
}

/** A keyed collection held in memory and written through to the persistence layer. */
export class Collection<T> {
  #map = new Map<string, T>();

  constructor(
    readonly kind: string,
    private readonly persist: Persistence,
    loaded?: Map<string, unknown>,
  ) {
    if (loaded) for (const [k, v] of loaded) this.#map.set(k, v as T);
  }

  get(key: string): T | undefined {
    return this.#map.get(key);
  }
  has(key: string): boolean {
    return this.#map.has(key);
  }
  /** Stores `value` (also after mutating an object got from here). */
  set(key: string, value: T): void {
    this.#map.set(key, value);
    this.persist.put(this.kind, key, value);
  }
  delete(key: string): void {
    if (this.#map.delete(key)) this.persist.remove(this.kind, key);
  }
  values(): IterableIterator<T> {
    return this.#map.values();
  }
  entries(): IterableIterator<[string, T]> {
    return this.#map.entries();
  }
  get size(): number {
    return this.#map.size;
  }
}
