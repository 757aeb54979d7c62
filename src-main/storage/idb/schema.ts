/**
 * The tables of an IndexedDB file: its databases, their object stores and indexes (the
 * metadata, read once when a database is opened), and the records of stores and indexes (read
 * on demand). Keys are stored encoded (`key-codec.ts`), so SQLite's BLOB order is IndexedDB's
 * key order; values are `v8.serialize`d (structured-clone compatible).
 *
 * @packageDocumentation
 */
import type Database from 'better-sqlite3';
import type { KeyPath } from './fake-internals';

/** This file format's version (`user_version`). */
export const IDB_FILE_VERSION = 1;

const SCHEMA_V1 = `
CREATE TABLE idb_database (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,         -- the IndexedDB database's name
  version INTEGER NOT NULL           -- its IndexedDB version
) STRICT;
CREATE TABLE idb_store (
  id INTEGER PRIMARY KEY,
  database_id INTEGER NOT NULL REFERENCES idb_database(id),
  name TEXT NOT NULL,
  key_path TEXT NOT NULL,            -- JSON: null, a string, or an array of strings
  auto_increment INTEGER NOT NULL,   -- 0 or 1
  key_generator INTEGER NOT NULL     -- the key generator's current number
) STRICT;
CREATE TABLE idb_index (
  id INTEGER PRIMARY KEY,
  store_id INTEGER NOT NULL REFERENCES idb_store(id),
  name TEXT NOT NULL,
  key_path TEXT NOT NULL,            -- JSON: a string or an array of strings
  is_unique INTEGER NOT NULL,        -- 0 or 1
  multi_entry INTEGER NOT NULL       -- 0 or 1
) STRICT;
CREATE TABLE idb_record (
  store_id INTEGER NOT NULL,         -- idb_store.id (no foreign key: checked by the code)
  key BLOB NOT NULL,                 -- the encoded key
  value BLOB NOT NULL,               -- the v8-serialised value
  UNIQUE (store_id, key)
) STRICT;
CREATE TABLE idb_index_record (
  index_id INTEGER NOT NULL,         -- idb_index.id
  key BLOB NOT NULL,                 -- the encoded index key
  primary_key BLOB NOT NULL,         -- the encoded key of the store's record
  PRIMARY KEY (index_id, key, primary_key)
) STRICT, WITHOUT ROWID;
`;

/**
 * Creates the tables in a new file, or checks an existing one's version. A file of a newer
 * format is refused rather than damaged; a file that is not ours either.
 */
export function ensureSchema(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === IDB_FILE_VERSION) return;
  if (version > IDB_FILE_VERSION) {
    throw new Error(`${path}: IndexedDB file format ${version} is newer than this app's`);
  }
  const tables = db.prepare(`SELECT count(*) FROM sqlite_schema`).pluck().get() as number;
  if (tables > 0) throw new Error(`${path}: not an IndexedDB file (it has other tables)`);
  db.transaction(() => {
    db.exec(SCHEMA_V1);
    db.pragma(`user_version = ${IDB_FILE_VERSION}`);
  })();
}

/** A database's row. */
export type DatabaseRow = { id: number; version: number };
/** An object store's row. */
export type StoreRow = {
  id: number;
  name: string;
  keyPath: KeyPath | null;
  autoIncrement: boolean;
  keyGenerator: number;
};
/** An index's row. */
export type IndexRow = {
  id: number;
  storeId: number;
  name: string;
  keyPath: KeyPath;
  unique: boolean;
  multiEntry: boolean;
};

function keyPathOf(json: string): KeyPath | null {
  const parsed: unknown = JSON.parse(json);
  if (parsed === null || typeof parsed === 'string') return parsed;
  if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return parsed;
  throw new Error(`Malformed key path in the IndexedDB file: ${json}`);
}

/** The metadata of database `name`: undefined if the file does not hold it. */
export function readDatabase(
  db: Database.Database,
  name: string,
): { row: DatabaseRow; stores: StoreRow[]; indexes: IndexRow[] } | undefined {
  const row = db.prepare(`SELECT id, version FROM idb_database WHERE name = ?`).get(name) as
    DatabaseRow | undefined;
  if (!row) return undefined;
  const stores = (
    db
      .prepare(
        `SELECT id, name, key_path, auto_increment, key_generator FROM idb_store
         WHERE database_id = ? ORDER BY id`,
      )
      .all(row.id) as {
      id: number;
      name: string;
      key_path: string;
      auto_increment: number;
      key_generator: number;
    }[]
  ).map((s) => ({
    id: s.id,
    name: s.name,
    keyPath: keyPathOf(s.key_path),
    autoIncrement: s.auto_increment === 1,
    keyGenerator: s.key_generator,
  }));
  const indexes = (
    db
      .prepare(
        `SELECT i.id, i.store_id, i.name, i.key_path, i.is_unique, i.multi_entry
         FROM idb_index i JOIN idb_store s ON s.id = i.store_id
         WHERE s.database_id = ? ORDER BY i.id`,
      )
      .all(row.id) as {
      id: number;
      store_id: number;
      name: string;
      key_path: string;
      is_unique: number;
      multi_entry: number;
    }[]
  ).map((i) => ({
    id: i.id,
    storeId: i.store_id,
    name: i.name,
    keyPath: keyPathOf(i.key_path) ?? '',
    unique: i.is_unique === 1,
    multiEntry: i.multi_entry === 1,
  }));
  return { row, stores, indexes };
}

/** The highest ids in use, so new databases, stores and indexes get fresh ones. */
export function maxIds(db: Database.Database): { database: number; store: number; index: number } {
  const max = (table: string) =>
    db.prepare(`SELECT coalesce(max(id), 0) FROM ${table}`).pluck().get() as number;
  return { database: max('idb_database'), store: max('idb_store'), index: max('idb_index') };
}

/**
 * Writes database `name`'s metadata as it is now (after an upgrade): its version, stores and
 * indexes; the records of stores and indexes that are gone are deleted. Runs inside the
 * upgrade's SQLite transaction.
 */
export function writeDatabase(
  db: Database.Database,
  name: string,
  row: DatabaseRow,
  stores: StoreRow[],
  indexes: IndexRow[],
): void {
  db.prepare(
    `INSERT INTO idb_database (id, name, version) VALUES (?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, version = excluded.version`,
  ).run(row.id, name, row.version);
  dropMissing(db, row.id, new Set(stores.map((s) => s.id)), new Set(indexes.map((i) => i.id)));
  const putStore = db.prepare(
    `INSERT OR REPLACE INTO idb_store (id, database_id, name, key_path, auto_increment, key_generator)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  for (const s of stores) {
    putStore.run(
      s.id,
      row.id,
      s.name,
      JSON.stringify(s.keyPath),
      s.autoIncrement ? 1 : 0,
      s.keyGenerator,
    );
  }
  const putIndex = db.prepare(
    `INSERT OR REPLACE INTO idb_index (id, store_id, name, key_path, is_unique, multi_entry)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  for (const i of indexes) {
    putIndex.run(
      i.id,
      i.storeId,
      i.name,
      JSON.stringify(i.keyPath),
      i.unique ? 1 : 0,
      i.multiEntry ? 1 : 0,
    );
  }
}

function dropMissing(
  db: Database.Database,
  databaseId: number,
  storeIds: Set<number>,
  indexIds: Set<number>,
): void {
  const oldIndexes = db
    .prepare(
      `SELECT i.id FROM idb_index i JOIN idb_store s ON s.id = i.store_id WHERE s.database_id = ?`,
    )
    .pluck()
    .all(databaseId) as number[];
  for (const id of oldIndexes.filter((id) => !indexIds.has(id))) {
    db.prepare(`DELETE FROM idb_index_record WHERE index_id = ?`).run(id);
    db.prepare(`DELETE FROM idb_index WHERE id = ?`).run(id);
  }
  const oldStores = db
    .prepare(`SELECT id FROM idb_store WHERE database_id = ?`)
    .pluck()
    .all(databaseId) as number[];
  for (const id of oldStores.filter((id) => !storeIds.has(id))) {
    db.prepare(`DELETE FROM idb_record WHERE store_id = ?`).run(id);
    db.prepare(`DELETE FROM idb_store WHERE id = ?`).run(id);
  }
}

/** Deletes database `name` and everything in it. */
export function deleteDatabase(db: Database.Database, name: string): void {
  const id = db.prepare(`SELECT id FROM idb_database WHERE name = ?`).pluck().get(name) as
    number | undefined;
  if (id === undefined) return;
  dropMissing(db, id, new Set(), new Set());
  db.prepare(`DELETE FROM idb_database WHERE id = ?`).run(id);
}

/** Saves a store's key generator (after a transaction that may have advanced it). */
export function writeKeyGenerator(db: Database.Database, storeId: number, num: number): void {
  db.prepare(`UPDATE idb_store SET key_generator = ? WHERE id = ?`).run(num, storeId);
}
