/**
 * Makes an IndexedDB factory the global `indexedDB`, with the classes the crypto wasm checks
 * values against (`IDBRequest`, `IDBDatabase`, `IDBCursor`, …) and `IDBKeyRange`, all from the
 * same fake-indexeddb build as the factory.
 *
 * @packageDocumentation
 */
import { GLOBALS } from './fake-internals';
import type { IDBFactory } from './factory';

/** Makes `factory` the global `indexedDB` (and IDBKeyRange etc.) that the crypto wasm uses; idempotent. */
export function installIndexedDB(factory: IDBFactory): void {
  for (const [name, value] of Object.entries({ ...GLOBALS, indexedDB: factory })) {
    Object.defineProperty(globalThis, name, {
      value,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
