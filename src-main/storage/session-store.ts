import type { Db } from './db';

/** The account's session as stored. */
export type Session = {
  userId: string;
  deviceId: string;
  homeserver: string;
  /** Undefined once soft-logged-out. */
  accessToken?: string;
  softLoggedOut: boolean;
  filterId?: string;
  /** `next_batch` of the last committed sync response. */
  syncToken?: string;
  versions: string[];
  capabilities: Record<string, unknown>;
  displayName?: string;
  avatarUrl?: string;
};

type Row = {
  user_id: string;
  device_id: string;
  homeserver: string;
  access_token: string | null;
  soft_logged_out: number;
  filter_id: string | null;
  sync_token: string | null;
  versions: string;
  capabilities: string;
  display_name: string | null;
  avatar_url: string | null;
};

const SQL = {
  get: 'SELECT * FROM session WHERE id = 1',
  insert: `INSERT INTO session (id, user_id, device_id, homeserver, access_token)
           VALUES (1, @userId, @deviceId, @homeserver, @accessToken)
           ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, device_id = excluded.device_id,
             homeserver = excluded.homeserver, access_token = excluded.access_token, soft_logged_out = 0,
             crypto_since = CASE WHEN device_id = excluded.device_id THEN crypto_since END`,
  setToken: 'UPDATE session SET access_token = ?, soft_logged_out = 0 WHERE id = 1',
  softLogout: 'UPDATE session SET access_token = NULL, soft_logged_out = 1 WHERE id = 1',
  setFilter: 'UPDATE session SET filter_id = ? WHERE id = 1',
  setSyncToken: 'UPDATE session SET sync_token = ? WHERE id = 1',
  setServerInfo: 'UPDATE session SET versions = ?, capabilities = ? WHERE id = 1',
  setProfile: 'UPDATE session SET display_name = ?, avatar_url = ? WHERE id = 1',
  cryptoSince: 'SELECT crypto_since AS ts FROM session WHERE id = 1',
  initCryptoSince: 'UPDATE session SET crypto_since = ? WHERE id = 1 AND crypto_since IS NULL',
} as const;

/** The one-row session table: who we are, our token, the sync token and the server's features. */
export class SessionStore {
  readonly #get;
  readonly #insert;
  readonly #setToken;
  readonly #softLogout;
  readonly #setFilter;
  readonly #setSyncToken;
  readonly #setServerInfo;
  readonly #setProfile;

  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
    this.#get = db.prepare<[], Row>(SQL.get);
    this.#insert = db.prepare(SQL.insert);
    this.#setToken = db.prepare(SQL.setToken);
    this.#softLogout = db.prepare(SQL.softLogout);
    this.#setFilter = db.prepare(SQL.setFilter);
    this.#setSyncToken = db.prepare(SQL.setSyncToken);
    this.#setServerInfo = db.prepare(SQL.setServerInfo);
    this.#setProfile = db.prepare(SQL.setProfile);
  }

  get(): Session | undefined {
    const r = this.#get.get();
    if (!r) return undefined;
    return {
      userId: r.user_id,
      deviceId: r.device_id,
      homeserver: r.homeserver,
      accessToken: r.access_token ?? undefined,
      softLoggedOut: r.soft_logged_out === 1,
      filterId: r.filter_id ?? undefined,
      syncToken: r.sync_token ?? undefined,
      versions: JSON.parse(r.versions) as string[],
      capabilities: JSON.parse(r.capabilities) as Record<string, unknown>,
      displayName: r.display_name ?? undefined,
      avatarUrl: r.avatar_url ?? undefined,
    };
  }

  /** Stores a fresh login (keeps the sync token and cache of an earlier login of this device). */
  create(s: { userId: string; deviceId: string; homeserver: string; accessToken: string }): void {
    this.#insert.run(s);
  }

  setAccessToken(token: string): void {
    this.#setToken.run(token);
  }

  /** The server expired our token but kept the device: keep everything else. */
  markSoftLoggedOut(): void {
    this.#softLogout.run();
  }

  setFilterId(id: string): void {
    this.#setFilter.run(id);
  }

  /** Only call inside the sync write transaction, with the rest of the response. */
  setSyncToken(token: string): void {
    this.#setSyncToken.run(token);
  }

  setServerInfo(versions: string[], capabilities: Record<string, unknown>): void {
    this.#setServerInfo.run(JSON.stringify(versions), JSON.stringify(capabilities));
  }

  setProfile(displayName: string | undefined, avatarUrl: string | undefined): void {
    this.#setProfile.run(displayName ?? null, avatarUrl ?? null);
  }

  /**
   * When this device's crypto first ran (ms), set to `now` the first time it is asked. A new
   * device (a sign-in with another device id) starts again.
   */
  cryptoSince(now: number): number {
    this.#db.prepare(SQL.initCryptoSince).run(now);
    const r = this.#db.prepare<[], { ts: number | null }>(SQL.cryptoSince).get();
    return r?.ts ?? now;
  }
}
