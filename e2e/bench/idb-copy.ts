/**
 * Copies an IndexedDB database, schema and records, from one factory to another through the
 * IndexedDB API: the crypto store benchmark loads plain in-memory fake-indexeddb with the
 * records of a SQLite store this way (as a write-through layer replays its log at start).
 */

type Req<T> = { result: T; error: unknown; onsuccess: (() => void) | null; onerror: (() => void) | null };
type StringList = Iterable<string>;
type Index = { name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean };
type Store = {
  name: string;
  keyPath: string | string[] | null;
  autoIncrement: boolean;
  indexNames: StringList;
  index(name: string): Index;
  getAll(): Req<unknown[]>;
  getAllKeys(): Req<unknown[]>;
  put(value: unknown, key?: unknown): Req<unknown>;
  createIndex(name: string, keyPath: string | string[], o: object): Index;
};
type Tx = { objectStore(name: string): Store; oncomplete: (() => void) | null; onabort: (() => void) | null };
type Db = {
  version: number;
  objectStoreNames: StringList;
  transaction(stores: string[], mode: string): Tx;
  createObjectStore(name: string, o: object): Store;
  close(): void;
};
type OpenReq = Req<Db> & { onupgradeneeded: (() => void) | null };
/** The factory interface both sides share. */
export type Factory = { open(name: string, version?: number): unknown };

function request<T>(r: Req<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error as Error);
  });
}

function complete(tx: Tx): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(new Error('copy transaction aborted'));
  });
}

type Schema = { store: Store; indexes: Index[] }[];

/** Copies database `name` of `from` (which must hold it) into `to` (which must not). */
export async function copyIndexedDB(from: Factory, to: Factory, name: string): Promise<void> {
  const source = await request(from.open(name) as OpenReq);
  const stores = [...source.objectStoreNames];
  const read = source.transaction(stores, 'readonly');
  const schema: Schema = stores.map((s) => {
    const store = read.objectStore(s);
    return { store, indexes: [...store.indexNames].map((i) => store.index(i)) };
  });
  const records = await Promise.all(
    schema.map(async ({ store }) => [await request(store.getAllKeys()), await request(store.getAll())]),
  );
  const open = to.open(name, source.version) as OpenReq;
  open.onupgradeneeded = () => {
    for (const { store, indexes } of schema) {
      const made = open.result.createObjectStore(store.name, {
        keyPath: store.keyPath,
        autoIncrement: store.autoIncrement,
      });
      for (const i of indexes) made.createIndex(i.name, i.keyPath, { unique: i.unique, multiEntry: i.multiEntry });
    }
  };
  const target = await request(open);
  const write = target.transaction(stores, 'readwrite');
  schema.forEach(({ store }, n) => {
    const [keys, values] = records[n]!;
    const into = write.objectStore(store.name);
    values!.forEach((value, i) => (store.keyPath === null ? into.put(value, keys![i]) : into.put(value)));
  });
  await complete(write);
  source.close();
  target.close();
}
