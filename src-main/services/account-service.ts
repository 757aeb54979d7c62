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
import type { Db } from '../storage/db';
import { openFileSecretStore, SECRETS_FILE, type SecretStore } from '../storage/secret-store';
import type { Session } from '../storage/session-store';
import type { AccountNotice } from './account-files';
import type { Registry } from './account-registry';
import { AccountSet, type OpenAccount } from './account-set';
import { AccountTokens } from './account-tokens';

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
  /** Writes the registry (default `writeRegistry`); tests make it fail like a full disk. */
  writeRegistry?: (dataDir: string, registry: Registry) => void;
  /** Where access tokens (and the crypto layer's keys) are kept; default `<dataDir>/secrets.json`. */
  secrets?: SecretStore;
  log?: (message: string) => void;
};

/** An account as the renderer sees it; `hasToken`: its requests carry an access token. */
function toInfo(s: Session, hasToken: boolean): AccountInfo {
  const info: AccountInfo = {
    userId: s.userId,
    deviceId: s.deviceId,
    homeserver: s.homeserver,
    state: s.softLoggedOut || !hasToken ? 'soft-logged-out' : 'active',
  };
  if (s.displayName !== undefined) info.displayName = s.displayName;
  if (s.avatarUrl !== undefined) info.avatarUrl = s.avatarUrl;
  return info;
}

/**
 * The accounts on this machine: one SQLite database each under `<dataDir>/accounts/<hash>/`,
 * and a registry (`<dataDir>/accounts.json`) of which exist and which is active (both held by
 * an {@link AccountSet}); their access tokens in the secret store. Starts offline from disk
 * (`restore`); signs in, out, and back in after a soft logout.
 */
export class AccountService {
  readonly #opts: AccountServiceOptions;
  readonly #accounts: AccountSet;
  readonly #tokens: AccountTokens;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, opts: AccountServiceOptions = {}) {
    this.#opts = opts;
    const secrets = opts.secrets ?? openFileSecretStore(join(dataDir, SECRETS_FILE));
    this.#tokens = new AccountTokens(secrets, (message) => this.#opts.log?.(message));
    const openApi = (homeserver: string, versions: string[], userId: string) =>
      new MatrixApi(this.#client(homeserver, undefined, userId), versions);
    this.#accounts = new AccountSet(dataDir, openApi, opts);
  }

  /** Where the accounts' secrets are kept: the crypto layer keeps its store keys there too. */
  get secrets(): SecretStore {
    return this.#tokens.secrets;
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
   * Opens every registered account's database, reads their access tokens (moving one an older
   * version left in a database into the secret store) and returns their sessions. Await it
   * before anything else: an account is only `active` once its token is read. No network: a
   * dead token is found by the first request that uses it. Idempotent.
   */
  async restore(): Promise<Session[]> {
    const sessions = this.#accounts.restore();
    const all = () => this.#accounts.all();
    await Promise.all(all().map((acc) => this.#tokens.load(acc, all)));
    return sessions;
  }

  /**
   * Why this computer refused to save at start (a full or read-only disk), in words for
   * people; the core then serves the cache without syncing. Cleared once a save succeeds.
   */
  get storageProblem(): string | undefined {
    return this.#accounts.storageProblem;
  }

  /**
   * Signs in with a password (discovery, login flows check, login), stores the session and
   * what the server offers, and makes the account active. Signing in again as a known user
   * reuses its database and device.
   */
  login(req: LoginRequest): Promise<AccountInfo> {
    return this.#serial(async () => {
      await this.restore();
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
      const acc = await this.#storeLogin(res, info.homeserver, info.versions);
      await this.#refreshServerInfo(acc, false);
      this.#accounts.makeActive(res.userId);
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
      await this.#storeLogin(res, s.homeserver, s.versions);
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
    const wasActive = this.#info(acc).state === 'active';
    acc.store.markSoftLoggedOut();
    acc.api.client.setAccessToken(undefined);
    this.#tokens.forgetDead(userId);
    if (deviceGone) this.#accounts.setNeedsNewDevice(acc, true);
    const info = this.#info(acc);
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
      const info = this.#info(acc);
      await Promise.resolve(this.#opts.beforeRemove?.(userId)).catch((err: unknown) => {
        this.#opts.log?.(`stopping ${userId} before logout failed: ${String(err)}`);
      });
      if (acc.api.client.hasAccessToken) {
        const timeoutMs = this.#opts.logoutTimeoutMs ?? 10_000;
        await acc.api.logout({ retry: 'never', timeoutMs }).catch((err: unknown) => {
          this.#opts.log?.(`logout of ${userId} on the server failed: ${String(err)}`);
        });
      }
      // The secrets go first: a crash before the files are gone leaves an account that asks
      // for a sign-in, never a live token the app no longer knows of.
      await this.#tokens.forgetAccount(userId, info.deviceId);
      this.#accounts.remove(acc);
      this.#opts.onChange?.(info, true);
    });
  }

  /** Makes another account the active one. */
  switch(userId: string): AccountInfo {
    const acc = this.#get(userId);
    this.#accounts.makeActive(userId);
    return this.#emit(acc);
  }

  /**
   * Every account, in the order they were added, and the active one; `notices` for accounts
   * that need a sign-in before they can be used again (their database was damaged).
   */
  list(): { accounts: AccountInfo[]; active?: string; notices?: AccountNotice[] } {
    const { sessions, active, notices } = this.#accounts.list();
    const hasToken = (userId: string) => this.#accounts.find(userId)?.api.client.hasAccessToken;
    const out = { accounts: sessions.map((s) => toInfo(s, hasToken(s.userId) ?? false)), active };
    notices.push(...this.#tokens.notices((userId) => this.#accounts.has(userId)));
    return notices.length ? { ...out, notices } : out;
  }

  /** The active account's user id. */
  get active(): string | undefined {
    return this.#accounts.active;
  }

  /** An account as the renderer sees it. */
  info(userId: string): AccountInfo {
    return this.#info(this.#get(userId));
  }

  /** Records a new display name for the account, and tells listeners. */
  setProfile(userId: string, displayName: string): void {
    const open = this.#get(userId);
    open.store.setProfile(displayName, open.store.get()?.avatarUrl);
    this.#opts.onChange?.(this.info(userId), false);
  }

  /** An account's stored session. */
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
    return this.#accounts.dir(this.#get(userId).entry);
  }

  /** Fetches versions, capabilities and profile again and stores them (best effort). */
  async refreshServerInfo(userId: string): Promise<AccountInfo> {
    const acc = this.#get(userId);
    await this.#refreshServerInfo(acc, true);
    return this.#emit(acc);
  }

  /** Aborts every request and closes every database. */
  close(): void {
    this.#accounts.close();
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #get(userId: string): OpenAccount {
    return this.#accounts.get(userId);
  }

  #info(acc: OpenAccount): AccountInfo {
    return toInfo(acc.store.get()!, acc.api.client.hasAccessToken);
  }

  #emit(acc: OpenAccount): AccountInfo {
    const info = this.#info(acc);
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
    if (!this.#accounts.has(userId)) return;
    this.#opts.log?.(`${userId}: token rejected (soft_logout: ${err.softLogout})`);
    this.markSoftLoggedOut(userId, !err.softLogout);
  }

  /** A known account this username names on this homeserver, to reuse its device. */
  #findKnown(username: string, homeserver: string): OpenAccount | undefined {
    if (username.startsWith('@')) return this.#accounts.find(username);
    const local = username.toLowerCase();
    return this.#accounts.all().find((a) => {
      const s = a.store.get()!;
      return s.homeserver === homeserver && s.userId.slice(1, s.userId.indexOf(':')) === local;
    });
  }

  /**
   * Stores a fresh sign-in: its token in the secret store first, then the session in the
   * account's database (created if new) and registry. If that fails, the token is forgotten
   * and signed out on the server, and the error thrown.
   */
  async #storeLogin(res: LoginResult, homeserver: string, versions: string[]) {
    const { userId, deviceId, accessToken } = res;
    try {
      await this.#tokens.save(userId, accessToken);
      const acc = this.#accounts.find(userId) ?? this.#accounts.add(userId, homeserver, versions);
      acc.store.create({ userId, deviceId, homeserver });
      acc.store.setServerInfo(versions, acc.store.get()!.capabilities);
      acc.api.setVersions(versions);
      this.#tokens.signedIn(acc, accessToken);
      this.#accounts.setNeedsNewDevice(acc, false);
      return acc;
    } catch (err) {
      // The sign-in is undone on the server: its token must not outlive it here either.
      await this.#tokens.discard(userId);
      await this.#bestEffortLogout(homeserver, accessToken);
      throw err;
    }
  }

  async #refreshServerInfo(acc: OpenAccount, withVersions: boolean): Promise<void> {
    const o = { retry: 'never' as const, timeoutMs: 10_000 };
    const s = acc.store.get()!;
    const [versions, caps, profile] = await Promise.allSettled([
      withVersions ? acc.api.versions(o).then((v) => v.versions) : Promise.resolve(s.versions),
      acc.api.capabilities(o),
      acc.api.profile(s.userId, o),
    ]);
    if (!this.#accounts.has(s.userId)) return;
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
