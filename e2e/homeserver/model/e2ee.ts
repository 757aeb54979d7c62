import { MatrixError } from '../errors';
import { Collection, type Persistence } from '../store';
import type { JsonObject } from '../validate';
import { CrossSigning } from './cross-signing';
import { KeyBackup } from './key-backup';
import { ToDeviceInbox } from './to-device';
import type { Notifier } from './notifier';
import { canonicalJson, mergeSignatures } from './signing';

/** Signatures: signer user id → key id → signature. */
export type Sigs = Record<string, Record<string, string>>;

/** A device's identity keys as uploaded, plus signatures added later by /keys/signatures/upload. */
export type DeviceKeysRow = {
  user_id: string;
  device_id: string;
  keys: JsonObject;
  extra_sigs: Sigs;
  pos: number;
};
/** An unclaimed one-time key; `seq` orders claims by upload. */
type OtkRow = { user_id: string; device_id: string; key_id: string; key: unknown; seq: number };
type FallbackRow = {
  user_id: string;
  device_id: string;
  algorithm: string;
  key_id: string;
  key: unknown;
  used: boolean;
};
/** A change to `user_id`'s devices or keys; with `for`, news to that user only. */
type KeyChangeRow = { user_id: string; pos: number; for?: string };

const dk = (userId: string, deviceId: string) => `${userId}|${deviceId}`;

/**
 * End-to-end encryption state: device keys, one-time and fallback keys, cross-signing keys,
 * to-device inboxes (`toDevice`), the device-list change stream and server-side key backups.
 */
export class E2ee {
  readonly #deviceKeys: Collection<DeviceKeysRow>;
  readonly #otks: Collection<OtkRow>;
  readonly #fallbacks: Collection<FallbackRow>;
  readonly #changes: Collection<KeyChangeRow>;
  readonly toDevice: ToDeviceInbox;
  readonly crossSigning: CrossSigning;
  readonly backup: KeyBackup;
  /** user → device → keys. */
  #keysByUser = new Map<string, Map<string, DeviceKeysRow>>();
  /** device → key id → one-time key. */
  #otkByDevice = new Map<string, Map<string, OtkRow>>();
  /** Device-list changes in stream order. */
  #changeLog: KeyChangeRow[] = [];
  #seq = 0;

  constructor(
    readonly persist: Persistence,
    loaded: Map<string, Map<string, unknown>>,
    readonly notifier: Notifier,
    now: () => number,
  ) {
    this.#deviceKeys = new Collection('device_keys', persist, loaded.get('device_keys'));
    this.#otks = new Collection('otk', persist, loaded.get('otk'));
    this.#fallbacks = new Collection('fallback_key', persist, loaded.get('fallback_key'));
    this.#changes = new Collection('key_change', persist, loaded.get('key_change'));
    this.toDevice = new ToDeviceInbox(persist, loaded, notifier, now);
    this.crossSigning = new CrossSigning(persist, loaded, this);
    this.backup = new KeyBackup(persist, loaded);
    for (const row of this.#deviceKeys.values()) this.#indexKeys(row);
    for (const row of this.#otks.values()) {
      this.#otkMap(row.user_id, row.device_id).set(row.key_id, row);
      this.#seq = Math.max(this.#seq, row.seq);
    }
    this.#changeLog = [...this.#changes.values()].sort((a, b) => a.pos - b.pos);
  }

  // ---- device keys ----

  deviceKeys(userId: string, deviceId: string): DeviceKeysRow | undefined {
    return this.#keysByUser.get(userId)?.get(deviceId);
  }

  deviceKeysOf(userId: string): DeviceKeysRow[] {
    return [...(this.#keysByUser.get(userId)?.values() ?? [])];
  }

  /** The device keys as /keys/query serves them (signatures merged, `unsigned` added). */
  published(row: DeviceKeysRow, displayName: string | undefined): JsonObject {
    const out: JsonObject = {
      ...row.keys,
      signatures: mergeSignatures(row.keys.signatures, row.extra_sigs),
    };
    out.unsigned = displayName === undefined ? {} : { device_display_name: displayName };
    return out;
  }

  /**
   * Stores what /keys/upload carries (already shape-checked) and returns the one-time key
   * counts. Nothing is stored when a one-time key id is re-used with a different key.
   */
  upload(
    userId: string,
    deviceId: string,
    deviceKeys: JsonObject | undefined,
    otks: [string, unknown][],
    fallbacks: [string, unknown][],
  ): Record<string, number> {
    const otkMap = this.#otkMap(userId, deviceId);
    for (const [keyId, key] of otks) {
      const old = otkMap.get(keyId);
      if (old && canonicalJson(old.key) !== canonicalJson(key)) {
        throw new MatrixError(400, 'M_INVALID_PARAM', `One time key ${keyId} already exists`);
      }
    }
    if (deviceKeys) {
      const old = this.deviceKeys(userId, deviceId);
      if (!old || canonicalJson(old.keys) !== canonicalJson(deviceKeys)) {
        const sameIdentity = old && canonicalJson(old.keys.keys) === canonicalJson(deviceKeys.keys);
        const row: DeviceKeysRow = {
          user_id: userId,
          device_id: deviceId,
          keys: deviceKeys,
          extra_sigs: sameIdentity ? old.extra_sigs : {},
          pos: this.notifier.next(),
        };
        this.#deviceKeys.set(dk(userId, deviceId), row);
        this.#indexKeys(row);
        this.#logChange(userId, row.pos);
      }
    }
    if (otks.length) {
      const seq = ++this.#seq;
      for (const [keyId, key] of otks) {
        if (otkMap.has(keyId)) continue;
        const row: OtkRow = { user_id: userId, device_id: deviceId, key_id: keyId, key, seq };
        otkMap.set(keyId, row);
        this.#otks.set(`${dk(userId, deviceId)}|${keyId}`, row);
      }
    }
    for (const [keyId, key] of fallbacks) {
      const algorithm = keyId.slice(0, keyId.indexOf(':'));
      const rowKey = `${dk(userId, deviceId)}|${algorithm}`;
      const old = this.#fallbacks.get(rowKey);
      const same = old?.key_id === keyId && canonicalJson(old.key) === canonicalJson(key);
      this.#fallbacks.set(rowKey, {
        user_id: userId,
        device_id: deviceId,
        algorithm,
        key_id: keyId,
        key,
        used: same ? old.used : false,
      });
    }
    return this.otkCounts(userId, deviceId);
  }

  /** Adds a signature (by `signer`'s key `keyId`) to a device's keys. */
  addDeviceSignature(userId: string, deviceId: string, keyId: string, sig: string): void {
    const row = this.deviceKeys(userId, deviceId);
    if (!row) return;
    row.extra_sigs[userId] = { ...(row.extra_sigs[userId] ?? {}), [keyId]: sig };
    this.#deviceKeys.set(dk(userId, deviceId), row);
  }

  // ---- one-time and fallback keys ----

  /** Unclaimed one-time keys per algorithm; `signed_curve25519` always present. */
  otkCounts(userId: string, deviceId: string): Record<string, number> {
    const counts: Record<string, number> = { signed_curve25519: 0 };
    for (const keyId of this.#otkByDevice.get(dk(userId, deviceId))?.keys() ?? []) {
      const alg = keyId.slice(0, keyId.indexOf(':'));
      counts[alg] = (counts[alg] ?? 0) + 1;
    }
    return counts;
  }

  /** Algorithms of the device's fallback keys not given out yet. */
  unusedFallback(userId: string, deviceId: string): string[] {
    const out: string[] = [];
    for (const f of this.#fallbacks.values()) {
      if (f.user_id === userId && f.device_id === deviceId && !f.used) out.push(f.algorithm);
    }
    return out;
  }

  /**
   * Claims the oldest one-time key of `algorithm`; else the fallback key (kept, marked used).
   * Returns `{[keyId]: key}` or undefined.
   */
  claim(userId: string, deviceId: string, algorithm: string): JsonObject | undefined {
    const map = this.#otkByDevice.get(dk(userId, deviceId));
    let best: OtkRow | undefined;
    for (const row of map?.values() ?? []) {
      if (!row.key_id.startsWith(algorithm + ':')) continue;
      if (!best || row.seq < best.seq) best = row;
    }
    if (best) {
      map!.delete(best.key_id);
      this.#otks.delete(`${dk(userId, deviceId)}|${best.key_id}`);
      return { [best.key_id]: best.key };
    }
    const rowKey = `${dk(userId, deviceId)}|${algorithm}`;
    const fb = this.#fallbacks.get(rowKey);
    if (!fb) return undefined;
    if (!fb.used) {
      fb.used = true;
      this.#fallbacks.set(rowKey, fb);
    }
    return { [fb.key_id]: fb.key };
  }

  // ---- sync ----

  /**
   * The end-to-end part of `/sync` for a device: its to-device messages after `acked` (see
   * `ToDeviceInbox.page`), its one-time key counts and unused fallback key algorithms.
   */
  syncSection(
    userId: string,
    deviceId: string,
    acked: number,
    upTo: number,
  ): {
    toDevice: JsonObject[];
    pageEnd?: number;
    otkCounts: Record<string, number>;
    unusedFallback: string[];
  } {
    const { events, pageEnd } = this.toDevice.page(userId, deviceId, acked, upTo);
    return {
      toDevice: events,
      pageEnd,
      otkCounts: this.otkCounts(userId, deviceId),
      unusedFallback: this.unusedFallback(userId, deviceId),
    };
  }

  // ---- device lists ----

  /** Records that `userId`'s devices or keys changed; returns the stream position taken. */
  deviceListChanged(userId: string): number {
    const pos = this.notifier.next();
    this.#logChange(userId, pos);
    return pos;
  }

  /**
   * Records that `signer` signed `userId`'s master key: only `signer` sees that signature, so
   * only `signer`'s devices need to fetch `userId`'s keys again.
   */
  signedByOther(userId: string, signer: string): void {
    this.#logChange(userId, this.notifier.next(), signer);
  }

  /**
   * Users whose device keys, device set or cross-signing keys changed in (since, upTo]:
   * `anyone` may be told; `viewerOnly` are changes only `viewer` sees.
   */
  keyChanges(
    since: number,
    upTo: number,
    viewer: string,
  ): { anyone: Set<string>; viewerOnly: Set<string> } {
    const log = this.#changeLog;
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (log[mid]!.pos <= since) lo = mid + 1;
      else hi = mid;
    }
    const anyone = new Set<string>();
    const viewerOnly = new Set<string>();
    for (let i = lo; i < log.length && log[i]!.pos <= upTo; i++) {
      const row = log[i]!;
      if (row.for === undefined) anyone.add(row.user_id);
      else if (row.for === viewer) viewerOnly.add(row.user_id);
    }
    return { anyone, viewerOnly };
  }

  /** A device was removed: drop its keys and inbox; its owner's device list changed. */
  deviceDeleted(userId: string, deviceId: string): void {
    this.persist.batch(() => {
      const key = dk(userId, deviceId);
      this.#deviceKeys.delete(key);
      this.#keysByUser.get(userId)?.delete(deviceId);
      for (const keyId of this.#otkByDevice.get(key)?.keys() ?? []) {
        this.#otks.delete(`${key}|${keyId}`);
      }
      this.#otkByDevice.delete(key);
      for (const [k, f] of [...this.#fallbacks.entries()]) {
        if (f.user_id === userId && f.device_id === deviceId) this.#fallbacks.delete(k);
      }
      this.toDevice.dropDevice(userId, deviceId);
      this.deviceListChanged(userId);
    });
  }

  #logChange(userId: string, pos: number, viewer?: string) {
    const row: KeyChangeRow = { user_id: userId, pos };
    if (viewer !== undefined) row.for = viewer;
    this.#changes.set(String(pos), row);
    this.#changeLog.push(row);
  }

  #indexKeys(row: DeviceKeysRow) {
    let m = this.#keysByUser.get(row.user_id);
    if (!m) this.#keysByUser.set(row.user_id, (m = new Map()));
    m.set(row.device_id, row);
  }

  #otkMap(userId: string, deviceId: string): Map<string, OtkRow> {
    let m = this.#otkByDevice.get(dk(userId, deviceId));
    if (!m) this.#otkByDevice.set(dk(userId, deviceId), (m = new Map()));
    return m;
  }
}
