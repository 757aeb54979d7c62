/**
 * The parts of `fake-indexeddb` (6.2.8, pinned) this store builds on, typed. The package's own
 * types cover only its public API; its storage classes (`lib/Database.js`, `lib/ObjectStore.js`,
 * `lib/Index.js`) are not exported, so they are loaded here from its CommonJS build by path.
 * Every class comes from that one build, so `instanceof` checks inside the package (and in the
 * crypto wasm, through the globals `install.ts` sets) see one set of classes.
 *
 * What this store changes in them, all of it internal to the package, so a new version needs
 * these points checked (and the tests of `storage/idb/` run) before it is taken:
 * - `Database`: subclassed; `processTransactions` (scheduling) replaced, `rawObjectStores` a map
 *   that wires each store added to it;
 * - `ObjectStore`, `Index`: their `records` (a `RecordStore`) and `rawIndexes` replaced, `count`
 *   shadowed;
 * - `FDBFactory`: its `_databases` and `_connectionQueues` maps replaced;
 * - `FDBTransaction`: `_abort`, `_markFinished` and `_rollbackLog` wrapped per writer; `_start`,
 *   `_started`, `_state`, `_scope`, `mode` and `error` read.
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IdbKey } from './key-codec';

const require = createRequire(import.meta.url);
const CJS_DIR = dirname(require.resolve('fake-indexeddb'));

function load<T>(file: string): T {
  return require(join(CJS_DIR, file)) as T;
}

/** The fake-indexeddb version whose internals this store was written against. */
export const FAKE_INDEXEDDB_VERSION = '6.2.8';

/** The fake-indexeddb version installed. */
export const installedVersion = load<{ version: string }>('../../package.json').version;

/** An `IDBKeyRange` (fake-indexeddb's `FDBKeyRange`); bounds are normalised keys. */
export interface KeyRange {
  lower: IdbKey | undefined;
  upper: IdbKey | undefined;
  lowerOpen: boolean;
  upperOpen: boolean;
}

/** A record as fake-indexeddb's stores pass them around: in an index, `value` is the primary key. */
export type RawRecord = { key: IdbKey; value: unknown };

/** The storage interface of fake-indexeddb's `RecordStore`, which `record-stores.ts` implements. */
export interface RecordStore {
  get(key: IdbKey | KeyRange): RawRecord | undefined;
  put(record: RawRecord, noOverwrite?: boolean): RawRecord | undefined;
  delete(key: IdbKey | KeyRange): RawRecord[];
  deleteByKeyAndValue(key: IdbKey, value: IdbKey): void;
  clear(): RawRecord[];
  values(range?: KeyRange, direction?: CursorDirection): Iterable<RawRecord>;
  size(): number;
}

/** A cursor direction, or the direction of a `getAll`. */
export type CursorDirection = 'next' | 'nextunique' | 'prev' | 'prevunique';

/** A key path as IndexedDB defines it. */
export type KeyPath = string | string[];

/** fake-indexeddb's `Index`: an index's definition and records. */
export interface RawIndex {
  name: string;
  keyPath: KeyPath;
  unique: boolean;
  multiEntry: boolean;
  deleted: boolean;
  initialized: boolean;
  records: RecordStore;
  count(range?: KeyRange): number;
}

/** fake-indexeddb's `ObjectStore`: a store's definition, records and indexes. */
export interface RawObjectStore {
  name: string;
  keyPath: KeyPath | null;
  autoIncrement: boolean;
  keyGenerator: { num: number } | null;
  deleted: boolean;
  records: RecordStore;
  rawIndexes: Map<string, RawIndex>;
  count(range?: KeyRange): number;
}

/** fake-indexeddb's `FDBTransaction`, with the internals this store hooks into. */
export interface Transaction {
  mode: 'readonly' | 'readwrite' | 'versionchange';
  error: DOMException | null;
  _state: 'active' | 'inactive' | 'committing' | 'finished';
  _started: boolean;
  _scope: Set<string>;
  /** What `_abort` runs, newest first, to undo the transaction in memory. */
  _rollbackLog: (() => void)[];
  _start(): void;
  _abort(errName: string | null): void;
  _markFinished(): void;
  addEventListener(type: string, listener: () => void): void;
}

/** fake-indexeddb's `Database`: one IndexedDB database, its stores and its transactions. */
export interface RawDatabase {
  name: string;
  version: number;
  transactions: Transaction[];
  rawObjectStores: Map<string, RawObjectStore>;
  connections: unknown[];
  processTransactions(): void;
}

/** fake-indexeddb's `FDBFactory`, with the two maps it keeps per database name. */
export interface FactoryInternals {
  _databases: Map<string, RawDatabase>;
  _connectionQueues: Map<string, Promise<void>>;
  open(name: string, version?: number): unknown;
  deleteDatabase(name: string): unknown;
  cmp(first: unknown, second: unknown): number;
  databases(): Promise<{ name: string; version: number }[]>;
}

/** An event target of fake-indexeddb (requests, transactions, connections). */
export interface FakeEventTarget {
  dispatchEvent(event: unknown): boolean;
}

type Constructor<T, A extends unknown[]> = new (...args: A) => T;

/** The storage classes, subclassed or instantiated by this store. */
export const Database =
  load<Constructor<RawDatabase, [name: string, version: number]>>('lib/Database.js');
export const ObjectStore =
  load<
    Constructor<
      RawObjectStore,
      [db: RawDatabase, name: string, keyPath: KeyPath | null, autoIncrement: boolean]
    >
  >('lib/ObjectStore.js');
export const Index =
  load<
    Constructor<
      RawIndex,
      [store: RawObjectStore, name: string, keyPath: KeyPath, multiEntry: boolean, unique: boolean]
    >
  >('lib/Index.js');
export const FakeEvent =
  load<
    Constructor<
      { eventPath: unknown[] },
      [type: string, init?: { bubbles?: boolean; cancelable?: boolean }]
    >
  >('lib/FakeEvent.js');

/** The public classes of the same build, as globals would name them. */
export const FDBFactory = load<Constructor<FactoryInternals, []>>('FDBFactory.js');
export const FDBOpenDBRequest = load<Constructor<FakeEventTarget, []>>('FDBOpenDBRequest.js');

/** The public classes `install.ts` makes global, by their global names. */
export const GLOBALS: Record<string, unknown> = {
  IDBCursor: load('FDBCursor.js'),
  IDBCursorWithValue: load('FDBCursorWithValue.js'),
  IDBDatabase: load('FDBDatabase.js'),
  IDBFactory: FDBFactory,
  IDBIndex: load('FDBIndex.js'),
  IDBKeyRange: load('FDBKeyRange.js'),
  IDBObjectStore: load('FDBObjectStore.js'),
  IDBOpenDBRequest: FDBOpenDBRequest,
  IDBRecord: load('FDBRecord.js'),
  IDBRequest: load('FDBRequest.js'),
  IDBTransaction: load('FDBTransaction.js'),
  IDBVersionChangeEvent: load('FDBVersionChangeEvent.js'),
};

/** The key range class, to tell a range from a key. */
export const FDBKeyRange = GLOBALS.IDBKeyRange as Constructor<KeyRange, []>;
