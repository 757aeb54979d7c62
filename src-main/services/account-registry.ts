import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../storage/db';
import { PRIVATE_FILE_MODE } from '../storage/private-files';
import { SessionStore } from '../storage/session-store';

/** One account on this machine. Everything else about it lives in its own database. */
export type RegistryEntry = {
  userId: string;
  /** Its folder under `<dataDir>/accounts/`. */
  dir: string;
  /**
   * The server deleted our device (`M_UNKNOWN_TOKEN` without `soft_logout`): the next sign-in
   * must ask for a new device instead of reusing the old id.
   */
  needsNewDevice?: boolean;
  /**
   * The account's database could not be read and was moved aside under this file name (in its
   * folder): the account waits for a sign-in, which starts a fresh database.
   */
  setAside?: string;
};

/** The accounts on this machine, in the order they were added, and the active one. */
export type Registry = { active?: string; accounts: RegistryEntry[] };

/** The registry's file name in the data dir. */
export const REGISTRY_FILE = 'accounts.json';

/** The folder name of an account: a hash of its user id, so any user id is a safe file name. */
export function accountDirName(userId: string): string {
  return createHash('sha256').update(userId, 'utf8').digest('hex').slice(0, 32);
}

/**
 * A lost or corrupt registry, rebuilt from the databases under `<dataDir>/accounts/`: each one
 * names its account in its session row. Which account was active is lost.
 */
export function rebuildRegistry(
  dataDir: string,
  dbFile: string,
  log?: (message: string) => void,
): Registry {
  const root = join(dataDir, 'accounts');
  if (!existsSync(root)) return { accounts: [] };
  const accounts: RegistryEntry[] = [];
  for (const dir of readdirSync(root)) {
    const path = join(root, dir, dbFile);
    if (!existsSync(path)) continue;
    try {
      const db = openDb(path);
      const session = new SessionStore(db).get();
      db.close();
      if (session && accountDirName(session.userId) === dir) {
        accounts.push({ userId: session.userId, dir });
      }
    } catch (err) {
      log?.(`skipping unreadable account folder ${dir}: ${String(err)}`);
    }
  }
  return { accounts };
}

function isEntry(v: unknown): v is RegistryEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.userId === 'string' &&
    typeof e.dir === 'string' &&
    /^[0-9a-f]{32}$/.test(e.dir) &&
    (e.needsNewDevice === undefined || typeof e.needsNewDevice === 'boolean') &&
    (e.setAside === undefined || typeof e.setAside === 'string')
  );
}

/**
 * Reads `<dataDir>/accounts.json`. `undefined` when it is missing or unreadable, so the caller
 * rebuilds it from the databases on disk rather than losing accounts.
 */
export function readRegistry(dataDir: string): Registry | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dataDir, REGISTRY_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (!Array.isArray(r.accounts) || !r.accounts.every(isEntry)) return undefined;
  const accounts = r.accounts.map((e) => ({ ...e }));
  const active =
    typeof r.active === 'string' && accounts.some((e) => e.userId === r.active)
      ? r.active
      : undefined;
  return { active, accounts };
}

/** Whether two registries say the same: an unchanged registry is not written again. */
export function sameRegistry(a: Registry, b: Registry): boolean {
  const canonical = (r: Registry) =>
    JSON.stringify([
      r.active ?? null,
      r.accounts.map((e) => [e.userId, e.dir, e.needsNewDevice ?? false, e.setAside ?? null]),
    ]);
  return canonical(a) === canonical(b);
}

/** Writes the registry atomically: a temporary file, flushed, renamed over the old one. */
export function writeRegistry(dataDir: string, registry: Registry): void {
  const path = join(dataDir, REGISTRY_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE); // a temporary file left by a crash keeps its old mode

    writeSync(fd, JSON.stringify({ version: 1, ...registry }, null, 2));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dirFd = openSync(dataDir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename itself is still atomic.
  }
}
