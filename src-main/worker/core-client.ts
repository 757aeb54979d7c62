import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AppEvent, AppEventOf, CoreStatus, IpcError, IpcResult } from '../ipc/contract';
import type { HostedCore } from '../ipc/core-api';
import { errorMessage } from '../ipc/relay';
import type { SecretWrapper } from '../storage/secret-store';
import { answerSecretRequest } from './secret-relay';
import type { CoreWorkerData, FromWorker, ToWorker, WorkerCoreOptions } from './worker-messages';

/** Where the core's worker comes from and what it is started with. */
export type CoreWorkerSpec = {
  /**
   * The worker entry: the built `core-worker.js`, or a `.ts` file run from source through tsx
   * (tests, the web harness).
   */
  entry: string | URL;
  options: WorkerCoreOptions;
  /**
   * Wraps the core's secrets, in this thread (the Electron app: the OS keychain's encryption).
   * It may come later (Electron knows only once it is ready): the core starts when it does.
   * Without it the core keeps its secrets in a plain 0600 file.
   */
  secretWrapper?: SecretWrapper | Promise<SecretWrapper>;
  /** How long `close()` waits for the core to finish before terminating the worker. */
  closeTimeoutMs?: number;
};

// Not a literal in `new URL(…, import.meta.url)`, so bundlers leave it alone.
const TS_BOOTSTRAP = './ts-entry.mjs';

/** Starts the core in a worker thread and returns the main thread's handle on it. */
export function startCoreWorker(spec: CoreWorkerSpec): CoreClient {
  const entry = spec.entry instanceof URL ? spec.entry : pathToFileURL(spec.entry);
  const fromSource = entry.pathname.endsWith('.ts');
  const workerData: CoreWorkerData = {
    options: spec.options,
    ...(spec.secretWrapper ? { wrapSecrets: true } : {}),
    ...(fromSource ? { tsEntry: entry.href } : {}),
  };
  const worker = new Worker(fromSource ? new URL(TS_BOOTSTRAP, import.meta.url) : entry, {
    workerData,
    // The worker's console.log must not reach our stdout (the web harness prints one line there).
    stdout: true,
  });
  worker.stdout.pipe(process.stderr, { end: false });
  return new CoreClient(worker, spec.closeTimeoutMs ?? 10_000, spec.secretWrapper);
}

type Pending = (result: IpcResult<unknown>) => void;

/**
 * The core as seen from the main thread: a {@link HostedCore} whose commands and events travel
 * to and from the worker by `postMessage`. If the worker dies, pending and later calls resolve
 * to `core_failed` errors and `core.status: failed` is pushed; it is not restarted.
 */
export class CoreClient implements HostedCore {
  readonly #worker: Worker;
  readonly #closeTimeoutMs: number;
  readonly #secretWrapper: SecretWrapper | Promise<SecretWrapper> | undefined;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(event: AppEvent) => void>();
  #nextId = 1;
  #status: CoreStatus = 'starting';
  #lastSeq = 0;
  /** Why calls fail once the worker is gone; undefined while it runs. */
  #gone: IpcError | undefined;
  #closing: Promise<void> | undefined;
  #onClosed: (() => void) | undefined;

  constructor(
    worker: Worker,
    closeTimeoutMs: number,
    secretWrapper?: SecretWrapper | Promise<SecretWrapper>,
  ) {
    this.#worker = worker;
    this.#closeTimeoutMs = closeTimeoutMs;
    this.#secretWrapper = secretWrapper;
    // Its failure is answered to the worker when it asks; it is no unhandled rejection here.
    Promise.resolve(secretWrapper).catch(() => undefined);
    worker.on('message', (message: FromWorker) => this.#receive(message));
    worker.on('error', (err) => {
      console.error('core worker: uncaught error', err);
      this.#fail({ code: 'core_failed', message: `The core crashed: ${errorMessage(err)}` });
    });
    worker.on('exit', (code) => {
      this.#onClosed?.();
      this.#fail({ code: 'core_failed', message: `The core stopped (exit code ${code})` });
    });
  }

  get status(): CoreStatus {
    return this.#status;
  }

  statusEvent(): AppEventOf<'core.status'> {
    return { type: 'core.status', seq: this.#lastSeq, data: { status: this.#status } };
  }

  handle(command: string, data: unknown): Promise<IpcResult<unknown>> {
    if (this.#gone) return Promise.resolve({ ok: false, error: this.#gone });
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      try {
        this.#post({ kind: 'call', id, command, data });
      } catch (err) {
        this.#pending.delete(id);
        const message = `Request cannot be sent: ${errorMessage(err)}`;
        resolve({ ok: false, error: { code: 'bad_request', message } });
      }
    });
  }

  onEvent(cb: (e: AppEvent) => void): () => void {
    const listener = (event: AppEvent): void => cb(event);
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Asks the core to close, waits for it (or the timeout), then ends the worker. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (!this.#gone) {
      const closed = new Promise<void>((done) => {
        this.#onClosed = done;
        setTimeout(done, this.#closeTimeoutMs).unref();
      });
      this.#post({ kind: 'close' });
      await closed;
    }
    this.#gone ??= { code: 'core_closed', message: 'The core has been closed' };
    this.#rejectPending(this.#gone);
    await this.#worker.terminate();
  }

  #receive(message: FromWorker): void {
    switch (message.kind) {
      case 'result': {
        const resolve = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        resolve?.(message.result);
        break;
      }
      case 'event':
        this.#lastSeq = Math.max(this.#lastSeq, message.event.seq);
        this.#emit(message.event);
        break;
      case 'ready':
        this.#setStatus('ready');
        break;
      case 'failed':
        this.#fail(message.error);
        void this.#worker.terminate();
        break;
      case 'closed':
        this.#onClosed?.();
        break;
      case 'secret':
        void answerSecretRequest(this.#secretWrapper, message.request).then((result) => {
          if (!this.#gone) this.#post({ kind: 'secret-result', id: message.id, result });
        });
        break;
    }
  }

  #post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  /** The worker is gone (or its core never started): fail everything, once. */
  #fail(error: IpcError): void {
    if (this.#gone) return;
    this.#gone = error;
    this.#rejectPending(error);
    if (!this.#closing) this.#setStatus('failed');
  }

  #rejectPending(error: IpcError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const resolve of pending) resolve({ ok: false, error });
  }

  #setStatus(status: CoreStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.#emit(this.statusEvent());
  }

  #emit(event: AppEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        console.error('core client: an event listener threw', err);
      }
    }
  }
}
