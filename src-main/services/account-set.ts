/**
 * The set of accounts on this machine as the service holds it: the registry
 * (`<dataDir>/accounts.json`), each account's open database under
 * `<dataDir>/accounts/<hash>/`, and what went wrong with them (a disk that refused to save,
 * databases set aside). No network: an account's API is made by the caller.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { MatrixApi } from '../net/api';
import { describeStorageError, type Db } from '../storage/db';
import { ensurePrivateDir, makePrivate } from '../storage/private-files';
import { SessionStore, type Session } from '../storage/session-store';
import {
  accountDirName,
  readRegistry,
  rebuildRegistry,
  REGISTRY_FILE,
  sameRegistry,
  writeRegistry,
  type Registry,
  type RegistryEntry,
} from './account-registry';
import {
  DB_FILE,
  damagedNotice,
  openAccountDb,
  openOrReplace,
  type AccountNotice,
} from './account-files';

/** An account whose database is open: its registry entry, database, session and API. */
export type OpenAccount = { entry: RegistryEntry; db: Db; store: SessionStore; api: MatrixApi };

/** Makes the API of an account, without a token (the caller sets it from the secret store). */
export type OpenApi = (homeserver: string, versions: string[], userId: string) => MatrixApi;

/** How the set is set up; all optional. */
export type AccountSetOptions = {
  /** Writes the registry (default {@link writeRegistry}); tests make it fail like a full disk. */
  writeRegistry?: (dataDir: string, registry: Registry) => void;
  log?: (message: string) => void;
};

/** What {@link AccountSet.list} finds: sessions in the order the accounts were added. */
export type AccountListing = { sessions: Session[]; active?: string; notices: AccountNotice[] };

/**
 * The accounts on this machine, their registry and open databases. Opened from disk on first
 * use (`restore`); every change to the set is written to the registry at once.
 */
export class AccountSet {
  readonly #dataDir: string;
  readonly #openApi: OpenApi;
  readonly #opts: AccountSetOptions;
  #registry: Registry = { accounts: [] };
  readonly #open = new Map<string, OpenAccount>();
  #restored = false;
  #storageProblem: string | undefined;

  constructor(dataDir: string, openApi: OpenApi, opts: AccountSetOptions = {}) {
    this.#dataDir = dataDir;
    this.#openApi = openApi;
    this.#opts = opts;
  }

  /**
   * Opens every registered account's database and returns their sessions. A lost registry is
   * rebuilt from the databases on disk. Idempotent.
   */
  restore(): Session[] {
    this.#ensureRestored();
    return [...this.#open.values()].map((a) => a.store.get()!);
  }

  /** Restores the set once; later calls cost nothing (no session is read again). */
  #ensureRestored(): void {
    if (!this.#restored) {
      try {
        ensurePrivateDir(join(this.#dataDir, 'accounts'));
        ensurePrivateDir(this.#dataDir);
        makePrivate(join(this.#dataDir, REGISTRY_FILE));
      } catch (err) {
        this.#cannotWrite('preparing the data folder', err);
      }
      const read = readRegistry(this.#dataDir);
      const registry = read ?? rebuildRegistry(this.#dataDir, DB_FILE, this.#opts.log);
      this.#registry = { active: registry.active, accounts: [] };
      for (const entry of registry.accounts) this.#openEntry(entry);
      if (!this.#open.has(this.#registry.active ?? '')) {
        this.#registry.active = [...this.#open.keys()][0];
      }
      if (!read || !sameRegistry(read, this.#registry)) {
        try {
          this.save();
        } catch (err) {
          this.#cannotWrite('writing the account registry', err);
        }
      }
      this.#restored = true;
    }
  }

  /**
   * Why this computer refused to save at start (a full or read-only disk), in words for
   * people. Cleared once a save succeeds.
   */
  get storageProblem(): string | undefined {
    return this.#storageProblem;
  }

  /** The active account's user id. */
  get active(): string | undefined {
    this.#ensureRestored();
    return this.#registry.active;
  }

  /** Makes an open account the active one, and saves the registry. */
  makeActive(userId: string): void {
    this.#registry.active = userId;
    this.save();
  }

  /**
   * Every open account's session, in the order they were added, and the active one; `notices`
   * for accounts that need a sign-in before they can be used again (their database was damaged).
   */
  list(): AccountListing {
    this.#ensureRestored();
    const sessions = this.#registry.accounts
      .filter((e) => this.#open.has(e.userId))
      .map((e) => this.get(e.userId).store.get()!);
    const notices = this.#registry.accounts
      .filter((e) => e.setAside !== undefined && !this.#open.has(e.userId))
      .map((e) => damagedNotice(e.userId));
    return { sessions, active: this.#registry.active, notices };
  }

  /** An open account; throws when there is none for `userId`. */
  get(userId: string): OpenAccount {
    this.#ensureRestored();
    const acc = this.#open.get(userId);
    if (!acc) throw new Error(`No account ${userId} on this machine`);
    return acc;
  }

  /** An open account, if any (without opening the set first). */
  find(userId: string): OpenAccount | undefined {
    return this.#open.get(userId);
  }

  /** Whether `userId` is an open account. */
  has(userId: string): boolean {
    return this.#open.has(userId);
  }

  /** Every open account. */
  all(): OpenAccount[] {
    return [...this.#open.values()];
  }

  /** An account's folder. */
  dir(entry: RegistryEntry): string {
    return join(this.#dataDir, 'accounts', entry.dir);
  }

  /** Writes the registry; a success clears {@link storageProblem}. */
  save(): void {
    (this.#opts.writeRegistry ?? writeRegistry)(this.#dataDir, this.#registry);
    this.#storageProblem = undefined;
  }

  /**
   * Adds a new account: registered before its database exists, so an interrupted sign-in
   * leaves no orphan folder. A damaged database left in its folder is set aside.
   */
  add(userId: string, homeserver: string, versions: string[]): OpenAccount {
    const entry: RegistryEntry = { userId, dir: accountDirName(userId) };
    const others = this.#registry.accounts.filter((e) => e.userId !== userId);
    this.#registry.accounts = [...others, entry];
    this.save();
    const dir = this.dir(entry);
    ensurePrivateDir(dir);
    const db = openOrReplace(join(dir, DB_FILE), this.#opts.log);
    const store = new SessionStore(db);
    const acc = { entry, db, store, api: this.#openApi(homeserver, versions, userId) };
    this.#open.set(userId, acc);
    return acc;
  }

  /** Records whether the account's next sign-in must ask for a new device (saved if changed). */
  setNeedsNewDevice(acc: OpenAccount, needs: boolean): void {
    if ((acc.entry.needsNewDevice ?? false) === needs) return;
    if (needs) acc.entry.needsNewDevice = true;
    else delete acc.entry.needsNewDevice;
    this.save();
  }

  /**
   * Removes an account: aborts its requests, closes and deletes its files, and drops it from
   * the registry (another becomes active if it was).
   */
  remove(acc: OpenAccount): void {
    const { userId } = acc.entry;
    acc.api.client.close();
    acc.db.close();
    this.#open.delete(userId);
    rmSync(this.dir(acc.entry), { recursive: true, force: true });
    this.#registry.accounts = this.#registry.accounts.filter((e) => e.userId !== userId);
    if (this.#registry.active === userId) {
      this.#registry.active = this.#registry.accounts[0]?.userId;
    }
    this.save();
  }

  /** Aborts every request and closes every database; the next use opens them again. */
  close(): void {
    for (const acc of this.#open.values()) {
      acc.api.client.close();
      acc.db.close();
    }
    this.#open.clear();
    this.#restored = false;
  }

  #cannotWrite(what: string, err: unknown): void {
    this.#opts.log?.(`${what} failed: ${String(err)}`);
    this.#storageProblem ??= describeStorageError(err);
  }

  /** Opens a registry entry's database; drops entries whose files are gone or unusable. */
  #openEntry(entry: RegistryEntry): void {
    const dir = this.dir(entry);
    if (entry.setAside !== undefined) {
      // Damaged on an earlier start: waits for a sign-in.
      this.#registry.accounts.push(entry);
      return;
    }
    const db = this.#openEntryDb(entry, join(dir, DB_FILE));
    if (!db) return;
    const store = new SessionStore(db);
    const s = store.get();
    if (!s || s.userId !== entry.userId) {
      // Interrupted before the session was stored: nothing worth keeping (but what was set
      // aside stays).
      db.close();
      for (const suffix of ['', '-wal', '-shm'])
        rmSync(join(dir, DB_FILE + suffix), { force: true });
      return;
    }
    const api = this.#openApi(s.homeserver, s.versions, s.userId);
    this.#open.set(entry.userId, { entry, db, store, api });
    this.#registry.accounts.push(entry);
  }

  /**
   * The database of a registry entry. A damaged one is set aside (the entry then waits for a
   * sign-in); one the disk refuses to open for writing is opened for reading (and the problem
   * noted); `undefined` when it cannot be used now (the entry is kept: a newer app version may
   * open it).
   */
  #openEntryDb(entry: RegistryEntry, path: string): Db | undefined {
    const r = openAccountDb(path);
    if ('db' in r) {
      if (r.refused !== undefined) this.#cannotWrite(`opening ${path}`, r.refused);
      return r.db;
    }
    if ('setAside' in r) {
      this.#opts.log?.(`the database of ${entry.userId} is damaged: set aside as ${r.setAside}`);
      this.#registry.accounts.push({ ...entry, setAside: r.setAside });
    } else {
      this.#opts.log?.(`cannot open the database of ${entry.userId}: ${String(r.failed)}`);
      this.#registry.accounts.push(entry);
    }
    return undefined;
  }
}
