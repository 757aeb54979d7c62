import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AccountInfo } from '../model/account';
import { MatrixApi, type LoginResult } from '../net/api';
import {
  discover,
  requirePasswordLogin,
  serverNameOf,
  type DiscoverOptions,
  type DiscoveredServer,
} from '../net/discovery';
import type { HomeserverError } from '../net/errors';
import { HomeserverClient, type ClientOptions, type FetchFn } from '../net/http';
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

/** What `login` needs. `server` may be empty when `username` is a full user id. */
export type LoginRequest = {
  server: string;
  username: string;
  password: string;
  deviceName?: string;
};

/** How the service is set up; all optional. */
export type AccountServiceOptions = {
  fetch?: FetchFn;
  /** An account was added, changed state, became active, or was removed. */
  onChange?: (account: AccountInfo, removed?: boolean) => void;
  /** Called first by `logout`, before the token dies and the database closes: stop sync here. */
  beforeRemove?: (userId: string) => void | Promise<void>;
  /** Device display name for new logins (default `LightMatrix`). */
  deviceName?: string;
  /** Backoff and timeouts of every account's client. */
  clientOptions?: Partial<Pick<ClientOptions, 'maxRetries' | 'baseDelayMs' | 'timeoutMs'>>;
  discoverOptions?: DiscoverOptions;
  /** How long `logout` waits for the server before wiping locally anyway (default 10 s). */
  logoutTimeoutMs?: number;
  /** Writes the registry (default {@link writeRegistry}); tests make it fail like a full disk. */
  writeRegistry?: (dataDir: string, registry: Registry) => void;
  log?: (message: string) => void;
};

type OpenAccount = { entry: RegistryEntry; db: Db; store: SessionStore; api: MatrixApi };

function toInfo(s: Session): AccountInfo {
  const info: AccountInfo = {
    userId: s.userId,
    deviceId: s.deviceId,
    homeserver: s.homeserver,
    state: s.softLoggedOut || s.accessToken === undefined ? 'soft-logged-out' : 'active',
  };
  if (s.displayName !== undefined) info.displayName = s.displayName;
  if (s.avatarUrl !== undefined) info.avatarUrl = s.avatarUrl;
  return info;
}

/**
 * The accounts on this machine: one SQLite database each under `<dataDir>/accounts/<hash>/`,
 * and a registry (`<dataDir>/accounts.json`) of which exist and which is active. Starts
 * offline from disk (`restore`); signs in, out, and back in after a soft logout.
 */
export class AccountService {
  readonly #dataDir: string;
  readonly #opts: AccountServiceOptions;
  #registry: Registry = { accounts: [] };
  readonly #open = new Map<string, OpenAccount>();
  #restored = false;
  #storageProblem: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, opts: AccountServiceOptions = {}) {
    this.#dataDir = dataDir;
    this.#opts = opts;
  }

  /** Replaces the change listener. */
  set onChange(cb: AccountServiceOptions['onChange']) {
    this.#opts.onChange = cb;
  }

  /** Finds the homeserver behind a user id, server name or URL, and its login types. */
  discover(server: string): Promise<DiscoveredServer> {
    return discover(server, this.#opts.fetch, this.#opts.discoverOptions);
  }

  /**
   * Opens every registered account's database and returns their sessions. No network: a
   * dead token is found by the first request that uses it. Idempotent.
   */
  restore(): Session[] {
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
          this.#save();
        } catch (err) {
          this.#cannotWrite('writing the account registry', err);
        }
      }
      this.#restored = true;
    }
    return [...this.#open.values()].map((a) => a.store.get()!);
  }

  /**
   * Why this computer refused to save at start (a full or read-only disk), in words for
   * people; the core then serves the cache without syncing. Cleared once a save succeeds.
   */
  get storageProblem(): string | undefined {
    return this.#storageProblem;
  }

  #cannotWrite(what: string, err: unknown): void {
    this.#opts.log?.(`${what} failed: ${String(err)}`);
    this.#storageProblem ??= describeStorageError(err);
  }

  /**
   * Signs in with a password (discovery, login flows check, login), stores the session and
   * what the server offers, and makes the account active. Signing in again as a known user
   * reuses its database and device.
   */
  login(req: LoginRequest): Promise<AccountInfo> {
    return this.#serial(async () => {
      this.restore();
      const server = req.server.trim() || serverNameOf(req.username) || '';
      const info = await this.discover(server);
      requirePasswordLogin(info);
      const known = this.#findKnown(req.username, info.homeserver);
      const anon = new MatrixApi(this.#client(info.homeserver), info.versions);
      const res = await anon.loginPassword({
        user: req.username,
        password: req.password,
        deviceId: known && !known.entry.needsNewDevice ? known.store.get()!.deviceId : undefined,
        deviceName: req.deviceName ?? this.#opts.deviceName ?? 'LightMatrix',
      });
      let acc: OpenAccount;
      try {
        acc = this.#storeLogin(res, info.homeserver, info.versions);
      } catch (err) {
        await this.#bestEffortLogout(info.homeserver, res.accessToken);
        throw err;
      }
      await this.#refreshServerInfo(acc, false);
      this.#registry.active = res.userId;
      this.#save();
      return this.#emit(acc);
    });
  }

  /** Signs in again after a soft logout: same device id, so the cache and keys stay valid. */
  relogin(userId: string, password: string): Promise<AccountInfo> {
    return this.#serial(async () => {
      const acc = this.#get(userId);
      const s = acc.store.get()!;
      const anon = new MatrixApi(this.#client(s.homeserver), s.versions);
      const res = await anon.loginPassword({
        user: userId,
        password,
        deviceId: acc.entry.needsNewDevice ? undefined : s.deviceId,
        deviceName: this.#opts.deviceName ?? 'LightMatrix',
      });
      if (res.userId !== userId) {
        await this.#bestEffortLogout(s.homeserver, res.accessToken);
        throw new Error(`The server signed in ${res.userId} instead of ${userId}`);
      }
      this.#storeLogin(res, s.homeserver, s.versions);
      await this.#refreshServerInfo(acc, true);
      return this.#emit(acc);
    });
  }

  /**
   * The server rejected our token. Keeps the cache; the account waits for `relogin`. With
   * `deviceGone` (no `soft_logout`), the next sign-in asks the server for a new device.
   */
  markSoftLoggedOut(userId: string, deviceGone = false): AccountInfo {
    const acc = this.#get(userId);
    const wasActive = toInfo(acc.store.get()!).state === 'active';
    acc.store.markSoftLoggedOut();
    acc.api.client.setAccessToken(undefined);
    if (deviceGone && !acc.entry.needsNewDevice) {
      acc.entry.needsNewDevice = true;
      this.#save();
    }
    const info = toInfo(acc.store.get()!);
    if (wasActive) this.#opts.onChange?.(info, false);
    return info;
  }

  /**
   * Signs out on the server (best effort: the account is wiped locally even when the server
   * cannot be reached), aborts the account's requests, closes and deletes its files.
   */
  logout(userId: string): Promise<void> {
    return this.#serial(async () => {
      const acc = this.#get(userId);
      const info = toInfo(acc.store.get()!);
      await Promise.resolve(this.#opts.beforeRemove?.(userId)).catch((err: unknown) => {
        this.#opts.log?.(`stopping ${userId} before logout failed: ${String(err)}`);
      });
      if (acc.api.client.hasAccessToken) {
        const timeoutMs = this.#opts.logoutTimeoutMs ?? 10_000;
        await acc.api.logout({ retry: 'never', timeoutMs }).catch((err: unknown) => {
          this.#opts.log?.(`logout of ${userId} on the server failed: ${String(err)}`);
        });
      }
      acc.api.client.close();
      acc.db.close();
      this.#open.delete(userId);
      rmSync(this.#dir(acc.entry), { recursive: true, force: true });
      this.#registry.accounts = this.#registry.accounts.filter((e) => e.userId !== userId);
      if (this.#registry.active === userId) {
        this.#registry.active = this.#registry.accounts[0]?.userId;
      }
      this.#save();
      this.#opts.onChange?.(info, true);
    });
  }

  /** Makes another account the active one. */
  switch(userId: string): AccountInfo {
    const acc = this.#get(userId);
    this.#registry.active = userId;
    this.#save();
    return this.#emit(acc);
  }

  /**
   * Every account, in the order they were added, and the active one; `notices` for accounts
   * that need a sign-in before they can be used again (their database was damaged).
   */
  list(): { accounts: AccountInfo[]; active?: string; notices?: AccountNotice[] } {
    this.restore();
    const accounts = this.#registry.accounts
      .filter((e) => this.#open.has(e.userId))
      .map((e) => toInfo(this.#get(e.userId).store.get()!));
    const notices = this.#registry.accounts
      .filter((e) => e.setAside !== undefined && !this.#open.has(e.userId))
      .map((e) => damagedNotice(e.userId));
    const out = { accounts, active: this.#registry.active };
    return notices.length ? { ...out, notices } : out;
  }

  /** The active account's user id. */
  get active(): string | undefined {
    this.restore();
    return this.#registry.active;
  }

  info(userId: string): AccountInfo {
    return toInfo(this.session(userId));
  }

  /** Records a new display name for the account, and tells listeners. */
  setProfile(userId: string, displayName: string): void {
    const open = this.#get(userId);
    open.store.setProfile(displayName, open.store.get()?.avatarUrl);
    this.#opts.onChange?.(this.info(userId), false);
  }

  session(userId: string): Session {
    return this.#get(userId).store.get()!;
  }

  /** The account's open database. */
  db(userId: string): Db {
    return this.#get(userId).db;
  }

  /** The account's API; the same object for the account's lifetime (relogin swaps its token). */
  client(userId: string): MatrixApi {
    return this.#get(userId).api;
  }

  /** The account's folder, for other per-account files (crypto store, media cache). */
  accountDir(userId: string): string {
    return this.#dir(this.#get(userId).entry);
  }

  /** Fetches versions, capabilities and profile again and stores them (best effort). */
  async refreshServerInfo(userId: string): Promise<AccountInfo> {
    const acc = this.#get(userId);
    await this.#refreshServerInfo(acc, true);
    return this.#emit(acc);
  }

  /** Aborts every request and closes every database. */
  close(): void {
    for (const acc of this.#open.values()) {
      acc.api.client.close();
      acc.db.close();
    }
    this.#open.clear();
    this.#restored = false;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #get(userId: string): OpenAccount {
    this.restore();
    const acc = this.#open.get(userId);
    if (!acc) throw new Error(`No account ${userId} on this machine`);
    return acc;
  }

  #dir(entry: RegistryEntry): string {
    return join(this.#dataDir, 'accounts', entry.dir);
  }

  #save(): void {
    (this.#opts.writeRegistry ?? writeRegistry)(this.#dataDir, this.#registry);
    this.#storageProblem = undefined;
  }

  #emit(acc: OpenAccount): AccountInfo {
    const info = toInfo(acc.store.get()!);
    this.#opts.onChange?.(info, false);
    return info;
  }

  #client(baseUrl: string, accessToken?: string, userId?: string): HomeserverClient {
    return new HomeserverClient({
      ...this.#opts.clientOptions,
      baseUrl,
      accessToken,
      fetch: this.#opts.fetch,
      onUnknownToken: userId ? (err) => this.#tokenDied(userId, err) : undefined,
    });
  }

  #tokenDied(userId: string, err: HomeserverError): void {
    if (!this.#open.has(userId)) return;
    this.#opts.log?.(`${userId}: token rejected (soft_logout: ${err.softLogout})`);
    this.markSoftLoggedOut(userId, !err.softLogout);
  }

  /** Opens a registry entry's database; drops entries whose files are gone or unusable. */
  #openEntry(entry: RegistryEntry): void {
    const dir = this.#dir(entry);
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
    const api = new MatrixApi(this.#client(s.homeserver, s.accessToken, s.userId), s.versions);
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

  /** A known account this username names on this homeserver, to reuse its device. */
  #findKnown(username: string, homeserver: string): OpenAccount | undefined {
    if (username.startsWith('@')) return this.#open.get(username);
    const local = username.toLowerCase();
    return [...this.#open.values()].find((a) => {
      const s = a.store.get()!;
      return s.homeserver === homeserver && s.userId.slice(1, s.userId.indexOf(':')) === local;
    });
  }

  /** Stores a fresh token in the account's database (created if new) and registry. */
  #storeLogin(res: LoginResult, homeserver: string, versions: string[]): OpenAccount {
    let acc = this.#open.get(res.userId);
    if (!acc) {
      const entry: RegistryEntry = { userId: res.userId, dir: accountDirName(res.userId) };
      // Registered before the database exists: an interrupted login leaves no orphan.
      const others = this.#registry.accounts.filter((e) => e.userId !== res.userId);
      this.#registry.accounts = [...others, entry];
      this.#save();
      const dir = this.#dir(entry);
      ensurePrivateDir(dir);
      const db = openOrReplace(join(dir, DB_FILE), this.#opts.log);
      const store = new SessionStore(db);
      const client = this.#client(homeserver, undefined, res.userId);
      acc = { entry, db, store, api: new MatrixApi(client, versions) };
      this.#open.set(res.userId, acc);
    }
    const { userId, deviceId, accessToken } = res;
    acc.store.create({ userId, deviceId, homeserver, accessToken });
    acc.store.setServerInfo(versions, acc.store.get()!.capabilities);
    acc.api.setVersions(versions);
    acc.api.client.setAccessToken(res.accessToken);
    if (acc.entry.needsNewDevice) {
      delete acc.entry.needsNewDevice;
      this.#save();
    }
    return acc;
  }

  async #refreshServerInfo(acc: OpenAccount, withVersions: boolean): Promise<void> {
    const o = { retry: 'never' as const, timeoutMs: 10_000 };
    const s = acc.store.get()!;
    const [versions, caps, profile] = await Promise.allSettled([
      withVersions ? acc.api.versions(o).then((v) => v.versions) : Promise.resolve(s.versions),
      acc.api.capabilities(o),
      acc.api.profile(s.userId, o),
    ]);
    if (!this.#open.has(s.userId)) return;
    const v = versions.status === 'fulfilled' ? versions.value : s.versions;
    acc.store.setServerInfo(v, caps.status === 'fulfilled' ? caps.value : s.capabilities);
    acc.api.setVersions(v);
    if (profile.status === 'fulfilled') {
      acc.store.setProfile(profile.value.displayName, profile.value.avatarUrl);
    }
  }

  async #bestEffortLogout(homeserver: string, token: string): Promise<void> {
    const api = new MatrixApi(this.#client(homeserver, token));
    await api.logout({ retry: 'never', timeoutMs: 5_000 }).catch(() => undefined);
  }
}
