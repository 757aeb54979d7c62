import { join } from 'node:path';
import type { AccountInfo } from '../model/account';
import type { SyncStatus } from '../model/sync-status';
import type { CoreApi, CreateCore } from '../ipc/core-api';
import { dispatch, type Handlers } from './dispatch';
import { EventLog } from '../services/event-log';
import { AccountService, type AccountServiceOptions } from '../services/account-service';
import { AccountSession } from '../services/account-session';
import { openFileSecretStore, SECRETS_FILE, type SecretStore } from '../storage/secret-store';
import { coreHandlers } from './handlers/index';
import { CryptoSetup } from './crypto-setup';

const NOT_SIGNED_IN: SyncStatus = { state: 'stopped', reason: 'Not signed in' };
const SIGNED_OUT_BY_SERVER: SyncStatus = {
  state: 'stopped',
  reason: 'The server ended this session: sign in again',
};

/** The status of an account served read-only because the disk refused writes at start. */
function cannotSave(problem: string): SyncStatus {
  return {
    state: 'stopped',
    reason:
      `Cannot save on this computer (${problem}): showing saved messages. ` +
      'Restart LightMatrix once it can save again',
  };
}

/** Knobs for tests and tools; the defaults suit the app. */
export type CoreTuning = {
  /** The `/sync` long-poll (default 30 s). */
  longPollMs?: number;
  /** How long to wait for a long-poll's answer (default: the long-poll + 10 s). */
  syncTimeoutMs?: number;
  /** Retries, backoff and per-request timeout of every account's homeserver client. */
  clientOptions?: AccountServiceOptions['clientOptions'];
  /** For tests: run without end-to-end encryption (as when the crypto store cannot open). */
  noCrypto?: boolean;
  /** For tests: writes the account registry (to simulate a disk that refuses writes). */
  writeRegistry?: AccountServiceOptions['writeRegistry'];
};

/**
 * The core: accounts, and the services of the active account. Runs in a worker thread (or the
 * browser harness process); the transports reach it through {@link CoreApi}.
 */
export class Core implements CoreApi {
  readonly events = new EventLog();
  readonly accounts: AccountService;
  readonly appVersion: string;
  #session: AccountSession | undefined;
  #handlers: Handlers;
  #log = (msg: string) => console.warn(`[core] ${msg}`);
  #tuning: CoreTuning;
  #crypto = new CryptoSetup(this.#log);

  /**
   * `secrets`: where access tokens and crypto store keys are kept (default: the file
   * `<dataDir>/secrets.json`, protected by its permissions only).
   */
  constructor(dataDir: string, appVersion: string, tuning: CoreTuning = {}, secrets?: SecretStore) {
    this.appVersion = appVersion;
    this.#tuning = tuning;
    this.accounts = new AccountService(dataDir, {
      secrets,
      clientOptions: tuning.clientOptions,
      writeRegistry: tuning.writeRegistry,
      onChange: (account, removed) => this.#onAccountChange(account, removed),
      beforeRemove: async (userId) => {
        if (this.#session?.userId === userId) await this.#deactivate();
      },
      log: this.#log,
    });
    this.#handlers = coreHandlers(this);
  }

  /** Opens every account from disk (no network needed) and starts the active one. */
  async start(): Promise<void> {
    await this.accounts.restore();
    const active = this.accounts.active;
    if (active) await this.activate(active);
  }

  /** The active account's services; throws when nobody is signed in. */
  get session(): AccountSession {
    if (!this.#session) throw Object.assign(new Error('Not signed in'), { code: 'not_signed_in' });
    return this.#session;
  }

  get syncStatus(): SyncStatus {
    const s = this.#session;
    if (!s) return NOT_SIGNED_IN;
    if (this.accounts.info(s.userId).state !== 'active') return SIGNED_OUT_BY_SERVER;
    if (s.readOnly) return cannotSave(s.readOnly);
    return s.sync.status;
  }

  /**
   * Makes `userId` the account whose services run; `restart` rebuilds them (after signing in
   * again). A soft-logged-out account still opens, read-only: its cache stays readable offline,
   * and sync and sending wait for the password.
   */
  async activate(userId: string, restart = false): Promise<void> {
    if (this.#session?.userId === userId && !restart) return;
    await this.#deactivate();
    const info = this.accounts.info(userId);
    const api = this.accounts.client(userId);
    const crypto =
      info.state === 'active' && !this.#tuning.noCrypto
        ? await this.#crypto.open({
            userId,
            deviceId: info.deviceId,
            dir: this.accounts.accountDir(userId),
            api,
            secrets: this.accounts.secrets,
          })
        : undefined;
    const session = new AccountSession({
      userId,
      crypto,
      db: this.accounts.db(userId),
      api,
      secrets: this.accounts.secrets,
      events: this.events,
      onLoggedOut: (soft) => void this.#onLoggedOut(userId, soft),
      log: this.#log,
      syncTiming: {
        longPollMs: this.#tuning.longPollMs,
        syncTimeoutMs: this.#tuning.syncTimeoutMs,
      },
    });
    this.#session = session;
    const problem = this.accounts.storageProblem;
    if (this.accounts.info(userId).state !== 'active') {
      this.events.push('sync.status', SIGNED_OUT_BY_SERVER);
    } else if (problem) {
      // The disk refused writes at start: serve the cache, but fetch nothing it cannot keep.
      session.readOnly = problem;
      this.events.push('sync.status', cannotSave(problem));
    } else session.start();
  }

  async #deactivate(): Promise<void> {
    const s = this.#session;
    this.#session = undefined;
    await s?.stop();
  }

  /** The token died: stop syncing and sending, keep the cache readable until signed in again. */
  async #onLoggedOut(userId: string, soft: boolean): Promise<void> {
    this.accounts.markSoftLoggedOut(userId, !soft);
    if (this.#session?.userId === userId) await this.#session.stop();
  }

  #onAccountChange(account: AccountInfo, removed?: boolean): void {
    this.events.push('account.changed', removed ? { account, removed } : { account });
  }

  handle(command: string, data: unknown) {
    return dispatch(this.#handlers, { command, data });
  }

  onEvent(cb: Parameters<CoreApi['onEvent']>[0]) {
    return this.events.subscribe(cb);
  }

  async close(): Promise<void> {
    await this.#deactivate();
    this.accounts.close();
  }
}

/** Starts the core over `dataDir`, its secrets wrapped by `secretWrapper` (default: not at all). */
export const createCore: CreateCore = async ({ dataDir, appVersion, secretWrapper }) => {
  const secrets = openFileSecretStore(join(dataDir, SECRETS_FILE), secretWrapper);
  const core = new Core(dataDir, appVersion, {}, secrets);
  await core.start();
  return core;
};
