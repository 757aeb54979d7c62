import { Accounts } from './model/accounts';
import { AccountData } from './model/account-data';
import { E2ee } from './model/e2ee';
import { Media } from './model/media';
import { Notifier } from './model/notifier';
import { Receipts } from './model/receipts';
import { Rooms } from './model/rooms';
import { Faults } from './faults';
import { MemoryPersistence, SqlitePersistence, type Persistence } from './store';

/** Spec versions advertised by `/versions`. */
export const SPEC_VERSIONS = [
  'r0.6.1',
  'v1.1',
  'v1.2',
  'v1.3',
  'v1.4',
  'v1.5',
  'v1.6',
  'v1.7',
  'v1.8',
  'v1.9',
  'v1.10',
  'v1.11',
  'v1.12',
];

export type HomeserverOptions = {
  serverName?: string;
  /** Persist state under this folder (SQLite); in memory when absent. */
  dataDir?: string;
  /** Enables the `/_test/` control API. */
  testMode?: boolean;
  /** The URL clients reach this server at (for `.well-known`). */
  baseUrl: string;
  maxUploadBytes?: number;
  /**
   * The server's clock, in ms since the epoch: event timestamps, ages, receipts, presence,
   * typing and media expiry all read it. `Date.now` when absent.
   */
  now?: () => number;
};

/** Settings the control API may change at run time. */
export type RuntimeConfig = {
  serverName: string;
  baseUrl: string;
  maxUploadBytes: number;
  registrationEnabled: boolean;
  legacyMediaEnabled: boolean;
  versions: string[];
};

/** All the homeserver's state. The HTTP layer and the routes operate on this. */
export class Homeserver {
  readonly config: RuntimeConfig;
  readonly testMode: boolean;
  readonly persist: Persistence;
  readonly notifier: Notifier;
  readonly accounts: Accounts;
  readonly rooms: Rooms;
  readonly accountData: AccountData;
  readonly receipts: Receipts;
  readonly e2ee: E2ee;
  readonly media: Media;
  readonly faults = new Faults();
  /** The server's clock (see `HomeserverOptions.now`). */
  readonly now: () => number;
  #timers = new Set<NodeJS.Timeout>();

  constructor(opts: HomeserverOptions, reuse?: Persistence) {
    const serverName = opts.serverName ?? 'localhost';
    this.testMode = opts.testMode ?? false;
    this.now = opts.now ?? Date.now;
    this.config = {
      serverName,
      baseUrl: opts.baseUrl,
      maxUploadBytes: opts.maxUploadBytes ?? 50 * 1024 * 1024,
      registrationEnabled: true,
      legacyMediaEnabled: true,
      versions: SPEC_VERSIONS,
    };
    this.persist =
      reuse ?? (opts.dataDir ? new SqlitePersistence(opts.dataDir) : new MemoryPersistence());
    const loaded = this.persist.loadAll();
    this.notifier = new Notifier(highestPos(loaded));
    this.accounts = new Accounts(serverName, this.persist, loaded, this.now);
    this.rooms = new Rooms(serverName, this.persist, loaded, this.notifier, this.now);
    this.accountData = new AccountData(this.persist, loaded, this.notifier);
    this.receipts = new Receipts(this.persist, loaded, this.notifier);
    this.e2ee = new E2ee(this.persist, loaded, this.notifier, this.now);
    this.media = new Media(serverName, this.persist, loaded, this.now);
  }

  /** Runs `fn` later, unless the server closes first. */
  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  /** The in-memory rows to carry over a simulated restart (memory mode only). */
  memoryState(): Persistence | undefined {
    return this.persist instanceof MemoryPersistence ? this.persist : undefined;
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.notifier.wakeAll();
    if (!(this.persist instanceof MemoryPersistence)) this.persist.close();
  }
}

/** The highest stream position in any stored row (`pos` or `presence_pos` fields). */
function highestPos(loaded: Map<string, Map<string, unknown>>): number {
  let max = 0;
  for (const rows of loaded.values()) {
    for (const v of rows.values()) {
      if (typeof v !== 'object' || v === null) continue;
      const r = v as { pos?: unknown; presence_pos?: unknown };
      if (typeof r.pos === 'number' && r.pos > max) max = r.pos;
      if (typeof r.presence_pos === 'number' && r.presence_pos > max) max = r.presence_pos;
    }
  }
  return max;
}
