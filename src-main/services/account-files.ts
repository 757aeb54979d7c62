/**
 * An account's files on disk when the disk misbehaves: a damaged database is set aside, one a
 * full or read-only disk will not open for writing is opened for reading, and the failures
 * are put in words for people.
 */
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isCorruptDbError, isSystemicDbError, openDb, setDbAside, type Db } from '../storage/db';
import { ensurePrivateDir } from '../storage/private-files';

/** An account's database file, in its folder. */
export const DB_FILE = 'account.sqlite';

/** An account that needs attention before it can be used again. */
export type AccountNotice = { userId: string; message: string };

/** What opening an existing account's database gave. */
export type OpenedDb =
  /** Open; with `refused` when the disk would not let it open for writing (reads work). */
  | { db: Db; refused?: unknown }
  /** Damaged: moved aside under this file name, in the same folder. */
  | { setAside: string }
  /** Unusable for now (e.g. made by a newer app version). */
  | { failed: unknown };

/** Opens the database at `path`, setting a damaged one aside. */
export function openAccountDb(path: string): OpenedDb {
  try {
    ensurePrivateDir(dirname(path));
    return { db: openDb(path) };
  } catch (err) {
    if (isCorruptDbError(err)) return { setAside: basename(setDbAside(path)) };
    if (isSystemicDbError(err) && existsSync(path)) {
      try {
        return { db: openDb(path, undefined, { exclusive: true }), refused: err };
      } catch {
        // Not even for reading.
      }
    }
    return { failed: err };
  }
}

/** Opens a database for a fresh sign-in; one that cannot be read is set aside first. */
export function openOrReplace(path: string, log?: (message: string) => void): Db {
  try {
    return openDb(path);
  } catch (err) {
    if (!isCorruptDbError(err)) throw err;
    log?.(`the database ${path} is damaged (${String(err)}): set aside as ${setDbAside(path)}`);
    return openDb(path);
  }
}

/** The notice of an account whose database was set aside. */
export function damagedNotice(userId: string): AccountNotice {
  const message =
    `The saved data of ${userId} on this computer could not be read, so it was set aside. ` +
    'Sign in again to continue: your rooms and messages will be fetched from the server.';
  return { userId, message };
}
