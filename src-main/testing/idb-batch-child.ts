// A child process for the kill -9 test of storage/idb (idb-files.test.ts), never shipped:
// writes batches of records to database `batches` in <file>, one IndexedDB transaction per
// batch, and prints `batch <n>` after each commits, until the parent kills it. The batch
// numbered <holdAt>, if given, stops halfway: it prints `holding <n>` and keeps its transaction
// open (one request after another) until the kill.
//
// node --import tsx idb-batch-child.ts <file> <recordsPerBatch> [holdAt]
import { createSqliteIndexedDB } from '../storage/idb';

const [file, perBatch, holdAt] = process.argv.slice(2);
if (!file || !perBatch) throw new Error('usage: idb-batch-child <file> <recordsPerBatch> [holdAt]');
const size = Number(perBatch);

type Req = { result: unknown; error: unknown; onsuccess: () => void; onerror: () => void };
type Tx = { objectStore(name: string): Store; oncomplete: () => void; onabort: () => void };
type Store = {
  put(value: unknown): Req;
  count(): Req;
  openKeyCursor(range: null, direction: string): Req;
  createIndex(name: string, keyPath: string): unknown;
};
type Db = {
  transaction(store: string, mode: string): Tx;
  createObjectStore(n: string, o: unknown): Store;
};

function request<T>(r: unknown): Promise<T> {
  const req = r as Req;
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error as Error);
  });
}

/** Keeps `tx` open, one request after another, after saying so. */
function hold(tx: Tx, batch: number): void {
  process.stdout.write(`holding ${batch}\n`);
  const again = () => {
    tx.objectStore('records').count().onsuccess = again;
  };
  again();
}

async function main(): Promise<void> {
  const { factory } = createSqliteIndexedDB({ fileFor: () => file! });
  const open = factory.open('batches', 1) as Req & { onupgradeneeded: () => void };
  open.onupgradeneeded = () => {
    const store = (open.result as Db).createObjectStore('records', { keyPath: ['batch', 'i'] });
    store.createIndex('by_batch', 'batch');
  };
  const db = await request<Db>(open);
  // Go on after the last batch there is.
  const last = db.transaction('records', 'readonly').objectStore('records');
  const cursor = await request<{ key: [number, number] } | null>(last.openKeyCursor(null, 'prev'));
  for (let batch = (cursor?.key[0] ?? 0) + 1; ; batch++) {
    const tx = db.transaction('records', 'readwrite');
    const committed = new Promise<void>((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onabort = () => reject(new Error(`batch ${batch} aborted`));
    });
    for (let i = 0; i < size; i++) {
      const put = tx.objectStore('records').put({ batch, i, padding: 'x'.repeat(500) });
      if (batch === Number(holdAt) && i === size / 2) put.onsuccess = () => hold(tx, batch);
    }
    await committed;
    process.stdout.write(`batch ${batch}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`idb-batch-child: ${String(err)}\n`);
  process.exit(1);
});
