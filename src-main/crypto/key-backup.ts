/**
 * Server-side key backup (`m.megolm_backup.v1.curve25519-aes-sha2`) on this machine: creating
 * a version with a new key, deciding at start whether the server's current version is one to
 * upload to, and uploading room keys in batches while it is.
 *
 * @packageDocumentation
 */
import type { BackupVersion } from '../net/crypto-api';
import { canonicalJson, signedPart } from '../protocol/canonical-json';
import { isObject, type JsonObject } from '../protocol/events';
import { wasmError } from './crypto-error';
import type { CryptoMachine } from './machine';
import { wasm } from './wasm';

/** The one backup algorithm the spec defines. */
export const BACKUP_ALGORITHM = 'm.megolm_backup.v1.curve25519-aes-sha2';

/**
 * Signs `authData` with this device's key and, when it is here, the master key (as js-sdk's
 * Rust crypto does), keeping signatures it already had.
 */
export async function signAuthData(m: CryptoMachine, authData: JsonObject): Promise<JsonObject> {
  const signatures = await m.olm.sign(canonicalJson(signedPart(authData)));
  const ours = (JSON.parse(signatures.asJSON()) as Record<string, JsonObject>)[m.userId] ?? {};
  signatures.free();
  const had = isObject(authData.signatures) ? authData.signatures : {};
  const mine = isObject(had[m.userId]) ? (had[m.userId] as JsonObject) : {};
  return { ...authData, signatures: { ...had, [m.userId]: { ...mine, ...ours } } };
}

/**
 * Creates a new backup version with a new random key, signed by this device and the master
 * key; saves the key and starts uploading to it. Returns the version and the private key
 * (base64, the `m.megolm_backup.v1` secret).
 */
export async function createBackup(m: CryptoMachine): Promise<{ version: string; key: string }> {
  const key = wasm.BackupDecryptionKey.createRandomKey();
  try {
    const publicKey = key.megolmV1PublicKey;
    const authData = await signAuthData(m, { public_key: publicKey.publicKeyBase64 });
    const version = await m.api.createBackupVersion(publicKey.algorithm, authData);
    await m.olm.saveBackupDecryptionKey(key, version);
    await m.olm.disableBackup(); // drops an upload to an older version left pending
    await m.olm.enableBackupV1(publicKey.publicKeyBase64, version);
    return { version, key: key.toBase64() };
  } finally {
    key.free();
  }
}

/** Whether `key` (base64 private key) is the key of backup `info`. */
export function keyMatches(key: string, info: BackupVersion): boolean {
  const k = wasm.BackupDecryptionKey.fromBase64(key);
  const pub = k.megolmV1PublicKey.publicKeyBase64;
  k.free();
  return info.algorithm === BACKUP_ALGORITHM && info.auth_data.public_key === pub;
}

/** How this device stands towards the server's current backup. */
export type BackupCheck =
  /** Uploading to `version` (we hold its key, or it is signed by a key we trust). */
  | { state: 'enabled'; version: string }
  /** The server has no backup. */
  | { state: 'none'; lost: boolean }
  /** The server's backup is not one we hold the key of or trust. */
  | { state: 'untrusted'; version: string; lost: boolean };

/**
 * Compares the server's current backup with the key this device holds: uploads go on (or
 * start) when we hold its key or `verifyBackup` trusts its signatures, and stop otherwise.
 * `lost`: we held the key of a backup that is no longer the server's current one.
 */
export async function checkBackup(
  m: CryptoMachine,
  info: BackupVersion | undefined,
): Promise<BackupCheck> {
  const held = await m.olm.getBackupKeys();
  const heldVersion = held.backupVersion;
  const heldKey = held.decryptionKey?.toBase64();
  held.free();
  const ours = info !== undefined && heldKey !== undefined && keyMatches(heldKey, info);
  const lost = heldVersion !== undefined && (!ours || info?.version !== heldVersion);
  if (!info) {
    if (await m.olm.isBackupEnabled()) await m.olm.disableBackup();
    return { state: 'none', lost };
  }
  if (ours || (await trusted(m, info))) {
    const pub = info.auth_data.public_key;
    if (typeof pub === 'string') {
      await m.olm.enableBackupV1(pub, info.version);
      return { state: 'enabled', version: info.version };
    }
  }
  if (await m.olm.isBackupEnabled()) await m.olm.disableBackup();
  return { state: 'untrusted', version: info.version, lost };
}

/** Whether the backup's signatures come from a key we trust (this or a verified device, us). */
async function trusted(m: CryptoMachine, info: BackupVersion): Promise<boolean> {
  if (info.algorithm !== BACKUP_ALGORITHM) return false;
  try {
    const v = await m.olm.verifyBackup({ algorithm: info.algorithm, auth_data: info.auth_data });
    const ok = v.trusted();
    v.free();
    return ok;
  } catch {
    return false; // malformed auth_data: not a backup to upload to
  }
}

/**
 * Uploads every room key not yet in the backup, batch by batch. Returns how many batches
 * went; a failed upload throws (the keys stay pending for the next round).
 */
export async function uploadRoomKeys(m: CryptoMachine): Promise<number> {
  let batches = 0;
  for (;;) {
    let request: wasm.KeysBackupRequest | undefined;
    try {
      request = await m.olm.backupRoomKeys();
    } catch (err) {
      throw wasmError(err, 'preparing room keys for the backup');
    }
    if (!request) return batches;
    try {
      await m.send(request);
    } finally {
      request.free();
    }
    batches++;
  }
}
