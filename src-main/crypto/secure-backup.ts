/**
 * Secure backup as one flow each way. Setting up: a new secret storage key (its recovery key
 * shown once), a new key backup, and the secrets (the three private cross-signing keys and the
 * backup key) stored encrypted in account data. Restoring on another device: the key checked
 * first (a wrong one changes nothing), the secrets decrypted, the cross-signing keys imported
 * and this device signed with them, the backup key saved and every room key restored.
 *
 * @packageDocumentation
 */
import { CryptoError, wasmError } from './crypto-error';
import {
  bootstrapCrossSigning,
  crossSignOwnDevice,
  ownCrossSigning,
  refreshOwnKeys,
} from './cross-signing';
import { encodeRecoveryKey } from './formats/index';
import { checkBackup, createBackup, keyMatches } from './key-backup';
import { backupKey as decryptionKey, restoreRoomKeys } from './backup-restore';
import type { CryptoMachine } from './machine';
import {
  newSecretStorageKey,
  readSecret,
  SECRET,
  setDefaultKey,
  storeKeyDescription,
  storeSecret,
  unlockSecretStorage,
  type AccountDataAccess,
  type Unlock,
} from './secrets';

/**
 * Sets up secret storage and a new key backup (see the module comment); returns the recovery
 * key. Cross-signing is created first when the account has none (without a password: a server
 * that wants one makes this a `password_needed` error); an account whose cross-signing keys
 * are elsewhere is a `cross_signing_missing` error.
 */
export async function setupSecureBackup(
  m: CryptoMachine,
  ad: AccountDataAccess,
  passphrase?: string,
): Promise<{ recoveryKey: string; version: string }> {
  const cs = await ownCrossSigning(m);
  if (!cs.onServer) await bootstrapCrossSigning(m);
  else if (!cs.privateKeysHere)
    throw new CryptoError(
      'cross_signing_missing',
      'This session cannot set up secure backup yet: verify it from another of your sessions, ' +
        'or restore it with your recovery key',
    );
  const exported = await m.olm.exportCrossSigningKeys();
  const master = exported?.masterKey;
  const selfSigning = exported?.self_signing_key;
  const userSigning = exported?.userSigningKey;
  exported?.free();
  if (!master || !selfSigning || !userSigning)
    throw new CryptoError('cross_signing_missing', 'The cross-signing keys are not all here');
  const { key, description } = await newSecretStorageKey(passphrase);
  const backup = await createBackup(m);
  await storeKeyDescription(ad, key.keyId, description);
  await storeSecret(ad, SECRET.master, master, key);
  await storeSecret(ad, SECRET.selfSigning, selfSigning, key);
  await storeSecret(ad, SECRET.userSigning, userSigning, key);
  await storeSecret(ad, SECRET.backup, backup.key, key);
  await setDefaultKey(ad, key.keyId);
  return { recoveryKey: encodeRecoveryKey(key.key), version: backup.version };
}

/** What a restore did. */
export type SecureRestoreResult = {
  /** Room keys new to this device, and in the backup. */
  imported: number;
  total: number;
  /** This device is now signed by the account's cross-signing keys. */
  crossSigned: boolean;
  /** Why no room keys were restored, when the backup could not be used. */
  backupProblem?: string;
  /** The backup version room keys now go to. */
  version?: string;
};

/** Restores this device from secure backup (see the module comment). */
export async function restoreSecureBackup(
  m: CryptoMachine,
  ad: AccountDataAccess,
  how: Unlock,
  log: (msg: string) => void,
): Promise<SecureRestoreResult> {
  const key = await unlockSecretStorage(ad, how);
  const master = await readSecret(ad, SECRET.master, key);
  const selfSigning = await readSecret(ad, SECRET.selfSigning, key);
  const userSigning = await readSecret(ad, SECRET.userSigning, key);
  const backupKey = await readSecret(ad, SECRET.backup, key);
  const info = await m.api.backupVersion();
  const usable = backupKey !== undefined && info !== undefined && matches(backupKey, info);
  const out: SecureRestoreResult = { imported: 0, total: 0, crossSigned: false };
  if (master !== undefined) {
    await importCrossSigning(m, master, selfSigning, userSigning);
    await crossSignOwnDevice(m);
    out.crossSigned = true;
  }
  if (!usable) {
    out.backupProblem =
      backupKey === undefined
        ? 'Secure backup holds no key backup key'
        : info === undefined
          ? 'The server has no key backup to restore from'
          : 'The key backup on the server is not the one secure backup holds the key of';
    return out;
  }
  const k = decryptionKey(backupKey);
  try {
    await m.olm.saveBackupDecryptionKey(k, info.version);
  } finally {
    k.free();
  }
  await m.olm.disableBackup(); // drops a pending upload to an older version
  const check = await checkBackup(m, info);
  const r = await restoreRoomKeys(m, backupKey, info.version, log);
  const version = check.state === 'enabled' ? check.version : undefined;
  return { ...out, imported: r.imported, total: r.total, ...(version ? { version } : {}) };
}

function matches(backupKey: string, info: Parameters<typeof keyMatches>[1]): boolean {
  try {
    return keyMatches(backupKey, info);
  } catch {
    throw new CryptoError('bad_secure_backup', 'The key backup key in secure backup is damaged');
  }
}

/** Imports the private cross-signing keys; they must be the account's current ones. */
async function importCrossSigning(
  m: CryptoMachine,
  master: string,
  selfSigning: string | undefined,
  userSigning: string | undefined,
): Promise<void> {
  await refreshOwnKeys(m); // the machine checks the keys against our identity it knows
  let ok: boolean;
  try {
    const status = await m.olm.importCrossSigningKeys(master, selfSigning, userSigning);
    ok = status.hasMaster && status.hasSelfSigning;
    status.free();
  } catch (err) {
    throw new CryptoError(
      'bad_secure_backup',
      "The cross-signing keys in secure backup are not this account's current ones",
      { cause: wasmError(err, 'importing the cross-signing keys') },
    );
  }
  if (!ok)
    throw new CryptoError(
      'bad_secure_backup',
      "The cross-signing keys in secure backup do not match this account's identity",
    );
}
