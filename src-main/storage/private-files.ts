/**
 * What the core writes under its data dir is the user's alone: folders 0700, files 0600 (on
 * systems with POSIX permissions; elsewhere these calls change nothing). Existing installs,
 * made when files were created 0644 in 0755 folders, are tightened when opened.
 *
 * @packageDocumentation
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/** Permission bits of the core's folders: the user only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Permission bits of the core's files: readable and writable by the user only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) 0700, or tightens it to 0700 when it exists (best
 * effort: a read-only disk refuses, and the folder is still usable for reading).
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
  } catch {
    // Reading still works; writing fails later with its own clear error.
  }
}

/**
 * Tightens the existing ones of `paths` to 0600. Best effort (a read-only disk refuses):
 * returns the error of the first that failed, if any.
 */
export function makePrivate(...paths: string[]): Error | undefined {
  let failed: Error | undefined;
  for (const p of paths) {
    try {
      if (existsSync(p)) chmodSync(p, PRIVATE_FILE_MODE);
    } catch (err) {
      failed ??= err as Error;
    }
  }
  return failed;
}

/**
 * Makes sure the SQLite database at `path` is 0600 before it is opened: created empty with
 * that mode when missing (SQLite gives its `-wal` and `-shm` files the mode of the database),
 * else tightened, with any `-wal` and `-shm` left from an earlier run.
 */
export function prepareDbFile(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  makePrivate(path, `${path}-wal`, `${path}-shm`);
}
