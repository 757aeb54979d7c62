/**
 * The recovery key: the spec's "cryptographic key representation" (appendices), used to show
 * the secret storage key (and a backup decryption key) to the user.
 *
 * Encoding: the bytes `0x8B 0x01`, the 32-byte key, then a parity byte (the XOR of all the
 * bytes before it); that array in Bitcoin's base58; a space after every fourth character.
 * Decoding disregards whitespace and reverses the steps, with an error that says which check
 * failed: a character outside the alphabet (`0`, `O`, `I` and `l` are not in it), a length
 * that is not a recovery key's, a wrong prefix (not a recovery key), or a wrong parity byte
 * (a character was mistyped).
 *
 * @packageDocumentation
 */

import { FormatError } from './errors';

/** The alphabet of Bitcoin addresses: no 0, O, I or l. */
const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

const PREFIX = [0x8b, 0x01] as const;

/** The length of the keys the spec shows this way (secret storage and backup keys). */
export const RECOVERY_KEY_BYTES = 32;

/** Prefix, key, parity. */
const ENCODED_BYTES = PREFIX.length + RECOVERY_KEY_BYTES + 1;

/**
 * The length of every recovery key in base58: with the prefix fixed, the 35 bytes always
 * take 48 characters (0x8B01 followed by 33 bytes lies between 58^47 and 58^48).
 */
const ENCODED_CHARS = 48;

/**
 * The longest text {@link decodeRecoveryKey} reads, whitespace removed: a key is 48
 * characters; this leaves room for mistakes without letting a pasted book cost quadratic time.
 */
const MAX_DECODE_CHARS = 200;

/** A 32-byte key as a recovery key: 48 base58 characters in groups of four. */
export function encodeRecoveryKey(key: Uint8Array): string {
  if (!(key instanceof Uint8Array) || key.length !== RECOVERY_KEY_BYTES) {
    throw new FormatError(
      'invalid_argument',
      `A recovery key encodes a ${RECOVERY_KEY_BYTES}-byte key, not ${describeLength(key)}`,
    );
  }
  const bytes = new Uint8Array(ENCODED_BYTES);
  bytes.set(PREFIX, 0);
  bytes.set(key, PREFIX.length);
  bytes[ENCODED_BYTES - 1] = xorAll(bytes.subarray(0, ENCODED_BYTES - 1));
  return encodeBase58(bytes).replace(/(.{4})(?!$)/g, '$1 ');
}

/** The 32-byte key a recovery key stands for, whatever whitespace it has. */
export function decodeRecoveryKey(text: string): Uint8Array {
  if (typeof text !== 'string') {
    throw invalid(`expected a string, got ${text === null ? 'null' : typeof text}`);
  }
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0) throw invalid('it is empty');
  if (compact.length > MAX_DECODE_CHARS) {
    throw invalid(`it has ${compact.length} characters; a recovery key has ${ENCODED_CHARS}`);
  }
  const bytes = decodeBase58(compact);
  if (compact.length !== ENCODED_CHARS) {
    throw invalid(
      `it has ${compact.length} characters instead of ${ENCODED_CHARS} (is a character missing or extra?)`,
    );
  }
  if (bytes.length !== ENCODED_BYTES) {
    throw invalid(`it decodes to ${bytes.length} bytes instead of ${ENCODED_BYTES}`);
  }
  if (bytes[0] !== PREFIX[0] || bytes[1] !== PREFIX[1]) {
    throw invalid(
      'it does not start with the recovery key prefix (is it a different kind of key?)',
    );
  }
  if (xorAll(bytes) !== 0) {
    throw invalid('its parity check fails (a character was probably mistyped)');
  }
  return bytes.slice(PREFIX.length, PREFIX.length + RECOVERY_KEY_BYTES);
}

/** Bytes in base58 (Bitcoin alphabet); each leading zero byte becomes a `1`. */
export function encodeBase58(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const digits: number[] = []; // base 58, least significant first
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j]! * 256;
      digits[j] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    for (; carry > 0; carry = Math.floor(carry / 58)) digits.push(carry % 58);
  }
  let text = '1'.repeat(zeros);
  for (let i = digits.length - 1; i >= 0; i--) text += BASE58_ALPHABET[digits[i]!];
  return text;
}

/** Base58 text (Bitcoin alphabet) as bytes; each leading `1` becomes a zero byte. */
export function decodeBase58(text: string): Uint8Array {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  const bytes: number[] = []; // base 256, least significant first
  for (let i = zeros; i < text.length; i++) {
    let carry = BASE58_ALPHABET.indexOf(text[i]!);
    if (carry < 0) {
      throw invalid(
        `character ${JSON.stringify(text[i])} at position ${i} is not in the base58 alphabet`,
      );
    }
    for (let j = 0; j < bytes.length; j++) {
      carry += bytes[j]! * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    for (; carry > 0; carry >>= 8) bytes.push(carry & 0xff);
  }
  const result = new Uint8Array(zeros + bytes.length);
  for (let i = 0; i < bytes.length; i++) result[result.length - 1 - i] = bytes[i]!;
  return result;
}

function xorAll(bytes: Uint8Array): number {
  let parity = 0;
  for (const b of bytes) parity ^= b;
  return parity;
}

function describeLength(key: unknown): string {
  return key instanceof Uint8Array ? `${key.length} bytes` : String(typeof key);
}

function invalid(reason: string): FormatError {
  return new FormatError('invalid_recovery_key', `Invalid recovery key: ${reason}`);
}
