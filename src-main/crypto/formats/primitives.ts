/**
 * The primitives the formats share, over WebCrypto (`node:crypto`'s `webcrypto.subtle`):
 * HKDF-SHA-256, PBKDF2-HMAC-SHA-512, AES-CTR-256, HMAC-SHA-256, and the IV the spec asks for.
 *
 * Every WebCrypto call is asynchronous: Node runs PBKDF2 (hundreds of thousands of SHA-512
 * rounds, a good part of a second) on its thread pool, not on the event loop.
 *
 * @packageDocumentation
 */

import { timingSafeEqual, webcrypto } from 'node:crypto';
import { FormatError } from './errors';

const { subtle } = webcrypto;

/** The largest PBKDF2 iteration count WebCrypto takes (an unsigned 32-bit integer). */
export const MAX_PBKDF2_ITERATIONS = 0xffff_ffff;

/** `length` random bytes. */
export function randomBytes(length: number): Uint8Array {
  return webcrypto.getRandomValues(new Uint8Array(length));
}

/**
 * A random 16-byte AES-CTR IV with bit 63 cleared, as the spec asks "to work around
 * differences in AES-CTR implementations": counting bits from the least significant end of
 * the big-endian block, bit 63 is the top bit of byte 8, so the low 64-bit half (the part
 * that counts) starts below 2^63 and cannot wrap, whether an implementation carries into the
 * high half (a 128-bit counter) or not (a 64-bit one).
 */
export function randomIv(): Uint8Array {
  const iv = randomBytes(16);
  iv[8]! &= 0x7f;
  return iv;
}

/**
 * AES-CTR-256 of `data` (encryption and decryption are the same operation). The counter is
 * the low 64 bits of the IV, as matrix-js-sdk and Element Web have it; with bit 63 of the IV
 * clear (see {@link randomIv}) this gives the same stream as a 128-bit counter.
 */
export async function aesCtr256(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Promise<Uint8Array> {
  const aesKey = await subtle.importKey('raw', key, { name: 'AES-CTR' }, false, ['encrypt']);
  const out = await subtle.encrypt({ name: 'AES-CTR', counter: iv, length: 64 }, aesKey, data);
  return new Uint8Array(out);
}

/** HMAC-SHA-256 of `data` under `key`. */
export async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const hmacKey = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return new Uint8Array(await subtle.sign('HMAC', hmacKey, data));
}

/** `bits` bits of HKDF-SHA-256 (RFC 5869) from the input key material `key`. */
export async function hkdfSha256(
  key: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  bits: number,
): Promise<Uint8Array> {
  const base = await subtle.importKey('raw', key, 'HKDF', false, ['deriveBits']);
  const derived = await subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt, info },
    base,
    bits,
  );
  return new Uint8Array(derived);
}

/**
 * `bits` bits of PBKDF2 with HMAC-SHA-512 (RFC 8018) from a passphrase (UTF-8). Runs on
 * Node's thread pool; the event loop stays free meanwhile.
 */
export async function pbkdf2Sha512(
  passphrase: string,
  salt: Uint8Array,
  iterations: number,
  bits: number,
): Promise<Uint8Array> {
  const base = await subtle.importKey('raw', utf8(passphrase), 'PBKDF2', false, ['deriveBits']);
  const derived = await subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-512', salt, iterations },
    base,
    bits,
  );
  return new Uint8Array(derived);
}

/**
 * Whether two MACs are equal, in time that depends on their length only (which is public).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * Bytes as UTF-8 text, or a {@link FormatError}: after a MAC check, bytes that are not UTF-8
 * were written that way, and replacing them would hand on something nobody wrote.
 */
export function fromUtf8(
  bytes: Uint8Array,
  code: 'invalid_encrypted_secret' | 'invalid_key_export',
  what: string,
): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (e) {
    throw new FormatError(code, `${what} is not UTF-8 text`, { cause: e });
  }
}
