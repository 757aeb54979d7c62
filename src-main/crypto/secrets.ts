/**
 * Secret storage over account data (the spec's "Secrets" module): a key's description in
 * `m.secret_storage.key.[id]`, the default key in `m.secret_storage.default_key`, and each
 * secret as account data of its own name, `{encrypted: {[keyId]: {iv, ciphertext, mac}}}`.
 * The formats are `formats/secret-storage.ts`; this module reads and writes them and turns
 * what is wrong with them into {@link CryptoError}s.
 *
 * @packageDocumentation
 */
import type { JsonObject } from '../protocol/events';
import { CryptoError } from './crypto-error';
import {
  checkKey,
  decodeRecoveryKey,
  decryptSecret,
  deriveKeyFromPassphrase,
  encryptSecret,
  FormatError,
  makeKeyDescription,
  makePassphraseInfo,
  type SecretStorageKeyDescription,
} from './formats/index';

/** Global account data, as secret storage reads and writes it. */
export interface AccountDataAccess {
  /** The content of `type`, or undefined when unset. */
  get(type: string): Promise<JsonObject | undefined>;
  set(type: string, content: JsonObject): Promise<void>;
}

/** The names of the secrets this client stores and reads. */
export const SECRET = {
  master: 'm.cross_signing.master',
  selfSigning: 'm.cross_signing.self_signing',
  userSigning: 'm.cross_signing.user_signing',
  backup: 'm.megolm_backup.v1',
} as const;

const DEFAULT_KEY = 'm.secret_storage.default_key';
const keyType = (keyId: string) => `m.secret_storage.key.${keyId}`;

/** An unlocked secret storage key. */
export type SecretStorageKey = {
  keyId: string;
  key: Uint8Array;
  /** The key description had a key check, so the key is known to be the right one. */
  checked: boolean;
};

/** How the user unlocks secret storage. */
export type Unlock = { recoveryKey?: string; passphrase?: string };

/** A new random key (or one derived from `passphrase`) and its description. */
export async function newSecretStorageKey(
  passphrase?: string,
): Promise<{ key: SecretStorageKey; description: SecretStorageKeyDescription }> {
  const keyId = randomKeyId();
  if (passphrase === undefined) {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const description = await makeKeyDescription(key);
    return { key: { keyId, key, checked: true }, description };
  }
  if (passphrase === '') throw new Error('Choose a passphrase, or set up with a recovery key only');
  const info = makePassphraseInfo();
  const key = await deriveKeyFromPassphrase(passphrase, info);
  const description = await makeKeyDescription(key, { passphrase: info });
  return { key: { keyId, key, checked: true }, description };
}

/** Writes a key's description (before any secret is stored under it). */
export async function storeKeyDescription(
  ad: AccountDataAccess,
  keyId: string,
  description: SecretStorageKeyDescription,
): Promise<void> {
  await ad.set(keyType(keyId), { ...description });
}

/** Makes `keyId` the default key (after its secrets are stored). */
export async function setDefaultKey(ad: AccountDataAccess, keyId: string): Promise<void> {
  await ad.set(DEFAULT_KEY, { key: keyId });
}

/** Encrypts `value` under `k` and stores it as the secret `name` (only under that key). */
export async function storeSecret(
  ad: AccountDataAccess,
  name: string,
  value: string,
  k: SecretStorageKey,
): Promise<void> {
  const encrypted = await encryptSecret(value, k.key, name);
  await ad.set(name, { encrypted: { [k.keyId]: encrypted } });
}

/**
 * Unlocks the account's default secret storage key with a recovery key or a passphrase.
 * A key that does not match is a `wrong_recovery_key` {@link CryptoError}; a recovery key
 * that does not decode keeps its {@link FormatError} (`invalid_recovery_key`, saying why).
 */
export async function unlockSecretStorage(
  ad: AccountDataAccess,
  how: Unlock,
): Promise<SecretStorageKey> {
  const { keyId, description } = await defaultKey(ad);
  let key: Uint8Array;
  if (how.recoveryKey !== undefined) key = decodeRecoveryKey(how.recoveryKey);
  else if (how.passphrase !== undefined) {
    if (description.passphrase === undefined)
      throw new CryptoError(
        'wrong_recovery_key',
        "This account's secure backup has no passphrase: enter its recovery key",
      );
    key = await damaged(() => deriveKeyFromPassphrase(how.passphrase!, description.passphrase));
  } else throw new Error('Enter the recovery key or the passphrase');
  const matches = await damaged(() => checkKey(key, description));
  if (!matches) {
    const what = how.recoveryKey !== undefined ? 'recovery key' : 'passphrase';
    throw new CryptoError(
      'wrong_recovery_key',
      `That ${what} does not match this account's secure backup`,
    );
  }
  return { keyId, key, checked: description.mac !== undefined };
}

/**
 * The secret `name` decrypted with `k`, or undefined when it is not stored under that key.
 * Malformed or tampered content is a `bad_secure_backup` {@link CryptoError} (a
 * `wrong_recovery_key` one when the key description had no check to trust the key by).
 */
export async function readSecret(
  ad: AccountDataAccess,
  name: string,
  k: SecretStorageKey,
): Promise<string | undefined> {
  const content = await ad.get(name);
  const encrypted = (content?.encrypted as JsonObject | undefined)?.[k.keyId];
  if (encrypted === undefined) return undefined;
  try {
    return await decryptSecret(encrypted, k.key, name);
  } catch (err) {
    if (err instanceof FormatError && err.code === 'bad_mac' && !k.checked)
      throw new CryptoError(
        'wrong_recovery_key',
        "That recovery key does not match this account's secure backup",
      );
    if (err instanceof FormatError)
      throw new CryptoError('bad_secure_backup', `The stored secret ${name} is damaged`, {
        cause: err,
      });
    throw err;
  }
}

/** The default key's id and description; a clear error when there is none or it is bad. */
async function defaultKey(
  ad: AccountDataAccess,
): Promise<{ keyId: string; description: SecretStorageKeyDescription }> {
  const id = (await ad.get(DEFAULT_KEY))?.key;
  if (id === undefined)
    throw new CryptoError('no_secure_backup', 'This account has no secure backup to restore from');
  if (typeof id !== 'string' || id === '')
    throw new CryptoError('bad_secure_backup', "This account's secure backup settings are damaged");
  const description = await ad.get(keyType(id));
  if (description === undefined)
    throw new CryptoError('bad_secure_backup', "This account's secure backup key is missing");
  return { keyId: id, description: description as SecretStorageKeyDescription };
}

/** Runs a format step over server data; its FormatErrors become `bad_secure_backup`. */
async function damaged<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof FormatError)) throw err;
    throw new CryptoError(
      'bad_secure_backup',
      `This account's secure backup key is damaged: ${err.message}`,
      { cause: err },
    );
  }
}

/** 32 hex characters. */
function randomKeyId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
