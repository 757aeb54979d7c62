/**
 * The room key export file (the spec's "Key exports"): the JSON array of exported Megolm
 * sessions (what the crypto wasm's `exportRoomKeys` returns), encrypted under a passphrase.
 *
 * PBKDF2-HMAC-SHA-512(passphrase, 16-byte random salt, N rounds) → 512 bits: an AES-CTR-256
 * key, then an HMAC-SHA-256 key. The body is
 *
 * | bytes    | content                                                   |
 * | -------- | --------------------------------------------------------- |
 * | 1        | version, `0x01`                                           |
 * | 16       | salt                                                      |
 * | 16       | IV (random, bit 63 clear)                                 |
 * | 4        | N, big-endian                                             |
 * | variable | the UTF-8 JSON, AES-CTR-256 encrypted                     |
 * | 32       | HMAC-SHA-256 of everything above                          |
 *
 * in padded base64, in lines, between `-----BEGIN MEGOLM SESSION DATA-----` and
 * `-----END MEGOLM SESSION DATA-----`. The MAC covers every byte before it, so a wrong
 * passphrase or any change to the file is a `bad_mac` error before anything is decrypted.
 *
 * @packageDocumentation
 */

import { decodeBase64, encodePaddedBase64 } from './base64';
import { FormatError } from './errors';
import {
  aesCtr256,
  constantTimeEqual,
  fromUtf8,
  hmacSha256,
  MAX_PBKDF2_ITERATIONS,
  pbkdf2Sha512,
  randomBytes,
  randomIv,
  utf8,
} from './primitives';

/** Element Web's rounds for a key export (the spec asks for at least 100,000). */
export const DEFAULT_KEY_EXPORT_ROUNDS = 500_000;

export const KEY_EXPORT_HEADER = '-----BEGIN MEGOLM SESSION DATA-----';
export const KEY_EXPORT_TRAILER = '-----END MEGOLM SESSION DATA-----';

const VERSION = 0x01;
const SALT_BYTES = 16;
const IV_BYTES = 16;
const ROUNDS_BYTES = 4;
const MAC_BYTES = 32;
const HEADER_BYTES = 1 + SALT_BYTES + IV_BYTES + ROUNDS_BYTES;
/** 72 bytes a line, as Element Web writes them: 96 characters and no padding but the last. */
const LINE_CHARS = 96;

/**
 * Encrypts exported room keys (the JSON text, passed through unparsed) under `passphrase`
 * into the armoured text of a key export file. `rounds` is the PBKDF2 iteration count.
 */
export async function encryptKeyExport(
  json: string,
  passphrase: string,
  options: { rounds?: number } = {},
): Promise<string> {
  const rounds = options.rounds ?? DEFAULT_KEY_EXPORT_ROUNDS;
  if (typeof json !== 'string' || typeof passphrase !== 'string') {
    throw new FormatError('invalid_argument', 'The exported keys and passphrase must be strings');
  }
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_PBKDF2_ITERATIONS) {
    throw new FormatError('invalid_argument', `Rounds must be an integer from 1 to 2^32 - 1`);
  }
  const salt = randomBytes(SALT_BYTES);
  const iv = randomIv();
  const { aesKey, macKey } = await deriveExportKeys(passphrase, salt, rounds);
  const ciphertext = await aesCtr256(aesKey, iv, utf8(json));

  const body = new Uint8Array(HEADER_BYTES + ciphertext.length + MAC_BYTES);
  body[0] = VERSION;
  body.set(salt, 1);
  body.set(iv, 1 + SALT_BYTES);
  new DataView(body.buffer).setUint32(1 + SALT_BYTES + IV_BYTES, rounds);
  body.set(ciphertext, HEADER_BYTES);
  const signed = body.subarray(0, HEADER_BYTES + ciphertext.length);
  body.set(await hmacSha256(macKey, signed), signed.length);
  return armour(body);
}

/**
 * The exported room keys (JSON text) in a key export file, after checking its MAC. A
 * {@link FormatError}: `invalid_key_export` for a file that is not one (or not whole),
 * `bad_mac` for a wrong passphrase or a changed file.
 */
export async function decryptKeyExport(armoured: string, passphrase: string): Promise<string> {
  if (typeof armoured !== 'string' || typeof passphrase !== 'string') {
    throw new FormatError('invalid_argument', 'The file and passphrase must be strings');
  }
  const body = unarmour(armoured);
  if (body.length < HEADER_BYTES + MAC_BYTES) {
    throw invalid(`it has ${body.length} bytes, fewer than any key export`);
  }
  if (body[0] !== VERSION) throw invalid(`its version is ${body[0]}; only version 1 exists`);
  const salt = body.subarray(1, 1 + SALT_BYTES);
  const iv = body.subarray(1 + SALT_BYTES, 1 + SALT_BYTES + IV_BYTES);
  const rounds = new DataView(body.buffer, body.byteOffset).getUint32(1 + SALT_BYTES + IV_BYTES);
  if (rounds === 0) throw invalid('its round count is 0');
  const signed = body.subarray(0, body.length - MAC_BYTES);
  const { aesKey, macKey } = await deriveExportKeys(passphrase, salt, rounds);
  if (!constantTimeEqual(await hmacSha256(macKey, signed), body.subarray(signed.length))) {
    throw new FormatError(
      'bad_mac',
      'Cannot decrypt the key export: wrong passphrase, or the file was changed',
    );
  }
  const plaintext = await aesCtr256(aesKey, iv, signed.subarray(HEADER_BYTES));
  return fromUtf8(plaintext, 'invalid_key_export', 'The decrypted key export');
}

async function deriveExportKeys(
  passphrase: string,
  salt: Uint8Array,
  rounds: number,
): Promise<{ aesKey: Uint8Array; macKey: Uint8Array }> {
  const bits = await pbkdf2Sha512(passphrase, salt, rounds, 512);
  return { aesKey: bits.slice(0, 32), macKey: bits.slice(32) };
}

/** The body in padded base64, in lines, between the header and trailer lines. */
function armour(body: Uint8Array): string {
  const base64 = encodePaddedBase64(body);
  const lines = [KEY_EXPORT_HEADER];
  for (let i = 0; i < base64.length; i += LINE_CHARS) lines.push(base64.slice(i, i + LINE_CHARS));
  lines.push(KEY_EXPORT_TRAILER, '');
  return lines.join('\n');
}

/**
 * The bytes between the header and trailer lines. Text around them is ignored, as are
 * line endings (LF or CRLF) and blanks at the ends of lines; the base64 itself must be whole.
 */
function unarmour(text: string): Uint8Array {
  const lines = text.split('\n').map((line) => line.trim());
  const start = lines.indexOf(KEY_EXPORT_HEADER);
  if (start < 0) throw invalid(`it has no "${KEY_EXPORT_HEADER}" line`);
  const end = lines.indexOf(KEY_EXPORT_TRAILER, start + 1);
  if (end < 0) throw invalid(`it has no "${KEY_EXPORT_TRAILER}" line (is it cut short?)`);
  try {
    return decodeBase64(lines.slice(start + 1, end).join(''));
  } catch (e) {
    throw invalid((e as Error).message, e);
  }
}

function invalid(reason: string, cause?: unknown): FormatError {
  return new FormatError('invalid_key_export', `Not a valid key export file: ${reason}`, {
    cause,
  });
}
