/**
 * fake-indexeddb's `Database` (one IndexedDB database: its stores, connections and transaction
 * queue) with its stores kept in an `IdbFile`. fake-indexeddb still runs the API: requests,
 * events, cursors, key ranges, indexes. This subclass decides when a transaction starts (a
 * writer only with the file's write slot) and hooks each writer's end, so that its SQLite
 * transaction commits before `complete` is fired, or rolls back on abort.
 *
 * @packageDocumentation
 */
import {
  Database,
  Index,
  ObjectStore,
  type RawDatabase,
  type RawObjectStore,
  type Transaction,
} from './fake-internals';
import type { IdbFile } from './idb-file';
import {
  readDatabase,
  writeDatabase,
  writeKeyGenerator,
  type IndexRow,
  type StoreRow,
} from './schema';

function overlaps(a: Set<string>, b: Set<string>): boolean {
  for (const name of a) if (b.has(name)) return true;
  return false;
}

/** An IndexedDB database whose object stores live in an `IdbFile`. */
export class SqliteDatabase extends Database {
  readonly #file: IdbFile;
  /** The database's id in the file. */
  readonly id: number;

  constructor(file: IdbFile, name: string, version: number, id: number) {
    super(name, version);
    this.#file = file;
    this.id = id;
    this.rawObjectStores = file.storeMap();
  }

  override processTransactions(): void {
    setImmediate(() => this.#startNext());
  }

  /**
   * Starts the first waiting transaction that may run: as fake-indexeddb decides (no running
   * transaction overlaps it unless both only read, no earlier waiting one overlaps it), and, for
   * a writer, only when the file's write slot is free.
   */
  #startNext(): void {
    const live = this.transactions.filter((t) => t._state !== 'finished');
    const running = live.filter((t) => t._started);
    const waiting = live.filter((t) => !t._started);
    const next = waiting.find(
      (t, i) =>
        !running.some(
          (o) => !(t.mode === 'readonly' && o.mode === 'readonly') && overlaps(o._scope, t._scope),
        ) &&
        !waiting.slice(0, i).some((o) => overlaps(o._scope, t._scope)) &&
        (t.mode === 'readonly' || this.#file.writerFree()),
    );
    if (!next) return;
    next.addEventListener('complete', this.processTransactions);
    next.addEventListener('abort', this.processTransactions);
    if (next.mode !== 'readonly') {
      try {
        this.#file.beginWriter(next);
      } catch (err) {
        next._abort('UnknownError');
        next.error = new DOMException(
          `Could not write to the store: ${String(err)}`,
          'UnknownError',
        );
        return;
      }
      this.#hookWriter(next);
    }
    next._start();
  }

  /** Commits `tx`'s SQLite transaction as it finishes, or rolls it back when it aborts. */
  #hookWriter(tx: Transaction): void {
    const abort = tx._abort.bind(tx);
    const finish = tx._markFinished.bind(tx);
    let aborting = false;
    tx._abort = (errName) => {
      aborting = true;
      // The undo steps write records back, which the SQLite rollback makes moot: one that
      // fails (a closed or full file) must not stop the others, nor the abort.
      tx._rollbackLog = tx._rollbackLog.map((undo) => () => {
        try {
          undo();
        } catch {
          // Rolled back with the SQLite transaction anyway.
        }
      });
      this.#file.abortWriter(tx, () => abort(errName));
    };
    tx._markFinished = () => {
      if (!aborting && this.#file.isWriter(tx)) {
        const err = this.#file.commitWriter(tx, () => this.#persist(tx));
        if (err) {
          tx._abort('UnknownError');
          tx.error = new DOMException(
            `Could not save the transaction: ${err.message}`,
            'UnknownError',
          );
          return;
        }
      }
      finish();
    };
  }

  /** Writes what `tx` changed besides records: the schema after an upgrade, key generators. */
  #persist(tx: Transaction): void {
    const db = this.#file.db;
    if (tx.mode === 'versionchange') {
      const { stores, indexes } = this.#schemaRows();
      writeDatabase(db, this.name, { id: this.id, version: this.version }, stores, indexes);
      return;
    }
    for (const name of tx._scope) {
      const store = this.rawObjectStores.get(name);
      if (store?.keyGenerator)
        writeKeyGenerator(db, this.#file.storeId(store), store.keyGenerator.num);
    }
  }

  #schemaRows(): { stores: StoreRow[]; indexes: IndexRow[] } {
    const stores: StoreRow[] = [];
    const indexes: IndexRow[] = [];
    for (const store of this.rawObjectStores.values()) {
      const storeId = this.#file.storeId(store);
      stores.push({
        id: storeId,
        name: store.name,
        keyPath: store.keyPath,
        autoIncrement: store.autoIncrement,
        keyGenerator: store.keyGenerator?.num ?? 0,
      });
      for (const index of store.rawIndexes.values()) {
        indexes.push({
          id: this.#file.indexId(index),
          storeId,
          name: index.name,
          keyPath: index.keyPath,
          unique: index.unique,
          multiEntry: index.multiEntry,
        });
      }
    }
    return { stores, indexes };
  }
}

/** Reads database `name` of `file` (its metadata only), or a new, empty one if it has none. */
function loadDatabase(file: IdbFile, name: string): SqliteDatabase {
  // A closed file (an open queued before the factory closed) reads as empty: the upgrade then
  // fails to write, and so the open request.
  const readable = file.db.open && !file.pendingDrops.has(name);
  const meta = readable ? readDatabase(file.db, name) : undefined;
  if (!meta) return new SqliteDatabase(file, name, 0, file.newDatabaseId());
  const database = new SqliteDatabase(file, name, meta.row.version, meta.row.id);
  const byId = new Map<number, RawObjectStore>();
  for (const s of meta.stores) {
    const store = new ObjectStore(database, s.name, s.keyPath, s.autoIncrement);
    file.wireStore(store, s.id);
    if (store.keyGenerator) store.keyGenerator.num = s.keyGenerator;
    database.rawObjectStores.set(s.name, store);
    byId.set(s.id, store);
  }
  for (const i of meta.indexes) {
    const store = byId.get(i.storeId);
    if (!store) throw new Error(`${file.path}: index ${i.name} has no object store`);
    const index = new Index(store, i.name, i.keyPath, i.multiEntry, i.unique);
    index.initialized = true;
    file.wireIndex(index, i.id);
    store.rawIndexes.set(i.name, index);
  }
  return database;
}

/** Database `name` of `file`, read from it the first time. */
export function databaseIn(file: IdbFile, name: string): RawDatabase {
  let database = file.databases.get(name);
  if (!database) {
    database = loadDatabase(file, name);
    file.databases.set(name, database);
  }
  return database;
}

/** Forgets database `name` of `file` and deletes it from the file (fake-indexeddb's delete). */
export function forgetDatabase(file: IdbFile, name: string): void {
  file.databases.delete(name);
  file.dropDatabase(name);
}

/** The names of the databases `file` holds, besides those read from it. */
export function databaseNames(file: IdbFile): string[] {
  const stored = file.db.prepare(`SELECT name FROM idb_database`).pluck().all() as string[];
  return [...new Set([...stored, ...file.databases.keys()])].filter(
    (n) => !file.pendingDrops.has(n) || file.databases.has(n),
  );
}
