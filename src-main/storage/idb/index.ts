/**
 * A persistent IndexedDB for Node, for the crypto wasm's store: fake-indexeddb's API over
 * SQLite files (`better-sqlite3`), with records read on demand.
 *
 * @packageDocumentation
 */
export { createSqliteIndexedDB, type IDBFactory } from './factory';
export { installIndexedDB } from './install';
