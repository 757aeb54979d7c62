/**
 * The one error type of the key formats: a `code` to branch on, a message to show or log.
 * Messages never quote a key, a passphrase or a secret.
 *
 * @packageDocumentation
 */

/** What went wrong, for callers that react differently (say, "wrong passphrase" vs "bad file"). */
export type FormatErrorCode =
  /** Text that should be base64 is not (alphabet, length or padding). */
  | 'invalid_base64'
  /** A recovery key that does not decode (alphabet, length, prefix or parity). */
  | 'invalid_recovery_key'
  /** An encrypted secret (`{iv, ciphertext, mac}`) that is malformed. */
  | 'invalid_encrypted_secret'
  /** A secret storage key description (`m.secret_storage.key.*`) that is malformed. */
  | 'invalid_key_description'
  /** A passphrase description (`m.pbkdf2`) that is malformed or unsupported. */
  | 'invalid_passphrase_info'
  /** A key export file that is malformed (armour, base64, length, version). */
  | 'invalid_key_export'
  /** The MAC does not match: the wrong key or passphrase, or data that was changed. */
  | 'bad_mac'
  /** An argument from our own code that breaks the function's contract (a key of 31 bytes). */
  | 'invalid_argument';

/** Thrown by every function of `crypto/formats/` on bad input. */
export class FormatError extends Error {
  readonly code: FormatErrorCode;

  constructor(code: FormatErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FormatError';
    this.code = code;
  }
}
