/**
 * One SQLite file of IndexedDB databases, open once per thread: its connection, its prepared
 * statements, the ids of its stores and indexes, and its write slot.
 *
 * IndexedDB write transactions (`readwrite`, `versionchange`) take the file's write slot one at
 * a time, and each runs inside one SQLite transaction: its writes go straight to the file (so
 * it reads its own writes), `COMMIT` before its `complete` event, `ROLLBACK` on abort. A crash
 * leaves each IndexedDB transaction all there or not at all. Read-only transactions run beside
 * the writer: IndexedDB never lets one overlap a running writer's stores.
 *
 * The file is opened with an exclusive lock: another thread or process that opens it gets a
 * clear error instead of a second, diverging view of the same crypto store.
 *
 * @packageDocumentation
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PRIVATE_DIR_MODE, prepareDbFile } from '../private-files';
import type { RawDatabase, RawIndex, RawObjectStore, Transaction } from './fake-internals';
import { IndexRecords, StoreRecords, type Sql } from './record-stores';
import { deleteDatabase, ensureSchema, maxIds } from './schema';

/** How long opening waits for a lock held elsewhere before it gives up. */
const BUSY_TIMEOUT_MS = 2000;

/** A `Map` that wires each value it is given (fake-indexeddb adds stores and indexes with `set`). */
class WiringMap<T> extends Map<string, T> {
  readonly #wire: (value: T) => void;
  constructor(wire: (value: T) => void) {
    super();
    this.#wire = wire;
  }
  override set(key: string, value: T): this {
    this.#wire(value);
    return super.set(key, value);
  }
}

/** An open IndexedDB file. Get one with `acquireFile`, give it back with `releaseFile`. */
export class IdbFile implements Sql {
  readonly db: Database.Database;
  /** The databases read from this file so far, by name (`sqlite-database.ts`). */
  readonly databases = new Map<string, RawDatabase>();
  /** fake-indexeddb's connection queues for this file's databases, by name. */
  readonly queues = new Map<string, Promise<void>>();
  /** Databases deleted while another database's writer held the file: dropped when it ends. */
  readonly pendingDrops = new Set<string>();
  refs = 0;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #storeIds = new WeakMap<RawObjectStore, number>();
  readonly #indexIds = new WeakMap<RawIndex, number>();
  readonly #next: { database: number; store: number; index: number };
  #writer: Transaction | null = null;

  constructor(readonly path: string) {
    if (!existsSync(dirname(path)))
      mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
    prepareDbFile(path);
    this.db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      ensureSchema(this.db, path);
      this.#next = maxIds(this.db);
    } catch (err) {
      this.db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') {
        throw new Error(`${path} is in use by another thread or process`, { cause: err });
      }
      throw err;
    }
  }

  /** A prepared statement for `sql`, prepared once. */
  prepare(sql: string): Database.Statement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  /**
   * A prepared statement for a write. Writes only run inside the writer's SQLite transaction:
   * if SQLite rolled it back on its own (it may, on a full disk), the write fails instead of
   * committing alone, and the IndexedDB transaction aborts.
   */
  write(sql: string): Database.Statement {
    if (!this.db.inTransaction) {
      throw new Error(
        `${this.path}: the write transaction was rolled back; nothing more is written`,
      );
    }
    return this.prepare(sql);
  }

  /** A fresh id for a new database. */
  newDatabaseId(): number {
    return ++this.#next.database;
  }

  /** Stores `store`'s records in this file (under `id`, or a fresh id for a new store). */
  wireStore(store: RawObjectStore, id?: number): void {
    if (this.#storeIds.has(store)) return;
    const storeId = id ?? ++this.#next.store;
    this.#storeIds.set(store, storeId);
    const records = new StoreRecords(this, storeId);
    store.records = records;
    // Counted by SQLite, where fake-indexeddb would read every record in the range.
    store.count = (range) => records.count(range);
    const indexes = new WiringMap<RawIndex>((index) => this.wireIndex(index));
    for (const [name, index] of store.rawIndexes) indexes.set(name, index);
    store.rawIndexes = indexes;
  }

  /** Stores `index`'s records in this file (under `id`, or a fresh id for a new index). */
  wireIndex(index: RawIndex, id?: number): void {
    if (this.#indexIds.has(index)) return;
    const indexId = id ?? ++this.#next.index;
    this.#indexIds.set(index, indexId);
    const records = new IndexRecords(this, indexId);
    index.records = records;
    index.count = (range) => records.count(range);
  }

  /** A map of object stores that wires each store added to it. */
  storeMap(): Map<string, RawObjectStore> {
    return new WiringMap<RawObjectStore>((store) => this.wireStore(store));
  }

  storeId(store: RawObjectStore): number {
    const id = this.#storeIds.get(store);
    if (id === undefined) throw new Error(`Object store ${store.name} is not in ${this.path}`);
    return id;
  }

  indexId(index: RawIndex): number {
    const id = this.#indexIds.get(index);
    if (id === undefined) throw new Error(`Index ${index.name} is not in ${this.path}`);
    return id;
  }

  /** Whether a write transaction may start now. */
  writerFree(): boolean {
    return this.#writer === null;
  }

  isWriter(tx: Transaction): boolean {
    return this.#writer === tx;
  }

  /** Gives the write slot to `tx` and opens its SQLite transaction. */
  beginWriter(tx: Transaction): void {
    if (this.#writer) throw new Error('Two IndexedDB write transactions at once');
    this.db.exec('BEGIN IMMEDIATE');
    this.#writer = tx;
  }

  /**
   * Commits the writer `tx`, after `persist` wrote what else it changed. Returns the error if
   * that failed: the caller then aborts `tx`, which rolls back (`abortWriter`).
   */
  commitWriter(tx: Transaction, persist: () => void): Error | undefined {
    if (this.#writer !== tx) return new Error('Not the running write transaction');
    try {
      persist();
      this.db.exec('COMMIT');
    } catch (err) {
      return err as Error;
    }
    this.#release();
    return undefined;
  }

  /**
   * Runs `rollback` (fake-indexeddb's abort steps, which undo in memory what `tx` did, writing
   * too) inside a savepoint that is then rolled back, so nothing of it reaches the file even
   * when `tx` no longer holds the slot; then, if `tx` is the writer, rolls its transaction back.
   */
  abortWriter(tx: Transaction, rollback: () => void): void {
    if (!this.db.open) {
      // Closed under a running transaction: its SQLite transaction went with the connection.
      if (this.#writer === tx) this.#writer = null;
      return rollback();
    }
    this.db.exec('SAVEPOINT idb_abort');
    try {
      rollback();
    } finally {
      this.db.exec('ROLLBACK TO idb_abort');
      this.db.exec('RELEASE idb_abort');
      if (this.#writer === tx) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        this.#release();
      }
    }
  }

  /** Drops database `name` from the file now, or when the running writer ends. */
  dropDatabase(name: string): void {
    if (!this.db.open) return; // closed under a queued delete: nothing can change any more
    if (this.#writer) this.pendingDrops.add(name);
    else this.db.transaction(() => deleteDatabase(this.db, name))();
  }

  #release(): void {
    this.#writer = null;
    if (!this.db.open) return;
    for (const name of this.pendingDrops)
      this.db.transaction(() => deleteDatabase(this.db, name))();
    this.pendingDrops.clear();
    for (const database of this.databases.values()) database.processTransactions();
  }

  close(): void {
    this.#statements.clear();
    this.db.close();
  }
}

const open = new Map<string, IdbFile>();

/** The file at `path`, opened if this thread has not yet (each caller releases it once). */
export function acquireFile(path: string): IdbFile {
  const full = resolve(path);
  let file = open.get(full);
  if (!file) {
    file = new IdbFile(full);
    open.set(full, file);
  }
  file.refs++;
  return file;
}

/** Gives back a file from `acquireFile`; the last release closes it. */
export function releaseFile(file: IdbFile): void {
  if (--file.refs > 0) return;
  open.delete(file.path);
  file.close();
}
