/**
 * What people type or pick for key backup and key files, checked before it goes to the core.
 * Pure functions.
 */

/** Base58 without 0, O, I and l, as the spec's recovery keys are written. */
const RECOVERY_KEY = /^E[1-9A-HJ-NP-Za-km-z]{47}$/;

/**
 * What "Recovery key" restores with: a recovery key (48 base58 characters starting with `E`,
 * spaces allowed, as it is shown), else the passphrase it was made from, exactly as typed.
 * `undefined` when nothing was entered.
 */
export function restoreRequest(
  text: string,
): { recoveryKey: string } | { passphrase: string } | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!compact) return undefined;
  if (RECOVERY_KEY.test(compact)) return { recoveryKey: compact };
  return { passphrase: text };
}

const KEY_FILE_BEGIN = '-----BEGIN MEGOLM SESSION DATA-----';
const KEY_FILE_END = '-----END MEGOLM SESSION DATA-----';

/** Larger than any room key export we expect; a bigger file is surely not one. */
export const MAX_KEY_FILE_BYTES = 64 * 1024 * 1024;

/** What is wrong with a file meant to hold exported room keys, or `undefined` if it looks right. */
export function keyFileProblem(text: string): string | undefined {
  const body = text.trim();
  if (!body) return 'The file is empty.';
  if (!body.startsWith(KEY_FILE_BEGIN) || !body.endsWith(KEY_FILE_END)) {
    return 'This is not a room key file (it should start with “-----BEGIN MEGOLM SESSION DATA-----”).';
  }
  return undefined;
}

/** The name offered for an export's download. */
export const KEY_FILE_NAME = 'lightmatrix-keys.txt';
