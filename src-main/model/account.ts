/**
 * Accounts, sessions and servers, as every layer and the renderer name them (types only).
 *
 * @packageDocumentation
 */

import type { UserId } from './ids';

/** A signed-in account (one SQLite database each). */
export type AccountInfo = {
  userId: UserId;
  deviceId: string;
  /** The homeserver's base URL, e.g. `https://matrix.example.org`. */
  homeserver: string;
  displayName?: string;
  avatarUrl?: string;
  /**
   * `active`: signed in. `soft-logged-out`: the server expired the token but kept the device;
   * signing in again with the password resumes with the cache intact.
   */
  state: 'active' | 'soft-logged-out';
};

/** A session (device) of the account. */
export type DeviceInfo = {
  deviceId: string;
  displayName?: string;
  lastSeenTs?: number;
  lastSeenIp?: string;
  /** This app's own session. */
  current: boolean;
};

/** What the homeserver behind a user id or URL offers, before signing in. */
export type ServerInfo = {
  homeserver: string;
  /** Spec versions from `/versions`. */
  versions: string[];
  /** Login types from `GET /login`, e.g. `m.login.password`. */
  loginFlows: string[];
};
