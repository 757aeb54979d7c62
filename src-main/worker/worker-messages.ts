import type { AppEvent, IpcError, IpcResult } from '../ipc/contract';
import type { CoreOptions } from '../ipc/core-api';
import type { SecretProtection } from '../storage/secret-store';

// The messages between the main thread (`CoreClient`) and the core's worker (`serveCore`).
// Both sides are this repository's code, built together, so these are not versioned.

/** Main thread → worker. */
export type ToWorker =
  | { kind: 'call'; id: number; command: string; data: unknown }
  /** Close the core; the worker answers `closed`, then the main thread terminates it. */
  | { kind: 'close' }
  /** The answer to the worker's `secret` request of the same id. */
  | { kind: 'secret-result'; id: number; result: SecretResult };

/** Worker → main thread. */
export type FromWorker =
  /** `createCore` resolved: commands are answered from now on. */
  | { kind: 'ready' }
  /** `createCore` rejected: the core will not run. */
  | { kind: 'failed'; error: IpcError }
  | { kind: 'result'; id: number; result: IpcResult<unknown> }
  | { kind: 'event'; event: AppEvent }
  | { kind: 'closed' }
  /** Asks the main thread's secret wrapper (the OS keychain lives there, not in the worker). */
  | { kind: 'secret'; id: number; request: SecretRequest };

/** What the worker asks of the main thread's secret wrapper: how it protects, or to wrap or unwrap. */
export type SecretRequest = { op: 'protection' } | { op: 'wrap' | 'unwrap'; data: Uint8Array };

/** The wrapper's answer: its protection and, for `wrap` and `unwrap`, the bytes; or why it failed. */
export type SecretResult =
  { ok: true; protection: SecretProtection; data?: Uint8Array } | { ok: false; message: string };

/** The options the worker is started with: the core's, less what cannot cross threads. */
export type WorkerCoreOptions = Omit<CoreOptions, 'secretWrapper'>;

/** The worker's `workerData`. */
export type CoreWorkerData = {
  options: WorkerCoreOptions;
  /** The main thread wraps the core's secrets: the worker asks it by `secret` messages. */
  wrapSecrets?: boolean;
  /** Set when a `.ts` entry is run from source: the bootstrap registers tsx, then imports it. */
  tsEntry?: string;
};
