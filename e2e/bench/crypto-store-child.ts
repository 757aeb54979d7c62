/**
 * A child of the crypto store benchmark (`crypto-store.ts`), each run a fresh process (the wasm
 * keeps state). Prints one `BENCH_RESULT {json}` line.
 *
 *   fill <dir> <keyHex> <keys.json|->    creates the account's store in <dir> (SQLite) and
 *                                        imports the exported room keys (none for `-`)
 *   open <dir> <keyHex> <events.json> <sqlite|fake>
 *       opens the store and the OlmMachine, then decrypts each `[roomId, event]` (every one
 *       with another session, so each looks its session up in the store). `sqlite` opens the
 *       SQLite store as it is; `fake` first copies every record of it into plain in-memory
 *       fake-indexeddb and opens that, as a store that keeps everything in memory would.
 *
 * Run with `node --expose-gc --import tsx` (RSS is read after a full GC).
 */
import * as sdk from '@matrix-org/matrix-sdk-crypto-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-restricted-imports -- this benchmark measures the storage layer itself
import { createSqliteIndexedDB, installIndexedDB, type IDBFactory } from '../../src-main/storage/idb';
import { copyIndexedDB } from './idb-copy';
import { emitResult, median } from './metrics';

const emit = (result: object) => emitResult(result as Parameters<typeof emitResult>[0]);

const [mode, dir, keyHex, file, backend] = process.argv.slice(2);
if (!mode || !dir || !keyHex || !file) throw new Error('usage: crypto-store-child <mode> <dir> <keyHex> <file> [backend]');
const STORE = 'account';
const DATABASES = [`${STORE}::matrix-sdk-crypto-meta`, `${STORE}::matrix-sdk-crypto`];

/** The crypto wasm's logs would only clutter the parent's output. */
console.debug = console.info = console.log = console.warn = () => undefined;

function sqliteFactory(): { factory: IDBFactory; close(): void } {
  return createSqliteIndexedDB({ fileFor: (name) => join(dir!, `${name.split('::')[0]}.sqlite`) });
}

/** Opens the store handle and the machine; `timings` gets how long each took. */
async function openMachine(timings: Record<string, number> = {}): Promise<sdk.OlmMachine> {
  let t = performance.now();
  const handle = await sdk.StoreHandle.openWithKey(STORE, Buffer.from(keyHex!, 'hex'));
  timings.handleMs = performance.now() - t;
  t = performance.now();
  const machine = await sdk.OlmMachine.initFromStore(
    new sdk.UserId('@bench:example.org'),
    new sdk.DeviceId('BENCHDEVICE'),
    handle,
  );
  timings.machineMs = performance.now() - t;
  handle.free();
  return machine;
}

function rssMiB(): number {
  (globalThis as unknown as { gc: () => void }).gc();
  return process.memoryUsage().rss / 2 ** 20;
}

async function fill(): Promise<void> {
  await sdk.initAsync();
  const store = sqliteFactory();
  installIndexedDB(store.factory);
  const machine = await openMachine();
  const keys = file === '-' ? '[]' : readFileSync(file!, 'utf8');
  const t0 = performance.now();
  const result = await machine.importExportedRoomKeys(keys, () => undefined);
  const importMs = performance.now() - t0;
  emit({ imported: result.importedCount, importMs });
  machine.close();
  store.close();
}

/** Times each decryption; the first is the cold one. */
async function decryptAll(machine: sdk.OlmMachine): Promise<{ ms: number[]; failed: number }> {
  const events = JSON.parse(readFileSync(file!, 'utf8')) as [string, unknown][];
  const settings = new sdk.DecryptionSettings(sdk.TrustRequirement.Untrusted);
  const ms: number[] = [];
  let failed = 0;
  for (const [roomId, event] of events) {
    const t0 = performance.now();
    try {
      const decrypted = await machine.decryptRoomEvent(JSON.stringify(event), new sdk.RoomId(roomId), settings);
      decrypted.free();
    } catch {
      failed++;
    }
    ms.push(performance.now() - t0);
  }
  return { ms, failed };
}

async function open(): Promise<void> {
  await sdk.initAsync();
  const rssBefore = rssMiB();
  const timings: Record<string, number> = { copyMs: 0 };
  const t0 = performance.now();
  let close = () => undefined as void;
  if (backend === 'fake') {
    const source = sqliteFactory();
    const fake = await import('fake-indexeddb');
    for (const name of DATABASES) await copyIndexedDB(source.factory, fake.indexedDB, name);
    source.close();
    // As `fake-indexeddb/auto` does: its factory and classes become the globals.
    for (const [name, value] of Object.entries(fake)) {
      if (name === 'indexedDB' || name.startsWith('IDB')) {
        Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
      }
    }
    timings.copyMs = performance.now() - t0;
  } else {
    const store = sqliteFactory();
    installIndexedDB(store.factory);
    close = () => store.close();
  }
  const machine = await openMachine(timings);
  const openMs = performance.now() - t0 - timings.copyMs!;
  const rssAfter = rssMiB();
  const { ms, failed } = await decryptAll(machine);
  emit({
    backend,
    openMs,
    ...timings,
    rssBeforeMiB: rssBefore,
    rssAfterMiB: rssAfter,
    rssAddedMiB: rssAfter - rssBefore,
    firstDecryptMs: ms[0] ?? NaN,
    decryptMedianMs: median(ms.slice(1)),
    decryptMaxMs: Math.max(...ms.slice(1)),
    decrypts: ms.length,
    failedDecrypts: failed,
  });
  machine.close();
  close();
}

(mode === 'fill' ? fill() : open()).catch((err) => {
  process.stderr.write(`crypto-store-child: ${String(err)}\n`);
  process.exit(1);
});
