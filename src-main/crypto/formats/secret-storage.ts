/**
 * Secret storage (the spec's "Secrets" module) with the one algorithm it defines,
 * `m.secret_storage.v1.aes-hmac-sha2`, and its one passphrase algorithm, `m.pbkdf2`.
 *
 * - A secret named N is encrypted under the secret storage key K with keys derived by
 *   HKDF-SHA-256(K, salt = 32 zero bytes, info = N) → 64 bytes: AES-CTR-256 key, then
 *   HMAC-SHA-256 key. A random IV with bit 63 clear; the MAC covers the ciphertext only.
 *   Written as `{iv, ciphertext, mac}` in unpadded base64; read padded or not.
 * - The key description (`m.secret_storage.key.[id]`) may carry `iv` and `mac`: 32 zero bytes
 *   encrypted as the secret with the empty name. They tell whether a key the user entered
 *   is right; without them a key must be taken as right.
 * - A passphrase becomes a key through PBKDF2-HMAC-SHA-512 with the description's salt
 *   (its UTF-8 bytes, as the string it is), iterations and bits (256 unless given).
 *
 * Only the ciphertext is authenticated, as the spec has it: an `iv` changed in transit goes
 * unnoticed by the MAC and decrypts to other bytes (most often not UTF-8, which is an error
 * here; otherwise a wrong secret).
 *
 * @packageDocumentation
 */

import { decodeBase64, encodeUnpaddedBase64 } from './base64';
import { FormatError, type FormatErrorCode } from './errors';
import {
  aesCtr256,
  constantTimeEqual,
  fromUtf8,
  hkdfSha256,
  hmacSha256,
  MAX_PBKDF2_ITERATIONS,
  pbkdf2Sha512,
  randomBytes,
  randomIv,
  utf8,
} from './primitives';

export const SECRET_STORAGE_ALGORITHM = 'm.secret_storage.v1.aes-hmac-sha2';
export const PASSPHRASE_ALGORITHM = 'm.pbkdf2';
/** What matrix-js-sdk (and so Element Web) uses for a new passphrase. */
export const DEFAULT_PASSPHRASE_ITERATIONS = 500_000;
/** The spec's default for `bits`. */
export const DEFAULT_PASSPHRASE_BITS = 256;
/** The most bits a passphrase description may ask for (the spec sets no bound). */
export const MAX_PASSPHRASE_BITS = 4096;

/** One secret encrypted with one key (`AesHmacSha2EncryptedData`), base64 fields. */
export type EncryptedSecret = { iv: string; ciphertext: string; mac: string };

/** How a key is derived from a passphrase (the description's `passphrase`). */
export type PassphraseInfo = {
  algorithm: typeof PASSPHRASE_ALGORITHM;
  salt: string;
  iterations: number;
  bits?: number;
};

/** The content of `m.secret_storage.key.[key ID]` for this algorithm. */
export type SecretStorageKeyDescription = {
  algorithm: typeof SECRET_STORAGE_ALGORITHM;
  name?: string;
  passphrase?: PassphraseInfo;
  iv?: string;
  mac?: string;
};

/** The two keys HKDF gives for one secret name. */
export type SecretKeys = { aesKey: Uint8Array; macKey: Uint8Array };

const HKDF_SALT = new Uint8Array(32);
const KEY_CHECK_PLAINTEXT = new Uint8Array(32);
const SALT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SALT_LENGTH = 32;

/** The AES and HMAC keys for the secret `name` under the secret storage key `key`. */
export async function deriveSecretKeys(key: Uint8Array, name: string): Promise<SecretKeys> {
  requireKey(key);
  if (typeof name !== 'string') throw argument('The secret name must be a string');
  const bits = await hkdfSha256(key, HKDF_SALT, utf8(name), 512);
  return { aesKey: bits.slice(0, 32), macKey: bits.slice(32) };
}

/**
 * Encrypts the secret `name` (a string, as all secrets are) under `key`. `iv` is for tests
 * and key checks; by default it is random with bit 63 clear.
 */
export async function encryptSecret(
  secret: string,
  key: Uint8Array,
  name: string,
  options: { iv?: Uint8Array } = {},
): Promise<EncryptedSecret> {
  if (typeof secret !== 'string') throw argument('A secret must be a string');
  return encryptBytes(utf8(secret), key, name, options.iv);
}

/**
 * Decrypts one encrypted secret (as read from account data: anything) after checking its MAC.
 * A {@link FormatError}: `invalid_encrypted_secret` if malformed, `bad_mac` for the wrong key
 * or name, or a changed ciphertext.
 */
export async function decryptSecret(
  encrypted: unknown,
  key: Uint8Array,
  name: string,
): Promise<string> {
  const what = `Encrypted secret ${JSON.stringify(name)}`;
  const fields = readFields(
    encrypted,
    ['iv', 'ciphertext', 'mac'],
    'invalid_encrypted_secret',
    what,
  );
  const iv = readBytes(fields.iv, 16, 'invalid_encrypted_secret', `${what}: 'iv'`);
  const ciphertext = readBytes(
    fields.ciphertext,
    null,
    'invalid_encrypted_secret',
    `${what}: 'ciphertext'`,
  );
  const mac = readBytes(fields.mac, 32, 'invalid_encrypted_secret', `${what}: 'mac'`);
  const { aesKey, macKey } = await deriveSecretKeys(key, name);
  if (!constantTimeEqual(await hmacSha256(macKey, ciphertext), mac)) {
    throw new FormatError(
      'bad_mac',
      `Cannot decrypt secret ${JSON.stringify(name)}: bad MAC (the wrong key, or the data was changed)`,
    );
  }
  return fromUtf8(await aesCtr256(aesKey, iv, ciphertext), 'invalid_encrypted_secret', what);
}

/** The key check `{iv, mac}` of a key description: 32 zero bytes encrypted with name "". */
export async function calculateKeyCheck(
  key: Uint8Array,
  iv?: Uint8Array,
): Promise<{ iv: string; mac: string }> {
  const { iv: ivText, mac } = await encryptBytes(KEY_CHECK_PLAINTEXT, key, '', iv);
  return { iv: ivText, mac };
}

/** A new key's description, with its key check (and the passphrase info it came from). */
export async function makeKeyDescription(
  key: Uint8Array,
  options: { name?: string; passphrase?: PassphraseInfo } = {},
): Promise<SecretStorageKeyDescription> {
  const description: SecretStorageKeyDescription = { algorithm: SECRET_STORAGE_ALGORITHM };
  if (options.name !== undefined) description.name = options.name;
  if (options.passphrase !== undefined) description.passphrase = options.passphrase;
  return { ...description, ...(await calculateKeyCheck(key)) };
}

/**
 * Whether `key` is the key a description (as read from account data: anything) describes:
 * its key check matches, or it has none (then the spec says to assume so). A malformed
 * description or another algorithm is a {@link FormatError}, not `false`.
 */
export async function checkKey(key: Uint8Array, description: unknown): Promise<boolean> {
  const what = 'Secret storage key description';
  const fields = readFields(description, ['algorithm'], 'invalid_key_description', what);
  if (fields.algorithm !== SECRET_STORAGE_ALGORITHM) {
    throw new FormatError(
      'invalid_key_description',
      `${what}: unsupported algorithm ${JSON.stringify(fields.algorithm)}`,
    );
  }
  if (fields.mac === undefined) return true;
  const iv = readBytes(fields.iv, 16, 'invalid_key_description', `${what}: 'iv'`);
  const mac = readBytes(fields.mac, 32, 'invalid_key_description', `${what}: 'mac'`);
  const check = await calculateKeyCheck(key, iv);
  return constantTimeEqual(decodeBase64(check.mac), mac);
}

/** Passphrase info for a new key: a random salt of 32 letters and digits. */
export function makePassphraseInfo(
  options: { iterations?: number; bits?: number } = {},
): PassphraseInfo {
  const info: PassphraseInfo = {
    algorithm: PASSPHRASE_ALGORITHM,
    salt: randomSalt(),
    iterations: options.iterations ?? DEFAULT_PASSPHRASE_ITERATIONS,
    bits: options.bits ?? DEFAULT_PASSPHRASE_BITS,
  };
  readPassphraseInfo(info, 'invalid_argument');
  return info;
}

/**
 * The key a passphrase gives under `info` (a description's `passphrase`, as read: anything).
 * PBKDF2 runs on Node's thread pool, off the event loop.
 */
export async function deriveKeyFromPassphrase(
  passphrase: string,
  info: unknown,
): Promise<Uint8Array> {
  if (typeof passphrase !== 'string') throw argument('A passphrase must be a string');
  const { salt, iterations, bits } = readPassphraseInfo(info, 'invalid_passphrase_info');
  return pbkdf2Sha512(passphrase, utf8(salt), iterations, bits);
}

async function encryptBytes(
  plaintext: Uint8Array,
  key: Uint8Array,
  name: string,
  iv: Uint8Array = randomIv(),
): Promise<EncryptedSecret> {
  if (!(iv instanceof Uint8Array) || iv.length !== 16) throw argument('An IV has 16 bytes');
  const { aesKey, macKey } = await deriveSecretKeys(key, name);
  const ciphertext = await aesCtr256(aesKey, iv, plaintext);
  return {
    iv: encodeUnpaddedBase64(iv),
    ciphertext: encodeUnpaddedBase64(ciphertext),
    mac: encodeUnpaddedBase64(await hmacSha256(macKey, ciphertext)),
  };
}

function readPassphraseInfo(
  info: unknown,
  code: 'invalid_passphrase_info' | 'invalid_argument',
): Required<PassphraseInfo> {
  const what = 'Passphrase info';
  const fields = readFields(info, ['algorithm', 'salt', 'iterations'], code, what);
  const fail = (reason: string): FormatError => new FormatError(code, `${what}: ${reason}`);
  if (fields.algorithm !== PASSPHRASE_ALGORITHM) {
    throw fail(`unsupported algorithm ${JSON.stringify(fields.algorithm)}`);
  }
  if (typeof fields.salt !== 'string') throw fail(`'salt' is not a string`);
  const { iterations } = fields;
  if (!Number.isInteger(iterations) || (iterations as number) < 1) {
    throw fail(`'iterations' is not a positive integer: ${JSON.stringify(iterations)}`);
  }
  if ((iterations as number) > MAX_PBKDF2_ITERATIONS) {
    throw fail(`'iterations' is more than ${MAX_PBKDF2_ITERATIONS}`);
  }
  const bits = fields.bits ?? DEFAULT_PASSPHRASE_BITS;
  if (!Number.isInteger(bits) || (bits as number) < 8 || (bits as number) % 8 !== 0) {
    throw fail(`'bits' is not a positive multiple of 8: ${JSON.stringify(bits)}`);
  }
  if ((bits as number) > MAX_PASSPHRASE_BITS)
    throw fail(`'bits' is more than ${MAX_PASSPHRASE_BITS}`);
  return {
    algorithm: PASSPHRASE_ALGORITHM,
    salt: fields.salt,
    iterations: iterations as number,
    bits: bits as number,
  };
}

/** The fields of a JSON object that must have the `required` ones. */
function readFields(
  x: unknown,
  required: string[],
  code: FormatErrorCode,
  what: string,
): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw new FormatError(code, `${what} is not an object`);
  }
  const fields = x as Record<string, unknown>;
  for (const field of required) {
    if (fields[field] === undefined) throw new FormatError(code, `${what}: '${field}' is missing`);
  }
  return fields;
}

/** A base64 field as bytes (of `length` bytes, unless null), or a {@link FormatError}. */
function readBytes(
  value: unknown,
  length: number | null,
  code: FormatErrorCode,
  what: string,
): Uint8Array {
  if (typeof value !== 'string') throw new FormatError(code, `${what} is not a string`);
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(value);
  } catch (e) {
    throw new FormatError(code, `${what}: ${(e as Error).message}`, { cause: e });
  }
  if (length !== null && bytes.length !== length) {
    throw new FormatError(code, `${what} has ${bytes.length} bytes instead of ${length}`);
  }
  return bytes;
}

function requireKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length === 0) {
    throw argument('A secret storage key must be non-empty bytes');
  }
}

/** 32 characters drawn uniformly from letters and digits (bytes ≥ 248 are drawn again). */
function randomSalt(): string {
  const limit = 256 - (256 % SALT_ALPHABET.length);
  let salt = '';
  while (salt.length < SALT_LENGTH) {
    for (const b of randomBytes(SALT_LENGTH * 2)) {
      if (b < limit && salt.length < SALT_LENGTH) salt += SALT_ALPHABET[b % SALT_ALPHABET.length];
    }
  }
  return salt;
}

function argument(message: string): FormatError {
  return new FormatError('invalid_argument', message);
}
