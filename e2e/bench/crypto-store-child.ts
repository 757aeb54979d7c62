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
 * Run with `node --expose-gc` (RSS is read after a full GC): bundled by `npm run bench`
 * (build.ts), or with `--import tsx` from `crypto-store.ts`.
 */
import * as sdk from '@matrix-org/matrix-sdk-crypto-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-restricted-imports -- this benchmark measures the storage layer itself
import { createSqliteIndexedDB, installIndexedDB, type IDBFactory } from '../../src-main/storage/idb';
import { copyIndexedDB } from './idb-copy';
import { emitResult, median } from './metrics';

const [mode, dir, keyHex, file, backend] = process.argv.slice(2);
const usage = 'usage: crypto-store-child fill <dir> <keyHex> <keys.json|-> | open <dir> <keyHex> <events.json> <sqlite|fake>';
if (!dir || !keyHex || !file) throw new Error(usage);
if (mode !== 'fill' && !(mode === 'open' && (backend === 'sqlite' || backend === 'fake'))) throw new Error(usage);
const STORE = 'account';
const DATABASES = [`${STORE}::matrix-sdk-crypto-meta`, `${STORE}::matrix-sdk-crypto`];

/** The crypto wasm's logs would only clutter the parent's output. */
console.debug = console.info = console.log = console.warn = () => undefined;

function sqliteFactory(): { factory: IDBFactory; close(): void } {
  return createSqliteIndexedDB({ fileFor: (name) => join(dir!, `${name.split('::')[0]}.sqlite`) });
}

type Opened = { machine: sdk.OlmMachine; handleMs: number; machineMs: number };

/** Opens the store handle and the machine, timing each. */
async function openMachine(): Promise<Opened> {
  let t = performance.now();
  const handle = await sdk.StoreHandle.openWithKey(STORE, Buffer.from(keyHex!, 'hex'));
  const handleMs = performance.now() - t;
  t = performance.now();
  const machine = await sdk.OlmMachine.initFromStore(
    new sdk.UserId('@bench:example.org'),
    new sdk.DeviceId('BENCHDEVICE'),
    handle,
  );
  const machineMs = performance.now() - t;
  handle.free();
  return { machine, handleMs, machineMs };
}

function rssMiB(): number {
  const { gc } = globalThis as { gc?: () => void };
  if (!gc) throw new Error('crypto-store-child needs node --expose-gc (RSS is read after a full GC)');
  gc();
  return process.memoryUsage().rss / 2 ** 20;
}

async function fill(): Promise<void> {
  await sdk.initAsync();
  const store = sqliteFactory();
  installIndexedDB(store.factory);
  const { machine } = await openMachine();
  const keys = file === '-' ? '[]' : readFileSync(file!, 'utf8');
  const t0 = performance.now();
  const result = await machine.importExportedRoomKeys(keys, () => undefined);
  const importMs = performance.now() - t0;
  emitResult({ imported: result.importedCount, importMs });
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

/** Copies every record of the SQLite store into fake-indexeddb and makes that the global one. */
async function installFake(): Promise<void> {
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
}

async function open(): Promise<void> {
  await sdk.initAsync();
  const rssBefore = rssMiB();
  const t0 = performance.now();
  let close = () => undefined as void;
  if (backend === 'fake') {
    await installFake();
  } else {
    const store = sqliteFactory();
    installIndexedDB(store.factory);
    close = () => store.close();
  }
  const copyMs = backend === 'fake' ? performance.now() - t0 : 0;
  const { machine, handleMs, machineMs } = await openMachine();
  const openMs = performance.now() - t0 - copyMs;
  const rssAfter = rssMiB();
  const { ms, failed } = await decryptAll(machine);
  emitResult({
    backend: backend === 'fake' ? 'fake' : 'sqlite',
    openMs,
    handleMs,
    machineMs,
    copyMs,
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

(mode === 'fill' ? fill() : open()).catch((err: unknown) => {
  process.stderr.write(`crypto-store-child ${mode}: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
