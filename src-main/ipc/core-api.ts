import type { SecretWrapper } from '../storage/secret-store';
import type { AppEvent, AppEventOf, CoreStatus, IpcResult } from './contract';

/**
 * The core (sync, storage, crypto) as the transports see it. `src-main/services/core.ts`
 * exports a {@link CreateCore} that builds one; it runs inside a worker thread
 * (`src-main/worker/core-worker.ts`), and the main thread talks to it through a `CoreClient`
 * implementing the same interface.
 *
 * Events: the core numbers every event it pushes with an `EventLog` (`ipc/event-log.ts`), which
 * also keeps the recent ones so it can answer `events.since`.
 */
export interface CoreApi {
  /** Runs one command of the contract; never throws (errors come back as IpcResult errors). */
  handle(command: string, data: unknown): Promise<IpcResult<unknown>>;
  /** Subscribes to pushed events (already numbered with seq); returns unsubscribe. */
  onEvent(cb: (e: AppEvent) => void): () => void;
  /** Stops syncing, finishes writes and closes the databases. */
  close(): Promise<void>;
}

/** What the core is started with. */
export type CoreOptions = {
  /** Directory for the core's databases and keys (Electron: `app.getPath('userData')`). */
  dataDir: string;
  /** The application's version, answered by `app.version`. */
  appVersion: string;
  /**
   * Wraps the secrets kept in `<dataDir>/secrets.json` (the Electron app: the OS keychain's
   * encryption, done by the main thread for the worker); default none, the file's 0600 only.
   * Not serialisable: a worker host passes it beside the options (`worker/core-client.ts`).
   */
  secretWrapper?: SecretWrapper;
};

/**
 * The factory `src-main/services/core.ts` exports as `createCore`. Rejects if the core cannot
 * start. Events pushed before it resolves reach no renderer live (they are still in the log for
 * `events.since`), so push deltas only once it has resolved.
 */
export type CreateCore = (opts: CoreOptions) => Promise<CoreApi>;

/**
 * A core hosted by this process (in a worker), as the Electron and WebSocket transports use it.
 *
 * Besides the core's own events, `onEvent` delivers `core.status` events made by the host when
 * the core starts, becomes ready or fails. Those carry the `seq` of the last core event (they
 * are state, not part of the numbered log, and `events.since` never returns them); transports
 * send {@link HostedCore.statusEvent} to every renderer that connects, which also tells it the
 * current `seq`.
 */
export interface HostedCore extends CoreApi {
  /** Where the core is in its lifecycle. */
  readonly status: CoreStatus;
  /** The current status as an event, for a renderer that has just connected. */
  statusEvent(): AppEventOf<'core.status'>;
}
