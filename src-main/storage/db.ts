import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDbFile } from './private-files';

/** An open account database. */
export type Db = Database.Database;

/** A migration: its version (from the `NNN_` prefix) and SQL. */
export type Migration = { version: number; name: string; sql: string };

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');

/** The numbered `.sql` migrations shipped with the app, in order. */
export function bundledMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f,
      sql: readFileSync(join(dir, f), 'utf8'),
    }));
}

/**
 * Applies every migration above the database's `user_version`, each in its own transaction that
 * also bumps `user_version`. A database newer than the app is refused rather than damaged.
 */
export function migrate(db: Db, migrations: Migration[] = bundledMigrations()): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  if (current > latest) {
    throw new Error(`Database is at version ${current}, newer than this app (${latest})`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return Math.max(current, latest);
}

/**
 * Opens (creating if needed) an account database in WAL mode and migrates it; its files are
 * kept 0600 (`private-files.ts`). `exclusive` (one connection only) opens it on a disk too
 * full to create its shared-memory file, for reading. On failure the connection is closed
 * before the error is thrown, so the files can be moved.
 */
export function openDb(
  path: string,
  migrations?: Migration[],
  opts: { exclusive?: boolean } = {},
): Db {
  if (path !== ':memory:' && path !== '') prepareDbFile(path);
  const db = new Database(path);
  try {
    // Exclusive locking keeps the WAL index in memory: no `-shm` to create on a full disk.
    if (opts.exclusive) db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Whether `err` says the file is not a database or the database is damaged. */
export function isCorruptDbError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(NOTADB|CORRUPT)/.test(code);
}

/**
 * Moves a database file and its `-wal` and `-shm` companions aside, as
 * `<name>.corrupt-<UTC timestamp>` (plus the companion's suffix), so a fresh one can take its
 * place and the damaged one stays for inspection. Returns the new name of the main file.
 */
export function setDbAside(path: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  let aside = `${path}.corrupt-${stamp}`;
  for (let n = 1; existsSync(aside); n++) aside = `${path}.corrupt-${stamp}-${n}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  return aside;
}

/** SQLite result codes that say the database or the disk failed, not one piece of data. */
const SYSTEMIC = /^SQLITE_(FULL|IOERR|CORRUPT|NOTADB|CANTOPEN|READONLY|BUSY|LOCKED|NOMEM|PERM)/;

/**
 * Whether `err` is a failure of the database or the disk (full, read-only, corrupt, I/O error)
 * rather than of the item being written: skipping that item would lose it for nothing, since
 * the next one fails alike.
 */
export function isSystemicDbError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SYSTEMIC.test(code);
}

/** A failed write to the disk in words for people: `the disk is full`, … */
export function describeStorageError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return 'the disk is full';
  // SQLite cannot size its shared-memory file: what a full disk does to opening a database.
  if (code === 'SQLITE_IOERR_SHMSIZE') return 'the disk is probably full';
  if (code === 'EROFS' || (typeof code === 'string' && code.startsWith('SQLITE_READONLY'))) {
    return 'the disk is read-only';
  }
  if (code === 'EACCES' || code === 'EPERM') return 'no permission to write its files';
  return `a disk error (${err instanceof Error ? err.message : String(err)})`;
}

/**
 * Runs `write` in its own savepoint (inside the caller's transaction): when it fails for
 * reasons of its own, it is rolled back alone, reported to `log`, and `false` is returned. A
 * failure of the database itself ({@link isSystemicDbError}) is thrown.
 */
export function containedWrite(
  db: Db,
  what: string,
  write: () => void,
  log: (message: string, error?: unknown) => void,
): boolean {
  try {
    db.transaction(write)();
    return true;
  } catch (err) {
    if (isSystemicDbError(err)) throw err;
    log(`${what}: dropped after a failure`, err);
    return false;
  }
}
