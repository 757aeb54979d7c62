/**
 * The error of the backup and cross-signing flows: a `code` the IPC boundary passes on, a
 * message for people. The wasm throws plain objects and strings; {@link wasmError} turns
 * those into errors that say what was being done.
 *
 * @packageDocumentation
 */

/** Why a backup or cross-signing step failed, for callers and the renderer to branch on. */
export type CryptoErrorCode =
  /** The recovery key or passphrase does not unlock this account's secret storage. */
  | 'wrong_recovery_key'
  /** The account has no secure backup (secret storage) to restore from. */
  | 'no_secure_backup'
  /** What the server holds for secret storage or the backup is malformed or inconsistent. */
  | 'bad_secure_backup'
  /** This session lacks the private cross-signing keys (restore or verify it first). */
  | 'cross_signing_missing'
  /** The server wants the password to change the cross-signing keys. */
  | 'password_needed'
  /** The crypto machine refused an operation. */
  | 'crypto_failed';

/** An error of the backup and cross-signing flows (see {@link CryptoErrorCode}). */
export class CryptoError extends Error {
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CryptoError';
    this.code = code;
  }
}

/** A value the wasm threw, as an Error saying what failed (`what`: "importing the keys"). */
export function wasmError(err: unknown, what: string): Error {
  if (err instanceof Error) return err;
  const text =
    typeof err === 'string' ? err : ((err as { message?: unknown } | null)?.message ?? String(err));
  return new CryptoError('crypto_failed', `Failed ${what}: ${String(text)}`, { cause: err });
}
