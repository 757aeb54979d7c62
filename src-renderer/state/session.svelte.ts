import type {
  AccountInfo,
  Bridge,
  CommandResponse,
  CoreStatus,
  IpcError,
  SyncStatus,
  UserId,
} from '../../src-main/ipc/contract';
import { getBridge } from '../lib/bridge';
import { loginErrorMessage } from '../lib/login-errors';

const UNKNOWN_SYNC: SyncStatus = { state: 'connecting' };

/** An account that needs attention (see `account.list`). */
type AccountNotice = NonNullable<CommandResponse<'account.list'>['notices']>[number];

/**
 * The core's status, the accounts on this machine and the active one, and the sync status:
 * loaded when the core reports ready, then kept current by pushed events only.
 */
export class Session {
  readonly #bridge: Bridge | undefined;
  #coreStatus = $state<CoreStatus>('not-connected');
  #syncStatus = $state<SyncStatus>(UNKNOWN_SYNC);
  #accounts = $state.raw<AccountInfo[]>([]);
  #notices = $state.raw<AccountNotice[]>([]);
  #activeId = $state<UserId | undefined>();
  #ready = $state(false);
  #version = $state<string | undefined>();
  #epoch = $state(0);

  constructor(bridge: Bridge | undefined) {
    this.#bridge = bridge;
    if (!bridge) return;
    bridge.on('core.status', (event) => {
      this.#coreStatus = event.data.status;
      if (event.data.status === 'ready') void this.#load();
    });
    bridge.on('sync.status', (event) => {
      this.#syncStatus = event.data;
    });
    bridge.on('account.changed', ({ data }) => this.#onAccountChanged(data.account, data.removed));
  }

  /** Whether this page has a bridge to the core at all (not when served as plain files). */
  get hasBridge(): boolean {
    return this.#bridge !== undefined;
  }

  get coreStatus(): CoreStatus {
    return this.#coreStatus;
  }

  get syncStatus(): SyncStatus {
    return this.#syncStatus;
  }

  /** The core is (or was, before a reconnect) ready, and the accounts are loaded. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Every account on this machine. */
  get accounts(): AccountInfo[] {
    return this.#accounts;
  }

  /** Accounts that need a sign-in before they can be used again, with why (for people). */
  get notices(): AccountNotice[] {
    return this.#notices;
  }

  /** The active account, if anyone is signed in (possibly soft-logged-out). */
  get account(): AccountInfo | undefined {
    return this.#accounts.find((a) => a.userId === this.#activeId);
  }

  /** The app's version, once the core has answered. */
  get version(): string | undefined {
    return this.#version;
  }

  /**
   * Bumped whenever the core (re)starts the active account's services (sign-in, sign-in again,
   * switch): views that subscribed to core state (an open timeline) must subscribe again.
   */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * Signs in; resolves to a message for people when it failed, else `undefined`. With an
   * empty `server` and a full user id, the homeserver is discovered from the id.
   */
  async login(server: string, username: string, password: string): Promise<string | undefined> {
    const bridge = this.#bridge;
    if (!bridge) return loginErrorMessage(NO_CORE);
    let target = server.trim();
    const user = username.trim();
    if (!target) {
      if (!/^@[^:]+:.+/.test(user)) {
        return 'Enter your homeserver, or your full user id like @alice:example.org.';
      }
      const found = await bridge.invoke('account.discover', { server: user });
      if (!found.ok) return loginErrorMessage(found.error);
      target = found.value.homeserver;
    }
    const result = await bridge.invoke('account.login', {
      server: target,
      username: user,
      password,
    });
    if (!result.ok) return loginErrorMessage(result.error);
    this.#upsert(result.value);
    this.#notices = this.#notices.filter((n) => n.userId !== result.value.userId);
    this.#activeId = result.value.userId;
    this.#epoch++;
    return undefined;
  }

  /** Signs the active, soft-logged-out account in again; resolves to an error message or `undefined`. */
  async relogin(password: string): Promise<string | undefined> {
    const userId = this.#activeId;
    if (!this.#bridge || !userId) return loginErrorMessage(NO_CORE);
    const result = await this.#bridge.invoke('account.relogin', { userId, password });
    if (!result.ok) {
      return result.error.code === 'M_FORBIDDEN'
        ? 'Wrong password.'
        : loginErrorMessage(result.error);
    }
    this.#upsert(result.value);
    this.#epoch++;
    return undefined;
  }

  /** Signs the active account out and wipes its local data; resolves to an error message or `undefined`. */
  async logout(): Promise<string | undefined> {
    const userId = this.#activeId;
    if (!this.#bridge || !userId) return loginErrorMessage(NO_CORE);
    const result = await this.#bridge.invoke('account.logout', { userId });
    if (!result.ok) return `Could not sign out: ${result.error.message}`;
    this.#remove(userId);
    await this.#load(true);
    return undefined;
  }

  /** Loads accounts, sync status and version; `activate` makes the core run the active account. */
  async #load(activate = false): Promise<void> {
    const bridge = this.#bridge!;
    const [list, sync, version] = await Promise.all([
      bridge.invoke('account.list', {}),
      bridge.invoke('sync.status', {}),
      bridge.invoke('app.version', {}),
    ]);
    if (version.ok) this.#version = version.value.version;
    if (sync.ok) this.#syncStatus = sync.value;
    if (!list.ok) {
      console.error('session: cannot list accounts', list.error);
      return;
    }
    this.#accounts = list.value.accounts;
    this.#notices = list.value.notices ?? [];
    const previous = this.#activeId;
    this.#activeId = list.value.active;
    // After a sign-out the registry may name another account: make the core run it.
    if (activate && this.#activeId) {
      const switched = await bridge.invoke('account.switch', { userId: this.#activeId });
      if (!switched.ok) console.error('session: cannot switch account', switched.error);
    }
    if (this.#activeId !== previous) this.#epoch++;
    this.#ready = true;
  }

  #onAccountChanged(account: AccountInfo, removed?: boolean): void {
    if (removed) {
      this.#remove(account.userId);
      return;
    }
    // No epoch bump here: after a sign-in the core restarts the account's services only
    // once this event is out; `login` and `relogin` bump it when the command has finished.
    this.#upsert(account);
  }

  #upsert(account: AccountInfo): void {
    const i = this.#accounts.findIndex((a) => a.userId === account.userId);
    this.#accounts =
      i < 0 ? [...this.#accounts, account] : this.#accounts.map((a, j) => (j === i ? account : a));
  }

  #remove(userId: UserId): void {
    this.#accounts = this.#accounts.filter((a) => a.userId !== userId);
    if (this.#activeId === userId) this.#activeId = undefined;
  }
}

const NO_CORE: IpcError = { code: 'disconnected', message: 'Not connected to the core' };

/** The app's one session. */
export const session = new Session(getBridge());
