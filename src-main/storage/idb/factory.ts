/**
 * The IndexedDB factory over SQLite files: fake-indexeddb's `FDBFactory`, whose two maps by
 * database name (the databases, the connection queues) lead to the file `fileFor(name)` names.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { FakeEvent, FDBFactory, FDBOpenDBRequest, type RawDatabase } from './fake-internals';
import { acquireFile, releaseFile, type IdbFile } from './idb-file';
import { databaseIn, databaseNames, forgetDatabase } from './sqlite-database';

/** The IndexedDB factory interface (the DOM's `IDBFactory`, as far as this store needs it). */
export interface IDBFactory {
  open(name: string, version?: number): unknown;
  deleteDatabase(name: string): unknown;
  cmp(first: unknown, second: unknown): number;
  databases(): Promise<{ name: string; version: number }[]>;
}

type FileOf = (name: string) => IdbFile;

/** The databases by name, each read from its file on first use. */
class DatabaseDirectory extends Map<string, RawDatabase> {
  readonly #fileOf: FileOf;
  readonly #files: () => Iterable<IdbFile>;
  constructor(fileOf: FileOf, files: () => Iterable<IdbFile>) {
    super();
    this.#fileOf = fileOf;
    this.#files = files;
  }
  override get(name: string): RawDatabase {
    return databaseIn(this.#fileOf(name), name);
  }
  override set(): this {
    throw new Error('Databases are created by their files');
  }
  override delete(name: string): boolean {
    forgetDatabase(this.#fileOf(name), name);
    return true;
  }
  override *entries(): MapIterator<[string, RawDatabase]> {
    for (const file of this.#files()) {
      for (const name of databaseNames(file)) yield [name, databaseIn(file, name)];
    }
  }
}

/** fake-indexeddb's per-name open/delete queues, kept per file (shared by its factories). */
class QueueDirectory extends Map<string, Promise<void>> {
  readonly #fileOf: FileOf;
  constructor(fileOf: FileOf) {
    super();
    this.#fileOf = fileOf;
  }
  override get(name: string): Promise<void> | undefined {
    return this.#fileOf(name).queues.get(name);
  }
  override set(name: string, queue: Promise<void>): this {
    this.#fileOf(name).queues.set(name, queue);
    return this;
  }
}

/** A request that fails with `error` (as fake-indexeddb fails an open). */
function failedRequest(error: unknown): unknown {
  const request = new FDBOpenDBRequest() as unknown as Record<string, unknown> & {
    dispatchEvent(e: unknown): boolean;
  };
  request.source = null;
  setImmediate(() => {
    request.readyState = 'done';
    request.result = undefined;
    request.error = new DOMException(
      error instanceof Error ? error.message : String(error),
      'UnknownError',
    );
    const event = new FakeEvent('error', { bubbles: true, cancelable: true });
    event.eventPath = [];
    request.dispatchEvent(event);
  });
  return request;
}

class SqliteFactory extends FDBFactory {
  readonly #fileFor: (name: string) => string;
  readonly #files = new Map<string, IdbFile>();
  /** The file of each database name asked for, kept after `close()`. */
  readonly #byName = new Map<string, IdbFile>();
  #closed = false;

  constructor(fileFor: (name: string) => string) {
    super();
    this.#fileFor = fileFor;
    const fileOf = (name: string) => this.#fileOf(name);
    this._databases = new DatabaseDirectory(fileOf, () => this.#files.values());
    this._connectionQueues = new QueueDirectory(fileOf);
  }

  /**
   * The file of database `name`, opened on first use. Once a name has its file, this never
   * throws: fake-indexeddb asks again from its own tasks, where a throw would crash the process
   * (a request queued before `close()` then fails on the closed file instead).
   */
  #fileOf(name: string): IdbFile {
    const known = this.#byName.get(name);
    if (known) return known;
    if (this.#closed) throw new Error('This IndexedDB factory is closed');
    const path = resolve(this.#fileFor(String(name)));
    let file = this.#files.get(path);
    if (!file) {
      file = acquireFile(path);
      this.#files.set(path, file);
    }
    this.#byName.set(name, file);
    return file;
  }

  /** Opens the file and reads the database now, so a failure fails the request. */
  #prepare(name: unknown): unknown {
    if (this.#closed) return new Error('This IndexedDB factory is closed');
    try {
      databaseIn(this.#fileOf(String(name)), String(name));
      return undefined;
    } catch (err) {
      return err ?? new Error('Could not open the database');
    }
  }

  override open(...args: [name: string, version?: number]): unknown {
    const failure = args.length > 0 ? this.#prepare(args[0]) : undefined;
    return failure === undefined ? super.open(...args) : failedRequest(failure);
  }

  override deleteDatabase(...args: [name: string]): unknown {
    const failure = args.length > 0 ? this.#prepare(args[0]) : undefined;
    return failure === undefined ? super.deleteDatabase(...args) : failedRequest(failure);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const file of this.#files.values()) releaseFile(file);
    this.#files.clear();
  }
}

/**
 * An IndexedDB factory whose databases are SQLite files; `fileFor(name)` says where database
 * `name` lives (created 0600, its folder 0700 if missing). Several databases may share a file.
 * Records are read on demand, so memory does not grow with the data. `close()` closes the files
 * (after the caller has closed its database connections); the factory then opens nothing more.
 */
export function createSqliteIndexedDB(opts: { fileFor: (name: string) => string }): {
  factory: IDBFactory;
  close(): void;
} {
  const factory = new SqliteFactory(opts.fileFor);
  return { factory: factory as IDBFactory, close: () => factory.close() };
}
