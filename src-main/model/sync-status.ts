/**
 * The sync loop's health (types only).
 *
 * @packageDocumentation
 */

/** The sync loop's health, pushed whenever it changes. */
export type SyncStatus =
  | { state: 'ok' }
  | { state: 'connecting' }
  /** The network or the server is unreachable; retrying at `retryAt` (epoch ms). */
  | { state: 'offline'; retryAt?: number }
  /**
   * Syncing fails; `reason` is for people. `local`: the failure is this computer's (its disk or
   * database, e.g. full), not the server's.
   */
  | { state: 'erroring'; reason: string; retryAt?: number; local?: boolean }
  /**
   * No syncing: signed out, soft-logged-out (until the user signs in again), or the disk
   * refused writes at start (the cache is shown read-only).
   */
  | { state: 'stopped'; reason: string };
