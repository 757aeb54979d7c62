import { MatrixError, invalidParam, notFound } from '../errors';
import { Collection, type Persistence } from '../store';
import type { JsonObject } from '../validate';

type VersionRow = {
  user_id: string;
  version: string;
  algorithm: string;
  auth_data: JsonObject;
  /** Bumped whenever the stored keys change. */
  etag: number;
  deleted: boolean;
};

/** KeyBackupData, already shape-checked. */
export type BackupKeyData = JsonObject & {
  first_message_index: number;
  forwarded_count: number;
  is_verified: boolean;
  session_data: JsonObject;
};

type KeyRow = {
  user_id: string;
  version: string;
  room_id: string;
  session_id: string;
  data: BackupKeyData;
};

/** One session key to store. */
export type BackupEntry = { roomId: string; sessionId: string; data: BackupKeyData };

/** room id → session id → key. */
type RoomMap = Map<string, Map<string, KeyRow>>;

/** Server-side key backups (versions per user, and the session keys in each). */
export class KeyBackup {
  readonly #versions: Collection<VersionRow>;
  readonly #keys: Collection<KeyRow>;
  /** `user|version` → room → session → key. */
  #index = new Map<string, RoomMap>();

  constructor(persist: Persistence, loaded: Map<string, Map<string, unknown>>) {
    this.#versions = new Collection('backup_version', persist, loaded.get('backup_version'));
    this.#keys = new Collection('backup_key', persist, loaded.get('backup_key'));
    for (const row of this.#keys.values()) this.#put(row);
  }

  create(userId: string, algorithm: string, authData: JsonObject): string {
    let max = 0;
    for (const v of this.#versions.values()) {
      if (v.user_id === userId) max = Math.max(max, Number(v.version));
    }
    const version = String(max + 1);
    this.#versions.set(`${userId}|${version}`, {
      user_id: userId,
      version,
      algorithm,
      auth_data: authData,
      etag: 0,
      deleted: false,
    });
    return version;
  }

  /** The newest backup that is not deleted. */
  latest(userId: string): VersionRow | undefined {
    let best: VersionRow | undefined;
    for (const v of this.#versions.values()) {
      if (v.user_id !== userId || v.deleted) continue;
      if (!best || Number(v.version) > Number(best.version)) best = v;
    }
    return best;
  }

  /** The backup `version` (the latest when empty); M_NOT_FOUND when there is none. */
  require(userId: string, version: string): VersionRow {
    const row = version ? this.#versions.get(`${userId}|${version}`) : this.latest(userId);
    if (!row || row.deleted) {
      throw notFound(version ? 'Unknown backup version' : 'No current backup version');
    }
    return row;
  }

  /** The backup to write to: it must be the current one (M_WRONG_ROOM_KEYS_VERSION if not). */
  requireCurrent(userId: string, version: string): VersionRow {
    const row = this.require(userId, version);
    const current = this.latest(userId)!;
    if (current.version !== row.version) {
      throw new MatrixError(403, 'M_WRONG_ROOM_KEYS_VERSION', 'Wrong backup version.', {
        current_version: current.version,
      });
    }
    return row;
  }

  info(row: VersionRow): JsonObject {
    return {
      algorithm: row.algorithm,
      auth_data: row.auth_data,
      count: this.count(row),
      etag: String(row.etag),
      version: row.version,
    };
  }

  update(userId: string, version: string, algorithm: string, authData: JsonObject): void {
    const row = this.require(userId, version);
    if (row.algorithm !== algorithm) throw invalidParam('Algorithm does not match');
    row.auth_data = authData;
    this.#versions.set(`${userId}|${row.version}`, row);
  }

  /** Deletes a backup and its keys; deleting a deleted backup again succeeds. */
  deleteVersion(userId: string, version: string): void {
    const row = version ? this.#versions.get(`${userId}|${version}`) : this.latest(userId);
    if (!row) throw notFound('Unknown backup version');
    if (row.deleted) return;
    for (const rooms of this.#index.get(`${userId}|${row.version}`)?.values() ?? []) {
      for (const k of rooms.values()) this.#keys.delete(rowKey(k));
    }
    this.#index.delete(`${userId}|${row.version}`);
    row.deleted = true;
    this.#versions.set(`${userId}|${row.version}`, row);
  }

  count(row: VersionRow): number {
    let n = 0;
    for (const s of this.#index.get(`${row.user_id}|${row.version}`)?.values() ?? []) n += s.size;
    return n;
  }

  /**
   * Stores keys, keeping an existing key when it is at least as good (spec: verified beats
   * unverified, then lower first_message_index, then lower forwarded_count).
   */
  put(row: VersionRow, entries: BackupEntry[]): { etag: string; count: number } {
    let changed = false;
    const rooms = this.#index.get(`${row.user_id}|${row.version}`);
    for (const e of entries) {
      const old = rooms?.get(e.roomId)?.get(e.sessionId);
      if (old && !better(e.data, old.data)) continue;
      const k: KeyRow = {
        user_id: row.user_id,
        version: row.version,
        room_id: e.roomId,
        session_id: e.sessionId,
        data: e.data,
      };
      this.#keys.set(rowKey(k), k);
      this.#put(k);
      changed = true;
    }
    if (changed) this.#bump(row);
    return { etag: String(row.etag), count: this.count(row) };
  }

  /** The stored keys, optionally of one room (and one session). */
  get(row: VersionRow, roomId?: string, sessionId?: string): KeyRow[] {
    const rooms = this.#index.get(`${row.user_id}|${row.version}`);
    if (!rooms) return [];
    const out: KeyRow[] = [];
    for (const [r, sessions] of rooms) {
      if (roomId !== undefined && r !== roomId) continue;
      for (const [s, k] of sessions) {
        if (sessionId === undefined || s === sessionId) out.push(k);
      }
    }
    return out;
  }

  delete(row: VersionRow, roomId?: string, sessionId?: string): { etag: string; count: number } {
    const gone = this.get(row, roomId, sessionId);
    const rooms = this.#index.get(`${row.user_id}|${row.version}`);
    for (const k of gone) {
      this.#keys.delete(rowKey(k));
      const sessions = rooms?.get(k.room_id);
      sessions?.delete(k.session_id);
      if (sessions && !sessions.size) rooms!.delete(k.room_id);
    }
    if (gone.length) this.#bump(row);
    return { etag: String(row.etag), count: this.count(row) };
  }

  #bump(row: VersionRow) {
    row.etag += 1;
    this.#versions.set(`${row.user_id}|${row.version}`, row);
  }

  #put(k: KeyRow) {
    const vk = `${k.user_id}|${k.version}`;
    let rooms = this.#index.get(vk);
    if (!rooms) this.#index.set(vk, (rooms = new Map()));
    let sessions = rooms.get(k.room_id);
    if (!sessions) rooms.set(k.room_id, (sessions = new Map()));
    sessions.set(k.session_id, k);
  }
}

function rowKey(k: KeyRow): string {
  return `${k.user_id}|${k.version}|${k.room_id}|${k.session_id}`;
}

/** Whether `n` should replace `o` (compared by is_verified, first_message_index, forwarded_count). */
function better(n: BackupKeyData, o: BackupKeyData): boolean {
  if (n.is_verified !== o.is_verified) return n.is_verified;
  if (n.first_message_index !== o.first_message_index) {
    return n.first_message_index < o.first_message_index;
  }
  return n.forwarded_count < o.forwarded_count;
}
