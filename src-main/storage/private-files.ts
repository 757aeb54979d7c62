/**
 * What the core writes under its data dir is the user's alone: folders 0700, files 0600 (on
 * systems with POSIX permissions; elsewhere these calls change nothing). Existing installs,
 * made when files were created 0644 in 0755 folders, are tightened when opened.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

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

/**
 * Writes `data` to `path` atomically and durably, 0600 (its folder made private first): into a
 * temporary file beside it (`<path>.<random>.tmp`), flushed to disk, renamed over `path`, then
 * the folder flushed. A crash at any moment leaves either the old file or the new one, whole;
 * at worst a stray temporary file, which readers of `path` never see.
 */
export async function writePrivateFileAtomically(
  path: string,
  data: string | Uint8Array,
): Promise<void> {
  const dir = dirname(path);
  ensurePrivateDir(dir);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const file = await open(tmp, 'wx', PRIVATE_FILE_MODE);
    try {
      await file.chmod(PRIVATE_FILE_MODE); // the umask may have left it narrower, never wider
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

/** Flushes a folder's entries (a rename) to disk; some platforms cannot, and that is fine. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open a folder for fsync; the rename itself is still atomic.
  }
}
