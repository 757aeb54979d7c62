import type { Db } from './db';

/** The account's session as stored. */
export type Session = {
  userId: string;
  deviceId: string;
  homeserver: string;
  /**
   * The server ended the session but kept the device: waits for the password. (The access
   * token itself is in the secret store, `storage/secret-store.ts`, not here.)
   */
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
           VALUES (1, @userId, @deviceId, @homeserver, NULL)
           ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, device_id = excluded.device_id,
             homeserver = excluded.homeserver, access_token = NULL, soft_logged_out = 0,
             crypto_since = CASE WHEN device_id = excluded.device_id THEN crypto_since END`,
  legacyToken: 'SELECT access_token FROM session WHERE id = 1',
  clearLegacyToken: 'UPDATE session SET access_token = NULL WHERE id = 1 AND access_token = ?',
  softLogout: 'UPDATE session SET access_token = NULL, soft_logged_out = 1 WHERE id = 1',
  setFilter: 'UPDATE session SET filter_id = ? WHERE id = 1',
  setSyncToken: 'UPDATE session SET sync_token = ? WHERE id = 1',
  setServerInfo: 'UPDATE session SET versions = ?, capabilities = ? WHERE id = 1',
  setProfile: 'UPDATE session SET display_name = ?, avatar_url = ? WHERE id = 1',
  cryptoSince: 'SELECT crypto_since AS ts FROM session WHERE id = 1',
  initCryptoSince: 'UPDATE session SET crypto_since = ? WHERE id = 1 AND crypto_since IS NULL',
} as const;

/**
 * The one-row session table: who we are, the sync token and the server's features. Its
 * `access_token` column is only read, to move the token of a database written by an older
 * version into the secret store.
 */
export class SessionStore {
  readonly #db: Db;
  readonly #get;
  readonly #insert;
  readonly #legacyToken;
  readonly #clearLegacyToken;
  readonly #softLogout;
  readonly #setFilter;
  readonly #setSyncToken;
  readonly #setServerInfo;
  readonly #setProfile;

  constructor(db: Db) {
    this.#db = db;
    this.#get = db.prepare<[], Row>(SQL.get);
    this.#insert = db.prepare(SQL.insert);
    this.#legacyToken = db.prepare<[], { access_token: string | null }>(SQL.legacyToken);
    this.#clearLegacyToken = db.prepare(SQL.clearLegacyToken);
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
      softLoggedOut: r.soft_logged_out === 1,
      filterId: r.filter_id ?? undefined,
      syncToken: r.sync_token ?? undefined,
      versions: JSON.parse(r.versions) as string[],
      capabilities: JSON.parse(r.capabilities) as Record<string, unknown>,
      displayName: r.display_name ?? undefined,
      avatarUrl: r.avatar_url ?? undefined,
    };
  }

  /**
   * Stores a fresh login, its token already in the secret store (keeps the sync token and cache
   * of an earlier login of this device).
   */
  create(s: { userId: string; deviceId: string; homeserver: string }): void {
    this.#insert.run({ userId: s.userId, deviceId: s.deviceId, homeserver: s.homeserver });
  }

  /** The access token an older version of the app kept in this database, if it is still here. */
  legacyAccessToken(): string | undefined {
    return this.#legacyToken.get()?.access_token ?? undefined;
  }

  /**
   * Clears the old token column once its token is safe in the secret store (unless it changed
   * meanwhile), and wipes its bytes from the files: the freed space is zeroed (`secure_delete`)
   * and the WAL, which holds older copies of the row, is checkpointed and truncated (best
   * effort: a checkpoint that cannot finish now leaves them until a later one). Not inside a
   * transaction.
   */
  clearLegacyAccessToken(token: string): void {
    const secureDelete = this.#db.pragma('secure_delete', { simple: true }) as number;
    this.#db.pragma('secure_delete = ON');
    try {
      this.#clearLegacyToken.run(token);
    } finally {
      this.#db.pragma(`secure_delete = ${secureDelete}`);
    }
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
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
