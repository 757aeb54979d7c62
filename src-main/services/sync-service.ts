import type { SyncStatus } from '../model/sync-status';
import type { MatrixApi } from '../net/api';
import { ConnectionError, HomeserverError } from '../net/errors';
import { supportsVersion } from '../net/versions';
import { parseSync, SYNC_FILTER, type SyncChanges } from '../protocol/sync';
import { ingestSync, type IngestResult } from '../sync/ingest';
import { describeStorageError, isSystemicDbError } from '../storage/db';
import type { Stores } from '../storage/stores';

const LONG_POLL_MS = 30_000;
const MAX_BACKOFF_MS = 30_000;

/** What the sync loop needs around it. */
export type SyncDeps = {
  api: MatrixApi;
  stores: Stores;
  userId: string;
  /** Decrypts what it can, between parse and write (filled by the crypto layer). */
  decrypt?: (changes: SyncChanges) => Promise<void>;
  /** Called after each response's transaction committed, to push deltas. */
  onIngested: (result: IngestResult) => void;
  onStatus: (status: SyncStatus) => void;
  /** The server invalidated our token; `soft` when the device survives. */
  onLoggedOut: (soft: boolean) => void;
  log?: (msg: string) => void;
  /** For tests: randomness for jitter, and the long-poll timeout. */
  random?: () => number;
  longPollMs?: number;
  /** How long to wait for a long-poll's answer (default: the long-poll + 10 s). */
  syncTimeoutMs?: number;
};

/**
 * The `/sync` loop in phases: request → parse (pure) → decrypt → one write transaction with
 * `next_batch` → deltas pushed only after commit. It reconnects with backoff and jitter, honours
 * `retry_after_ms`, and reports its health as a status, never as an exception.
 */
export class SyncService {
  #deps: SyncDeps;
  #status: SyncStatus = { state: 'connecting' };
  #abort = new AbortController();
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(deps: SyncDeps) {
    this.#deps = deps;
  }

  get status(): SyncStatus {
    return this.#status;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops the loop; an ingest in progress finishes its transaction first. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    await this.#loop;
  }

  /** Retries at once if waiting after a failure (e.g. the network came back). */
  nudge(): void {
    this.#wake?.();
  }

  #setStatus(s: SyncStatus) {
    if (JSON.stringify(s) === JSON.stringify(this.#status)) return;
    this.#status = s;
    this.#deps.onStatus(s);
  }

  async #run(): Promise<void> {
    let failures = 0;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        await this.#once(signal);
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        const delay = this.#onFailure(err, failures++);
        if (delay === undefined) break;
        await this.#sleep(delay, signal);
      }
    }
  }

  async #once(signal: AbortSignal): Promise<void> {
    const { api, stores } = this.#deps;
    const session = stores.session.get();
    if (!session) throw new Error('No session to sync');
    const filterId = session.filterId || (await this.#uploadFilter());
    const since = session.syncToken;
    if (this.#status.state !== 'ok') this.#setStatus({ state: 'connecting' });
    const json = await api.sync(
      {
        since,
        timeoutMs: since ? (this.#deps.longPollMs ?? LONG_POLL_MS) : 0,
        filterId,
        useStateAfter: supportsVersion(session.versions, 'v1.16'),
      },
      signal,
      since && this.#deps.syncTimeoutMs ? { timeoutMs: this.#deps.syncTimeoutMs } : undefined,
    );
    const changes = parseSync(json);
    for (const s of changes.skipped) {
      this.#deps.log?.(`sync: skipped ${s.roomId ?? ''} ${s.eventId ?? ''}: ${s.reason}`);
    }
    await this.#deps.decrypt?.(changes);
    if (signal.aborted) return;
    const result = ingestSync(stores, changes, this.#deps.userId);
    this.#setStatus({ state: 'ok' });
    this.#deps.onIngested(result);
  }

  async #uploadFilter(): Promise<string> {
    const { filterId } = await this.#deps.api.uploadFilter(this.#deps.userId, SYNC_FILTER);
    this.#deps.stores.session.setFilterId(filterId);
    return filterId;
  }

  /** Sets the status for a failure and returns how long to wait, or undefined to stop. */
  #onFailure(err: unknown, failures: number): number | undefined {
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures);
    const jittered = Math.round(backoff * (0.5 + (this.#deps.random ?? Math.random)() / 2));
    const retryAt = (ms: number) => Date.now() + ms;
    if (err instanceof HomeserverError) {
      if (err.errcode === 'M_UNKNOWN_TOKEN' || err.errcode === 'M_MISSING_TOKEN') {
        // M_MISSING_TOKEN comes from our own client: another request already met the dead token
        // and recorded whether the device survived. It is no sign of a hard logout.
        const soft = err.softLogout || err.errcode === 'M_MISSING_TOKEN';
        this.#setStatus({
          state: 'stopped',
          reason: soft ? 'Session expired: sign in again' : 'Signed out',
        });
        this.#deps.onLoggedOut(soft);
        return undefined;
      }
      if (err.status === 429) {
        const wait = Math.max(err.retryAfterMs ?? jittered, 500);
        this.#setStatus({
          state: 'erroring',
          reason: 'Rate limited by the server',
          retryAt: retryAt(wait),
        });
        return wait;
      }
      if (err.status === 400 && /filter/i.test(err.message)) {
        // Our stored filter is unknown to the server (e.g. it lost state): upload a new one.
        this.#deps.stores.session.setFilterId('');
      }
      this.#setStatus({
        state: 'erroring',
        reason: `Server error: ${err.errcode} (${err.status})`,
        retryAt: retryAt(jittered),
      });
      return jittered;
    }
    if (err instanceof ConnectionError) {
      this.#setStatus({ state: 'offline', retryAt: retryAt(jittered) });
      return jittered;
    }
    if (isSystemicDbError(err)) {
      // Nothing of the response was kept (the token did not advance): it comes again.
      this.#deps.log?.(`sync: could not save: ${String(err)}`);
      const reason = describeStorageError(err);
      this.#setStatus({ state: 'erroring', reason, local: true, retryAt: retryAt(jittered) });
      return jittered;
    }
    const reason = err instanceof Error ? err.message : String(err);
    this.#deps.log?.(`sync: failed: ${reason}`);
    this.#setStatus({ state: 'erroring', reason, retryAt: retryAt(jittered) });
    return jittered;
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
      this.#wake = done;
    });
  }
}
