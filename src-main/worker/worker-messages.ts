import type { AppEvent, IpcError, IpcResult } from '../ipc/contract';
import type { CoreOptions } from '../ipc/core-api';

// The messages between the main thread (`CoreClient`) and the core's worker (`serveCore`).
// Both sides are this repository's code, built together, so these are not versioned.

/** Main thread → worker. */
export type ToWorker =
  | { kind: 'call'; id: number; command: string; data: unknown }
  /** Close the core; the worker answers `closed`, then the main thread terminates it. */
  | { kind: 'close' };

/** Worker → main thread. */
export type FromWorker =
  /** `createCore` resolved: commands are answered from now on. */
  | { kind: 'ready' }
  /** `createCore` rejected: the core will not run. */
  | { kind: 'failed'; error: IpcError }
  | { kind: 'result'; id: number; result: IpcResult<unknown> }
  | { kind: 'event'; event: AppEvent }
  | { kind: 'closed' };

/** The worker's `workerData`. */
export type CoreWorkerData = {
  options: CoreOptions;
  /** Set when a `.ts` entry is run from source: the bootstrap registers tsx, then imports it. */
  tsEntry?: string;
};
