/**
 * The key formats of end-to-end encryption, as pure functions over bytes and strings (the
 * spec's appendices and its "Secrets" and "Key exports" sections). No I/O; WebCrypto only.
 * Every function throws (or rejects with) a {@link FormatError} on bad input.
 *
 * @packageDocumentation
 */

export { FormatError, type FormatErrorCode } from './errors';
export {
  decodeBase64,
  decodeBase64Url,
  encodePaddedBase64,
  encodeUnpaddedBase64,
  encodeUnpaddedBase64Url,
} from './base64';
export { decodeRecoveryKey, encodeRecoveryKey, RECOVERY_KEY_BYTES } from './recovery-key';
export {
  calculateKeyCheck,
  checkKey,
  decryptSecret,
  DEFAULT_PASSPHRASE_BITS,
  DEFAULT_PASSPHRASE_ITERATIONS,
  deriveKeyFromPassphrase,
  deriveSecretKeys,
  encryptSecret,
  makeKeyDescription,
  makePassphraseInfo,
  MAX_PASSPHRASE_BITS,
  PASSPHRASE_ALGORITHM,
  SECRET_STORAGE_ALGORITHM,
  type EncryptedSecret,
  type PassphraseInfo,
  type SecretKeys,
  type SecretStorageKeyDescription,
} from './secret-storage';
export {
  decryptKeyExport,
  DEFAULT_KEY_EXPORT_ROUNDS,
  encryptKeyExport,
  KEY_EXPORT_HEADER,
  KEY_EXPORT_TRAILER,
} from './key-export';
