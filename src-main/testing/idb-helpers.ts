/**
 * Promises over IndexedDB requests and transactions, for tests of `storage/idb/` (the API is
 * untyped here: the Node tsconfig has no DOM types).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createSqliteIndexedDB } from '../storage/idb';

/** An IndexedDB object as tests use it: untyped (there are no DOM types to give it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

type Handlers = {
  result: unknown;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: ((e: { preventDefault(): void }) => void) | null;
  onupgradeneeded?: (() => void) | null;
  onblocked?: (() => void) | null;
};

/** The result of request `r` (an `IDBRequest`), or its error. */
export function request<T = unknown>(r: unknown): Promise<T> {
  const req = r as Handlers;
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = (e) => {
      e.preventDefault();
      reject(req.error as Error);
    };
  });
}

/** Resolves when transaction `tx` completes; rejects with its error when it aborts. */
export function done(tx: unknown): Promise<void> {
  const t = tx as { oncomplete: () => void; onabort: () => void; error: unknown };
  return new Promise((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onabort = () => reject((t.error as Error | null) ?? new Error('aborted'));
  });
}

/**
 * Opens database `name` of `factory` at `version`, running `upgrade(db, tx)` on
 * `upgradeneeded`. Resolves with the connection.
 */
export function openDb(
  factory: unknown,
  name: string,
  version?: number,
  upgrade?: (db: Loose, tx: Loose, oldVersion: number) => void,
): Promise<Loose> {
  const f = factory as {
    open(name: string, version?: number): Handlers & { transaction: unknown };
  };
  const req = version === undefined ? f.open(name) : f.open(name, version);
  if (upgrade) {
    req.onupgradeneeded = function (this: unknown, ...args: unknown[]) {
      const event = args[0] as { oldVersion: number };
      upgrade(req.result, req.transaction, event.oldVersion);
    };
  }
  return request(req);
}

/** Every `[key, primaryKey, value]` a cursor request visits, following it to its end. */
export function cursorAll(cursorRequest: unknown): Promise<[unknown, unknown, unknown][]> {
  const req = cursorRequest as Handlers;
  const seen: [unknown, unknown, unknown][] = [];
  return new Promise((resolve, reject) => {
    req.onsuccess = () => {
      const c = req.result as {
        key: unknown;
        primaryKey: unknown;
        value?: unknown;
        continue(): void;
      } | null;
      if (!c) return resolve(seen);
      seen.push([c.key, c.primaryKey, c.value]);
      c.continue();
    };
    req.onerror = () => reject(req.error as Error);
  });
}

/** Factories over files in a temporary folder (see `idbFixture`). */
export type IdbFixture = {
  /** The folder (made on first use, removed after each test). */
  dir(): string;
  /** A factory whose database `name` lives in `<dir>/<name>.sqlite`. */
  make(): Loose;
  /** Closes every factory made so far (and so their files). */
  closeAll(): void;
  /** Closes every factory, then opens database `name` in a new one: what the file holds. */
  reopen(name: string): Promise<Loose>;
};

/** A temporary folder and factories over files in it, closed and removed after each test. */
export function idbFixture(): IdbFixture {
  let dir = '';
  const closers: (() => void)[] = [];
  const closeAll = () => {
    for (const close of closers.splice(0)) close();
  };
  afterEach(() => {
    closeAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });
  const ensureDir = () => (dir ||= mkdtempSync(join(tmpdir(), 'idb-test-')));
  const make = () => {
    const base = ensureDir();
    const { factory, close } = createSqliteIndexedDB({
      fileFor: (n) => join(base, `${n}.sqlite`),
    });
    closers.push(close);
    return factory;
  };
  return {
    dir: ensureDir,
    make,
    closeAll,
    reopen: (name) => {
      closeAll();
      return openDb(make(), name);
    },
  };
}
